"""The permission matrix.

Every UI route (walked from the URL conf) and every API operation (walked from the
OpenAPI document) must be classified in ``UI`` or ``API`` below, so a new endpoint
cannot be forgotten: an unclassified one fails ``test_every_route_is_classified``.

For every role (the seven shipped roles and one role per scope) the test calls every
route on records in four positions relative to the caller: its own, its team's (a team
below the caller's), another team's, and its own confidential record. The expected
outcome comes from the role's data (``Role.rights`` and flags) through the small
reference below, not from the gate under test: allowed calls succeed and change what
they should, denied calls get 403 (may see, may not act) or 404 (may not even see), and
a denied write changes nothing in any Perno table.
"""

from __future__ import annotations

import datetime
import json
import re
import socket
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiosmtpd.controller import Controller as SmtpController
from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from perno.accounts.models import ApiToken, Role, Team, User
from perno.accounts.rights import ALL, DEFAULT_ROLES, NONE, OWN, SCOPES, SUBJECTS, TEAM, uniform
from perno.accounts.services import roles_ensure_defaults, token_create, user_create
from perno.activities.calendar_feeds import feed_create
from perno.activities.models import Activity, Attachment, Comment, Notification
from perno.analytics import refresh
from perno.api.api import api
from perno.audit import trail
from perno.audit.models import AuditEvent
from perno.cases.models import Case, CaseCategory, Queue, QueueMember
from perno.contacts import services as contact_services
from perno.contacts.models import Address, Affiliation, Company, Contact
from perno.knowledge.models import Article, ArticleCategory, ArticleVersion
from perno.mail.credentials import seal_password
from perno.mail.models import MailAttachment, Mailbox, MailMessage, MailTemplate, MailThread
from perno.marketing.models import Invitation, Question, Segment, Survey
from perno.marketing.services import link_token
from perno.privacy import services as privacy_services
from perno.privacy.models import Breach, Notice, Purpose, SubjectExport, SubjectRequest
from perno.records.confidential import confidential_fields_set
from perno.records.models import BulkJob, SavedView
from perno.records.services import record_create
from perno.sales.models import Deal, Lead, Order, Pipeline, Product, Stage
from perno.search import indexing
from perno.search.models import SavedSearch
from perno.sla.models import BusinessCalendar, SlaPolicy

pytestmark = pytest.mark.django_db

# --- The reference: what a role's data says -------------------------------------------

CATEGORIES = ("own", "team", "other", "secret")
REACH = {
    NONE: set(),
    OWN: {"own", "secret"},
    TEAM: {"own", "secret", "team"},
    ALL: {"own", "secret", "team", "other"},
}
OK = "ok"


def spec_roles() -> dict[str, dict[str, Any]]:
    """The shipped roles plus one uniform role per scope (so every scope is walked)."""
    roles = {code: dict(spec) for code, spec in DEFAULT_ROLES.items()}
    for scope in SCOPES:
        roles[f"every-{scope}"] = {
            "name": f"Every {scope}",
            "description": "",
            "rights": uniform(scope),
            "see_confidential": scope == ALL,
        }
    return roles


ROLES = spec_roles()


def may(role: dict[str, Any], subject: str, action: str, category: str) -> bool:
    if category == "secret" and not role.get("see_confidential"):
        return False
    scope = role["rights"].get(subject, {}).get(action, NONE)
    return category in REACH[scope]


def outcome(role: dict[str, Any], subject: str, action: str, category: str) -> Any:
    """OK, 403 or 404 for ``action`` on a ``subject`` record in ``category``."""
    if not may(role, subject, "view", category):
        return 404
    if action != "view" and not may(role, subject, action, category):
        return 403
    return OK


# --- The world ---------------------------------------------------------------------------


def token(category: str, subject: str) -> str:
    return f"mx{category}{subject}"


@dataclass
class World:
    role_code: str
    actor: User
    peer: User
    stranger: User
    root: User
    north: Team
    pipeline: Pipeline
    records: dict[str, dict[str, Any]] = field(default_factory=dict)
    comments: dict[str, Comment] = field(default_factory=dict)
    attachments: dict[str, Attachment] = field(default_factory=dict)
    addresses: dict[str, Address] = field(default_factory=dict)
    spare_role: Role | None = None
    spare_pipeline: Pipeline | None = None
    spare_stage: Stage | None = None
    notification: Notification | None = None
    saved_search: SavedSearch | None = None
    purpose: Purpose | None = None
    optin_token: str = ""
    unsubscribe_token: str = ""
    subject_request: SubjectRequest | None = None
    subject_export: SubjectExport | None = None
    breach: Breach | None = None
    snapshot: Any = None
    published: dict[str, Any] = field(default_factory=dict)
    questions: dict[str, Any] = field(default_factory=dict)
    survey_token: str = ""
    linked: Any = None
    media_root: Any = None
    # (type, id) -> subject of the actor's own records that point at other categories.
    references: dict[tuple[str, int], str] = field(default_factory=dict)
    queue: Any = None  # the case queue of the actor's team
    # The search leak test's reference: what a superuser finds for a query in this world
    # (the same for each of its search paths, so asked once per world).
    search_reference: dict[str, set[tuple[str, int]]] = field(default_factory=dict)

    def record(self, subject: str, category: str) -> Any:
        return self.records[subject][category]


def build_world(role_code: str, *, snapshot: bool = True) -> World:
    """The records every role is tried on; ``snapshot=False`` skips the analytics
    refresh (only the analytics routes need it)."""

    roles_ensure_defaults()
    for code, spec in ROLES.items():
        if code.startswith("every-"):
            Role.objects.create(
                code=code,
                name=spec["name"],
                rights=spec["rights"],
                see_confidential=spec["see_confidential"],
            )
    north = Team.objects.create(name="North")
    north_east = Team.objects.create(name="North East", parent=north)
    south = Team.objects.create(name="South")
    password = "matrix-password-2026"
    actor = user_create(username="actor", password=password, roles=[role_code], team="North")
    peer = user_create(username="peer", password=password, roles=["sales"], team="North East")
    stranger = user_create(username="stranger", password=password, roles=["sales"], team="South")
    root = User.objects.create_superuser("root", "root@example.com", password)
    pipeline = Pipeline.objects.create(name="Sales", is_default=True)
    stage = Stage.objects.create(pipeline=pipeline, name="New", position=1, probability=10)
    Stage.objects.create(pipeline=pipeline, name="Offer", position=2, probability=50)
    Stage.objects.create(
        pipeline=pipeline, name="Lost", position=3, probability=0, kind=Stage.Kind.LOST
    )
    world = World(role_code, actor, peer, stranger, root, north, pipeline)
    placement = {
        "own": (actor, north, False),
        "team": (peer, north_east, False),
        "other": (stranger, south, False),
        "secret": (actor, north, True),
    }
    for category, (owner, team, secret) in placement.items():
        common = {"owner": owner, "team": team, "is_confidential": secret}
        rows = {
            "company": Company.objects.create(name=token(category, "company"), **common),
            "contact": Contact.objects.create(
                first_name="Mx", last_name=token(category, "contact"), **common
            ),
            "lead": Lead.objects.create(last_name=token(category, "lead"), **common),
            "deal": Deal.objects.create(
                title=token(category, "deal"),
                pipeline=pipeline,
                stage=stage,
                amount=100,
                currency="EUR",
                **common,
            ),
            "product": Product.objects.create(
                name=token(category, "product"),
                sku=token(category, "sku"),
                unit_price=10,
                currency="EUR",
                vat_rate=22,
                **common,
            ),
            "activity": Activity.objects.create(subject=token(category, "activity"), **common),
        }
        rows["order"] = Order.objects.create(
            number=token(category, "order"),
            contact=rows["contact"],
            ordered_on=datetime.date(2026, 1, 2),
            total=50,
            **common,
        )
        rows["article"] = world_article(category, common)
        for subject, row in rows.items():
            world.records.setdefault(subject, {})[category] = row
        contact = rows["contact"]
        comment = Comment.objects.create(author=actor, body=f"note {category}", contact=contact)
        world.comments[category] = comment
        world.attachments[category] = Attachment.objects.create(
            comment=comment,
            file=SimpleUploadedFile("note.txt", b"hello"),
            original_name="note.txt",
            content_type="text/plain",
            size=5,
            sha256="0" * 64,
            uploaded_by=actor,
        )
        world.addresses[category] = Address.objects.create(
            contact=contact, street="Via Roma 1", city="Roma", country="IT"
        )
        # Made without the record services: indexed explicitly, as the services do.
        for row in [*rows.values(), comment]:
            indexing.saved(row)
        indexing.attachment_added(world.attachments[category])
    add_references(world, stage)
    add_cases(world, placement)
    ArticleCategory.objects.create(name="Matrix category")
    world.spare_role = Role.objects.create(code="spare", name="Spare")
    world.spare_pipeline = Pipeline.objects.create(name="Spare pipeline")
    world.spare_stage = Stage.objects.create(pipeline=pipeline, name="Spare", position=9)
    world.notification = Notification.objects.create(user=actor, title="Hello")
    world.saved_search = SavedSearch.objects.create(user=actor, name="Mine", query="mx")
    world.purpose = Purpose.objects.create(code="matrix", name="Matrix", legal_basis="consent")
    Notice.objects.create(purpose=world.purpose, version="1", text="Matrix notice")
    own_contact = world.record("contact", "own")
    _pending, world.optin_token = privacy_services.signup_start(
        contact=own_contact, purpose=world.purpose
    )
    world.unsubscribe_token = privacy_services.unsubscribe_token(own_contact, world.purpose)
    world.subject_request = SubjectRequest.objects.create(
        kind="access",
        received_on=datetime.date(2026, 1, 5),
        due_on=datetime.date(2026, 2, 5),
        channel="email",
        requester_name="Mx Requester",
        contact=own_contact,
    )
    world.subject_export = SubjectExport.objects.create(request=world.subject_request)
    world.breach = Breach.objects.create(
        title="Matrix breach", description="x", discovered_at=timezone.now()
    )

    if snapshot:
        world.snapshot = refresh.refresh(datetime.date(2026, 3, 1))
    for category, (owner, team, secret) in placement.items():
        common = {"owner": owner, "team": team, "is_confidential": secret}
        for status, target in (("draft", world.records), ("published", None)):
            survey = Survey.objects.create(
                name=token(category, "survey"),
                purpose=world.purpose,
                languages=["it"],
                title={"it": "Titolo"},
                status=status,
                **common,
            )
            question = Question.objects.create(survey=survey, kind="scale", text={"it": "Voto?"})
            if target is not None:
                target.setdefault("survey", {})[category] = survey
                world.questions[category] = question
            else:
                world.published[category] = survey
        world.records.setdefault("segment", {})[category] = Segment.objects.create(
            name=token(category, "segment"), kind="static", **common
        )
    invitation = Invitation.objects.create(
        survey=world.published["own"],
        contact=world.record("contact", "own"),
        language="it",
        audience="b2c",
        nonce="m" * 32,
        expires_at=timezone.now() + datetime.timedelta(days=5),
    )
    world.survey_token = link_token(invitation)
    return world


def world_article(category: str, common: dict[str, Any]) -> Article:
    """A published article (version 1, its title the token) with a newer draft (version
    2), so publishing, archiving and restoring each have something to do."""
    article = Article.objects.create(
        title=token(category, "article"),
        slug=token(category, "article"),
        language="en",
        status="published",
        **common,
    )
    for number, published in ((1, True), (2, False)):
        ArticleVersion.objects.create(
            article=article,
            language="en",
            number=number,
            title=token(category, "article"),
            body=f"Version {number}",
            html=f"<p>Version {number}</p>",
            published=published,
        )
    return article


def article_version(w: World, c: str) -> dict[str, Any]:
    article = w.record("article", c)
    version = ArticleVersion.objects.get(article=article, language="en", number=1)
    return {"pk": article.pk, "version_pk": version.pk}


def matrix_category() -> ArticleCategory:
    return ArticleCategory.objects.get(name="Matrix category")


def add_cases(world: World, placement: dict[str, Any]) -> None:
    """Customer care: a case per category in a queue of its team (a case's team is its
    queue's); the actor is a member of the north queue."""
    queues: dict[int, Queue] = {}
    for number, (category, (owner, team, secret)) in enumerate(placement.items(), start=1):
        queue = queues.get(team.pk) or Queue.objects.create(name=f"Matrix {team.name}", team=team)
        queues[team.pk] = queue
        case = Case.objects.create(
            number=900_000 + number,
            subject=token(category, "case"),
            queue=queue,
            owner=owner,
            team=team,
            is_confidential=secret,
        )
        world.records.setdefault("case", {})[category] = case
        indexing.saved(case)
    world.queue = queues[world.north.pk]
    QueueMember.objects.create(queue=world.queue, user=world.actor)


def spare_case(w: World) -> Case:
    """A case of the actor's in the north queue, for a merge."""
    last = Case.objects.order_by("-number").values_list("number", flat=True).first() or 0
    return Case.objects.create(
        number=last + 1, subject="Matrix spare", queue=w.queue, owner=w.actor, team=w.north
    )


def case_merge_body(w: World, c: str) -> dict[str, Any]:
    """A merge from the case page: a spare case of the same contact, confirmed (the
    page offers only cases of the case's contact)."""
    contact = w.record("contact", "own")
    spare = spare_case(w)
    Case.objects.filter(pk__in=[w.record("case", c).pk, spare.pk]).update(contact=contact)
    return {"sources": [spare.pk], "confirm": "1"}


def spare_queue(w: World) -> Queue:
    return Queue.objects.get_or_create(name="Matrix spare queue", defaults={"team": w.north})[0]


def spare_case_category() -> CaseCategory:
    return CaseCategory.objects.get_or_create(name="Matrix spare category")[0]


def shared_world(*, snapshot: bool) -> Any:
    """A module-scoped ``world`` fixture, parametrized indirectly with a role code: each
    role's world is built once per module (and worker) and shared by that role's tests.
    It is built inside a transaction rolled back after the last of them; pytest-django
    runs each test in a savepoint inside it, so what a test changes goes with the test.
    (pytest orders the tests so that those of one role run one after the other.)"""

    @pytest.fixture(scope="module")
    def world(
        request: Any, django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: Any
    ) -> Any:
        media = tmp_path_factory.mktemp("world-media")
        with django_db_blocker.unblock(), transaction.atomic():
            # One transaction for the whole world: it takes the audit chain first, as
            # every write does (the lock order PERNO_LOCK_ORDER_CHECK enforces).
            trail.lock_chain()
            count_writes_on_sqlite()
            with override_settings(MEDIA_ROOT=media):
                built = build_world(request.param, snapshot=snapshot)
            built.media_root = media
            yield built
            transaction.set_rollback(True)

    return world


@pytest.fixture(autouse=True)
def world_media(request: Any, settings: Any) -> None:
    """A test on a shared world reads its files where the world was built."""
    if "world" in request.fixturenames:
        settings.MEDIA_ROOT = request.getfixturevalue("world").media_root


world = shared_world(snapshot=True)


# --- References and confidential copies, for the marker scan ------------------------------

# A confidential field's value: shown only to roles that see confidential data.
SECRET_FIELD = "zqconfidentialjobtitle"


def add_references(world: World, stage: Stage) -> None:
    """Records the actor may open that point at records of every other category (a deal,
    an activity and an order naming another team's contact, company, deal or lead; links
    between the actor's contact and company and the others'), made through the record
    services so their change history names the records they point at; and a contact job
    title marked confidential, given when the contact is linked to a company. The scan
    (``forbidden_markers``) finds any page or API answer that shows a marker the role may
    not see."""
    root, actor = world.root, world.actor
    confidential_fields_set(actor=root, subject="contact", fields=["job_title"])
    mine = {"owner": actor, "team": world.north}
    linked = contact_services.contact_create(
        actor=root,
        data={"first_name": "Linked", "last_name": "Person", "job_title": SECRET_FIELD, **mine},
        companies=[(world.record("company", "own"), "")],
    )
    world.linked = linked
    world.references[("contact", linked.pk)] = "contact"
    for n, category in enumerate(("team", "other", "secret"), start=1):
        contact = world.record("contact", category)
        company = world.record("company", category)
        deal = record_create(
            actor=root,
            instance=Deal(
                title=f"Xref deal {n}",
                pipeline=world.pipeline,
                stage=stage,
                amount=100,
                currency="EUR",
                contact=contact,
                company=company,
                **mine,
            ),
        )
        activity = record_create(
            actor=root,
            instance=Activity(
                subject=f"Xref activity {n}",
                contact=contact,
                company=company,
                deal=world.record("deal", category),
                lead=world.record("lead", category),
                **mine,
            ),
        )
        world.references[("deal", deal.pk)] = "deal"
        world.references[("activity", activity.pk)] = "activity"
        record_create(
            actor=root,
            instance=Order(
                number=f"XREF-{n}",
                contact=contact,
                company=company,
                ordered_on=datetime.date(2026, 1, 3),
                total=20,
                **mine,
            ),
        )
        contact_services.contact_link_company(
            actor=root, contact=world.record("contact", "own"), company=company
        )
        contact_services.contact_link_company(
            actor=root, contact=contact, company=world.record("company", "own")
        )


def forbidden_markers(role: dict[str, Any]) -> set[str]:
    """Every marker of a record or field the role may not see."""
    hidden = {
        token(category, subject)
        for subject in (
            "company",
            "contact",
            "lead",
            "deal",
            "product",
            "activity",
            "order",
            "article",
        )
        for category in CATEGORIES
        if not may(role, subject, "view", category)
    }
    if not role.get("see_confidential"):
        hidden.add(SECRET_FIELD)
    return hidden


def leaks(where: str, response: Any, hidden: set[str]) -> list[str]:
    body = body_of(response)
    shown = sorted(marker for marker in hidden if marker in body)
    return [f"{where}: shows {shown}, which the role may not see"] if shown else []


def watched_models() -> list[Any]:
    """The Perno tables a denied call must leave alone (API tokens' last use, and the
    audit trail, which records reads too, excepted)."""
    return [
        model
        for model in apps.get_models()
        if model.__module__.startswith("perno.") and model not in (ApiToken, AuditEvent)
    ]


def count_writes_on_sqlite() -> None:
    """SQLite keeps no per-table write counts: temporary triggers on the watched tables
    count the rows inserted, updated or deleted in a temporary table. Created inside the
    world's transaction, they go when it is rolled back."""
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE IF NOT EXISTS matrix_writes (n INTEGER NOT NULL)")
        cursor.execute(
            "INSERT INTO matrix_writes (n) SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM matrix_writes)"
        )
        for model in watched_models():
            table = model._meta.db_table
            for event in ("INSERT", "UPDATE", "DELETE"):
                cursor.execute(
                    f'CREATE TEMP TRIGGER IF NOT EXISTS "matrix_{table}_{event.lower()}"'
                    f' AFTER {event} ON main."{table}"'
                    " BEGIN UPDATE matrix_writes SET n = n + 1; END"
                )


def writes_so_far() -> int:
    """A count that grows with every row written in the watched tables: on PostgreSQL
    the rows inserted, updated or deleted so far in this transaction, on SQLite the
    count kept by the triggers of ``count_writes_on_sqlite``. A call that leaves it
    unchanged wrote nothing, so its tables need not be read again."""

    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.execute("SELECT n FROM matrix_writes")
            return int(cursor.fetchone()[0])
        # The counters of the watched tables themselves (what pg_stat_xact_user_tables
        # shows), not the view, which works them out for every table of the database.
        cursor.execute(
            "SELECT COALESCE(SUM(pg_stat_get_xact_tuples_inserted(t)"
            " + pg_stat_get_xact_tuples_updated(t) + pg_stat_get_xact_tuples_deleted(t)), 0)"
            " FROM unnest(%s::regclass[]) AS t",
            [watched_tables()],
        )
        return int(cursor.fetchone()[0])


_WATCHED_TABLES: list[str] = []


def watched_tables() -> list[str]:
    if not _WATCHED_TABLES:
        _WATCHED_TABLES.extend(
            connection.ops.quote_name(m._meta.db_table) for m in watched_models()
        )
    return _WATCHED_TABLES


def snapshot() -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every watched table."""
    state = {}
    for model in watched_models():
        fields = [f.attname for f in model._meta.concrete_fields if f.attname != "last_login"]
        state[model._meta.label] = list(model._default_manager.order_by("pk").values_list(*fields))
    return state


# --- Route classification ---------------------------------------------------------------


@dataclass
class Call:
    """One request: method, path, body; the expected outcome; what must change."""

    method: str
    path: str
    expected: Any
    data: Any = None
    json: bool = False
    writes: bool = False
    label: str = ""


@dataclass
class Route:
    """How to call a route and what the role data says about it.

    kind: "public" (no log-in), "self" (any logged-in user), "admin" (administer),
    "admin_or_privacy" (administer, or handle personal data),
    "list" (rows in view scope), "create", "record" (a record in each category; action
    on ``subject``), "shared" (configuration everyone reads).
    """

    kind: str
    subject: str = ""
    action: str = "view"
    method: str = "get"
    body: Any = None  # dict, or callable(world, category) -> dict
    path: Any = None  # callable(world, category) -> dict of path parameters
    writes: bool = False
    shows: bool = False  # the response shows the record (its token)
    ends_session: bool = False  # log-out: the answer is the log-in page
    also: tuple[tuple[str, str], ...] = ()  # further rights on a record in the same place
    hidden: int = 404  # status when the record is out of sight (400: it is named in the body)
    privacy: bool = False  # also needs the right to handle personal data
    analytics: bool = False  # also needs the right to view contacts or companies
    everything: bool = False  # only for roles that see every contact, company and order
    reviews: bool = False  # also needs the right to edit contacts or companies (duplicates)
    imports: bool = False  # also needs the right to create a record type an import writes


IMPORTED = ("company", "contact", "lead", "deal", "product", "activity", "order")


def bulk_job_for(user: User) -> BulkJob:
    """A finished bulk change of ``user`` (its progress page)."""
    return BulkJob.objects.create(
        actor=user, subject="contact", action="edit", status="done", message="Changed 1 of 1."
    )


def saved_view_for(user: User) -> SavedView:
    return SavedView.objects.create(
        owner=user, list_key="contacts", name=f"View {SavedView.objects.count() + 1}"
    )


# The calendar (docs/calendar.md): an .ics file to import, the actor's feed, and the
# world's activity as a meeting ahead with an invitee's address (invitations need them).
CALENDAR_FILE = (
    b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Matrix//EN\r\nBEGIN:VEVENT\r\n"
    b"UID:matrix@example.com\r\nDTSTART:20300710T100000Z\r\nSUMMARY:Matrix meeting\r\n"
    b"END:VEVENT\r\nEND:VCALENDAR\r\n"
)


def feed_token(user: User) -> str:
    return feed_create(actor=user)[1]


def meeting_of(w: World, c: str) -> dict[str, Any]:
    activity = w.record("activity", c)
    Activity.objects.filter(pk=activity.pk).update(
        kind="meeting", due_at=timezone.now() + datetime.timedelta(days=3)
    )
    Contact.objects.filter(pk=w.record("contact", "own").pk).update(email="mx.own@example.com")
    return {"activity_id": activity.pk}


def privacy_route(method: str = "get", **kwargs: Any) -> Route:
    """A page of the privacy office: for roles that handle personal data."""
    return Route("privacy", method=method, writes=method != "get", **kwargs)


def admin_post(**kwargs: Any) -> Route:
    """A write that only administrators may make."""
    return Route("admin", method="post", writes=True, **kwargs)


def rec(subject: str) -> Any:
    return lambda w, c: {"pk": w.record(subject, c).pk}


PATCH_FIELD = {
    "company": "name",
    "contact": "last_name",
    "lead": "last_name",
    "deal": "title",
    "product": "name",
    "activity": "subject",
    "order": "number",
    "survey": "name",
    "segment": "name",
    "case": "subject",
    "article": "title",
}
UI_CREATE = {
    "company": {"name": "Matrix new"},
    "contact": {"first_name": "Matrix", "last_name": "New"},
    "lead": {"last_name": "New", "source": "web", "status": "new"},
    "deal": {
        "title": "New",
        "pipeline": "{pipeline}",
        "stage": "{stage}",
        "amount": "10",
        "currency": "EUR",
        "probability": "10",
    },
    "product": {
        "name": "New",
        "sku": "MX-NEW",
        "unit_price": "1",
        "currency": "EUR",
        "vat_rate": "22",
    },
    "activity": {"kind": "task", "subject": "New", "priority": "2", "status": "open"},
    "order": {
        "contact": "{contact}",
        "ordered_on": "2026-01-10",
        "currency": "EUR",
        "status": "confirmed",
        "total": "10",
    },
    "survey": {"name": "New", "purpose": "{purpose}", "languages": "it", "link_days": "30"},
    "segment": {"name": "New", "kind": "static"},
    "article": {
        "title": "New",
        "body": "Text",
        "language": "en",
        "format": "markdown",
        "visibility": "internal",
    },
    "case": {
        "subject": "New",
        "queue": "{queue}",
        "status": "new",
        "priority": "2",
        "channel": "phone",
    },
}
API_CREATE = {
    "company": {"name": "Matrix new"},
    "contact": {"first_name": "Matrix", "last_name": "New"},
    "lead": {"last_name": "New"},
    "deal": {"title": "New", "amount": "10"},
    "product": {"name": "New", "sku": "MX-NEW", "unit_price": "1"},
    "activity": {"subject": "New"},
    "order": lambda w, c: {
        "contact_id": w.record("contact", "own").pk,
        "ordered_on": "2026-01-10",
        "lines": [{"description": "Item", "quantity": "2", "unit_price": "5"}],
    },
    "case": lambda w, c: {"subject": "New", "queue_id": w.queue.pk},
}
# The record types with pages and API operations of their own (segments and surveys
# have rights but no routes yet).
ROUTED = [s for s in SUBJECTS if s in UI_CREATE]


def ui_edit(subject: str) -> Any:
    def body(w: World, c: str) -> dict[str, Any]:
        data = {k: placeholders(w, v) for k, v in UI_CREATE[subject].items()}
        record = w.record(subject, c)
        data.update({PATCH_FIELD[subject]: "Edited", "version": record.version})
        if subject == "product":
            data["sku"] = record.sku
        return data

    return body


def placeholders(w: World, value: Any) -> str:
    return str(value).format(
        pipeline=w.pipeline.pk,
        stage=first_stage(w).pk,
        contact=w.record("contact", "own").pk,
        purpose=w.purpose.pk,
        queue=getattr(w.queue, "pk", ""),
    )


def first_stage(w: World) -> Stage:
    return w.pipeline.stages.order_by("position").first()  # type: ignore[return-value]


def sla_spares(w: World) -> tuple[BusinessCalendar, SlaPolicy]:
    """A business calendar no policy uses and a policy on it (service levels), made when
    a route first needs them (the shipped ones come from the migrations)."""
    calendar, _created = BusinessCalendar.objects.get_or_create(
        name="Matrix calendar", defaults={"time_zone": "Europe/Rome", "country": "IT"}
    )
    spare, _created = BusinessCalendar.objects.get_or_create(
        name="Matrix spare calendar", defaults={"time_zone": "Europe/Rome"}
    )
    policy, _created = SlaPolicy.objects.get_or_create(
        name="Matrix policy",
        defaults={"calendar": calendar, "first_response_minutes": 60, "resolution_minutes": 120},
    )
    return spare, policy


SLA_CALENDAR_FORM = {
    "name": "Matrix new calendar",
    "time_zone": "Europe/Rome",
    "country": "IT",
    "hours_mon": "09:00-13:00",
}


def sla_policy_body(w: World, c: str) -> dict[str, Any]:
    return {
        "name": "Matrix renamed",
        "active": "on",
        "priority": "4",
        "calendar": str(sla_spares(w)[1].calendar_id),
        "first_response_minutes": "30",
        "resolution_minutes": "60",
        "warn_before_minutes": "10",
        "rank": "5",
    }


def world_mailbox(w: World, c: str) -> Mailbox:
    """A shared mailbox per category, placed like that category's contact (made when a
    route first needs it; nothing listens on its ports)."""
    contact = w.record("contact", c)
    box, _created = Mailbox.objects.get_or_create(
        address=f"{token(c, 'mailbox')}@matrix.test",
        defaults={
            "name": token(c, "mailbox"),
            "owner_id": contact.owner_id,
            "team_id": contact.team_id,
            "is_confidential": contact.is_confidential,
            "imap_host": "127.0.0.1",
            "imap_port": 9,
            "imap_username": "matrix",
            "imap_password": seal_password("matrix-secret", "imap_password"),
            "smtp_host": "127.0.0.1",
            "smtp_port": 9,
            "smtp_security": "none",
        },
    )
    return box


def world_mailboxes(w: World, c: str) -> dict[str, Any]:
    for category in CATEGORIES:
        world_mailbox(w, category)
    return {}


def mailbox_form(w: World, c: str) -> dict[str, Any]:
    box = world_mailbox(w, c)
    return {
        **MAILBOX_FORM,
        "name": "Matrix renamed box",
        "kind": "shared",
        "address": box.address,
        "team": box.team_id,
        "imap_password": "",
        "version": box.version,
    }


MAILBOX_FORM = {
    "name": "Matrix new box",
    "kind": "personal",
    "address": "matrix-new@matrix.test",
    "purpose": "other",
    "language": "it",
    "imap_host": "127.0.0.1",
    "imap_port": "993",
    "imap_security": "tls",
    "imap_username": "matrix",
    "imap_password": "matrix-secret",
    "imap_folder": "INBOX",
    "smtp_host": "127.0.0.1",
    "smtp_port": "587",
    "smtp_security": "starttls",
}


def world_mail(w: World, c: str) -> MailMessage:
    """A message with an attachment, dropped on the category's contact (which governs
    who sees it)."""
    contact = w.record("contact", c)
    found = MailMessage.objects.filter(contact=contact, subject="Matrix mail").first()
    if found is not None:
        return found
    thread = MailThread.objects.create(subject="Matrix mail", contact=contact)
    message = MailMessage.objects.create(
        thread=thread,
        direction="in",
        source="eml",
        subject="Matrix mail",
        from_address="someone@example.com",
        text="Matrix text",
        contact=contact,
    )
    attachment = MailAttachment(
        message=message, original_name="matrix.txt", content_type="text/plain", size=6
    )
    attachment.file.save("matrix.txt", ContentFile(b"matrix"), save=True)
    return message


def mail_template() -> MailTemplate:
    found, _created = MailTemplate.objects.get_or_create(
        name="Matrix template", language="it", defaults={"subject": "Matrix", "body": "Text"}
    )
    return found


MAIL_TEMPLATE_FORM = {"name": "Matrix template", "language": "it", "subject": "S", "body": "B"}
EML = (
    b"From: Someone <someone@example.com>\r\nTo: matrix@matrix.test\r\n"
    b"Subject: Matrix forwarded\r\nMessage-ID: <matrix-1@example.com>\r\n\r\nHello.\r\n"
)


UI: dict[str, Route] = {
    # No log-in needed.
    "healthz": Route("public"),
    "login": Route("public"),
    "password_reset": Route("public"),
    "password_reset_done": Route("public"),
    "password_reset_confirm": Route(
        "public", path=lambda w, c: {"uidb64": "MQ", "token": "set-password"}
    ),
    "password_reset_complete": Route("public"),
    "set_language": Route("public", method="post", body={"language": "en", "next": "/"}),
    "openapi-json": Route("public"),
    "signup": Route("public", path=lambda w, c: {"code": "matrix"}),
    "optin": Route("public", path=lambda w, c: {"token": w.optin_token}),
    "unsubscribe": Route("public", path=lambda w, c: {"token": w.unsubscribe_token}, writes=True),
    "openapi-view": Route("public"),
    "api-root": Route("absent"),  # django-ninja's placeholder for /api/v1/ answers 404
    # Any logged-in user, about themselves.
    "dashboard": Route("self"),
    "notifications": Route("self"),
    "notifications_read_all": Route("self", method="post", writes=True),
    "notification_read": Route(
        "self", method="post", path=lambda w, c: {"pk": w.notification.pk}, writes=True
    ),
    "verify": Route("self"),
    "security": Route("self"),
    "twofactor": Route("self"),
    "password_change": Route("self"),
    "tokens": Route("self"),
    "logout_everywhere": Route("self", method="post", writes=True, ends_session=True),
    "logout": Route("self", method="post", ends_session=True),
    # The import wizard: for who may create a record type it writes; an import is its
    # user's own (perno/web/tests/test_imports.py), another's or none is a 404.
    "import_start": Route("self", imports=True),
    **{
        name: Route("absent", method=method, path=lambda w, c: {"pk": 99_999_999})
        for name, method in (
            ("import_detail", "get"),
            ("import_mapping", "get"),
            ("import_preview", "get"),
            ("import_run", "post"),
            ("import_status", "get"),
            ("import_bad_rows", "get"),
            ("import_undo", "post"),
        )
    },
    # Merging: the start page is the record's (who may see it picks the other record);
    # comparing, a merge's page and its undo need both records or the survivor in view
    # and the rights to edit and delete (perno/merging/tests walk them); none of those
    # exists in the world, so they are asked for by ids that are nobody's.
    "merge_start": Route(
        "record", "contact", path=lambda w, c: {"kind": "contact", "pk": w.record("contact", c).pk}
    ),
    "merge_compare": Route(
        "absent",
        path=lambda w, c: {"kind": "contact", "survivor_pk": 99_999_999, "merged_pk": 99_999_998},
    ),
    "merge_detail": Route("absent", path=lambda w, c: {"pk": 99_999_999}),
    "merge_undo": Route("absent", method="post", path=lambda w, c: {"pk": 99_999_999}),
    # Administration.
    "custom_fields": admin_post(
        body={
            "entity": "contact",
            "label": "Matrix",
            "key": "matrix",
            "field_type": "text",
            "position": "1",
        },
    ),
    "user_list": Route("admin"),
    "user_create": admin_post(
        body=lambda w, c: {
            "username": "newbie",
            "email": "newbie@example.com",
            "roles": [Role.objects.get(code="sales").pk],
            "is_active": "on",
            "password": "a-long-enough-passphrase",
        },
    ),
    "user_edit": admin_post(
        path=lambda w, c: {"pk": w.peer.pk},
        body=lambda w, c: {
            "username": "peer",
            "email": "peer@example.com",
            "first_name": "Renamed",
            "roles": [Role.objects.get(code="sales").pk],
            "is_active": "on",
        },
    ),
    "role_list": Route("admin"),
    "role_create": admin_post(
        body=lambda w, c: role_form("fresh", "Fresh"),
    ),
    "role_edit": admin_post(
        path=lambda w, c: {"pk": w.spare_role.pk},
        body=lambda w, c: role_form("spare", "Renamed"),
    ),
    "team_list": admin_post(body={"name": "West"}),
    "confidential": admin_post(body={"subject": "contact", "fields": ["phone"]}),
    "encryption": admin_post(body={"subject": "contact", "fields": ["notes"]}),
    "export_log": Route("admin"),
    "lockouts": Route("admin"),
    # The privacy office.
    "home": privacy_route(),
    "register_print": privacy_route(),
    "register_document": privacy_route(),
    "audit": privacy_route(),
    "controller_edit": privacy_route("post", body={"name": "Matrix S.r.l."}),
    "purpose_create": privacy_route(
        "post", body={"code": "fresh", "name": "Fresh", "legal_basis": "contract"}
    ),
    "purpose_edit": privacy_route(
        "post",
        path=lambda w, c: {"pk": w.purpose.pk},
        body={"code": "matrix", "name": "Renamed", "legal_basis": "consent"},
    ),
    "notice_publish": privacy_route(
        "post",
        path=lambda w, c: {"pk": w.purpose.pk},
        body={"version": "2", "language": "it", "text": "New text"},
    ),
    "retention": privacy_route("post", body={"days_usage": "30"}),
    "retention_run": privacy_route("post", body={"mode": "dry"}),
    "request_list": privacy_route(),
    "breach_list": privacy_route(),
    "breach_create": privacy_route(
        "post",
        body=lambda w, c: {
            "title": "New breach",
            "description": "Lost USB key",
            "discovered_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        },
    ),
    "breach_edit": privacy_route(
        "post",
        path=lambda w, c: {"pk": w.breach.pk},
        body=lambda w, c: {
            "title": "Renamed breach",
            "description": "x",
            "discovered_at": timezone.localtime(w.breach.discovered_at).strftime("%Y-%m-%dT%H:%M"),
        },
    ),
    "request_create": privacy_route(
        "post",
        body={
            "kind": "access",
            "received_on": "2026-01-10",
            "channel": "email",
            "requester_name": "Someone",
        },
    ),
    "request_detail": privacy_route(
        "post",
        path=lambda w, c: {"pk": w.subject_request.pk},
        body={"action": "identity", "identity": "verified", "identity_note": "ID card"},
    ),
    "export_status": privacy_route(path=lambda w, c: {"pk": w.subject_export.pk}),
    # A queued archive cannot be downloaded: the allowed call is sent back to the request.
    "export_download": Route(
        "privacy", method="post", path=lambda w, c: {"pk": w.subject_export.pk}
    ),
    "lookup": privacy_route(body={"q": "mx"}),
    "dossier": privacy_route(path=lambda w, c: {"pk": w.record("contact", "own").pk}),
    "pipeline_settings": admin_post(body={"action": "create", "name": "Matrix"}),
    # Service levels: calendars and SLA policies, for administrators.
    "sla_settings": Route("admin"),
    "sla_calendar_create": admin_post(body=SLA_CALENDAR_FORM),
    "sla_calendar_edit": admin_post(
        path=lambda w, c: {"pk": sla_spares(w)[0].pk},
        body={**SLA_CALENDAR_FORM, "name": "Matrix renamed calendar"},
    ),
    "sla_calendar_delete": admin_post(path=lambda w, c: {"pk": sla_spares(w)[0].pk}),
    "sla_policy_create": admin_post(body=sla_policy_body),
    "sla_policy_edit": admin_post(
        path=lambda w, c: {"pk": sla_spares(w)[1].pk}, body=sla_policy_body
    ),
    "sla_policy_delete": admin_post(path=lambda w, c: {"pk": sla_spares(w)[1].pk}),
    # Lists and look-ups: exactly the rows in view scope.
    "company_list": Route("list", "company"),
    "contact_list": Route("list", "contact"),
    # Search: the results page lists exactly the contacts in view scope ("Mx …" matches
    # them all); suggestions and saved searches are the user's own.
    "results": Route("list", "contact", body={"q": "mx", "type": "contact"}),
    "suggest": Route("self", body={"q": "mx"}),
    "saved_create": Route(
        "self", method="post", writes=True, body={"name": "Matrix", "params": "q=mx"}
    ),
    "saved_delete": Route(
        "self", method="post", writes=True, path=lambda w, c: {"pk": w.saved_search.pk}
    ),
    "lead_list": Route("list", "lead"),
    "deal_list": Route("list", "deal"),
    "deal_board": Route("list", "deal"),
    "product_list": Route("list", "product"),
    "activity_list": Route("list", "activity"),
    "order_list": Route("list", "order"),
    # The knowledge base: articles follow the gate (drafts are for who may edit them, see
    # perno/knowledge/tests); categories are arranged by who may write articles.
    "article_list": Route("list", "article"),
    "article_publish": Route(
        "record", "article", "edit", method="post", path=rec("article"), writes=True
    ),
    "article_archive": Route(
        "record", "article", "edit", method="post", path=rec("article"), writes=True
    ),
    "article_restore": Route(
        "record", "article", "edit", method="post", path=article_version, writes=True
    ),
    "knowledge_categories": Route(
        "create", "article", "create", method="post", writes=True, body={"name": "Matrix new"}
    ),
    "knowledge_category_edit": Route(
        "create",
        "article",
        "create",
        method="post",
        writes=True,
        path=lambda w, c: {"pk": matrix_category().pk},
        body=lambda w, c: {f"c{matrix_category().pk}-name": "Renamed"},
    ),
    "knowledge_category_delete": Route(
        "create",
        "article",
        "create",
        method="post",
        writes=True,
        path=lambda w, c: {"pk": matrix_category().pk},
    ),
    # Analytics: the snapshots (aggregates over every customer) for roles that see every
    # contact, company and order; customer lists limited to the records in view scope;
    # refresh and settings for administrators.
    "overview": Route("self", analytics=True, everything=True),
    "page": Route("self", analytics=True, everything=True, path=lambda w, c: {"page": "rfm"}),
    "status": Route("self", analytics=True),
    "customers": Route(
        "list",
        "contact",
        analytics=True,
        body=lambda w, c: {"snapshot": w.snapshot.pk, "segment": ""},
    ),
    "customer_cost": Route(
        "record",
        "contact",
        "edit",
        method="post",
        writes=True,
        path=lambda w, c: {"record_type": "contact", "pk": w.record("contact", c).pk},
        body={"incurred_on": "2026-01-05", "amount": "12.50", "description": "Support call"},
    ),
    "customer_panel": Route(
        "record",
        "contact",
        path=lambda w, c: {"record_type": "contact", "pk": w.record("contact", c).pk},
    ),
    "settings": admin_post(
        body={
            "clv_months": "24",
            "discount_rate": "8",
            "min_history_days": "30",
            "profit_days": "365",
            "alive_split": "0.5",
            "active_days": "180",
            "fan_satisfaction": "75",
            "fan_bond": "75",
            "sympathizer_bond": "50",
            "fan_recent_days": "365",
            "keep_scores": "12",
        },
    ),
    "refresh": admin_post(body={"as_of": "2026-02-01"}),
    # The health check: figures over what the user sees (the snapshot over every record
    # for roles that see everything); recomputing for administrators, the monthly e-mail
    # for them and for who handles personal data (its compliance figures).
    "health": Route("self", analytics=True),
    "health_recompute": admin_post(),
    "health_report_email": Route(
        "admin_or_privacy", method="post", writes=True, body={"wanted": "0"}
    ),
    # The duplicate queue: for who may edit contacts or companies, pairs only where both
    # records are in view (perno/duplicates/tests); the world has no pair, so one is
    # asked for by an id that is nobody's; the as-you-type check is part of creating.
    "duplicate_queue": Route("self", reviews=True),
    "duplicate_status": Route("self", reviews=True),
    "duplicate_run": Route("self", method="post", writes=True, reviews=True),
    "duplicate_settings": admin_post(body={"contact_threshold": "0.9", "company_threshold": "0.9"}),
    "duplicate_check": Route(
        "create",
        "contact",
        "create",
        path=lambda w, c: {"kind": "contact"},
        body={"email": "x@y.it"},
    ),
    "duplicate_pair": Route("absent", path=lambda w, c: {"pk": 99_999_999}),
    "duplicate_dismiss": Route("absent", method="post", path=lambda w, c: {"pk": 99_999_999}),
    "duplicate_reopen": Route("absent", method="post", path=lambda w, c: {"pk": 99_999_999}),
    # Surveys and segments.
    "survey_list": Route("list", "survey"),
    "segment_list": Route("list", "segment"),
    "survey_from_template": Route(
        "create",
        "survey",
        "create",
        method="post",
        writes=True,
        body=lambda w, c: {"purpose": w.purpose.pk},
    ),
    "segment_from_fans": Route(
        "create", "segment", "create", method="post", writes=True, body={"fan_type": "fan"}
    ),
    "survey_status": Route(
        "record",
        "survey",
        "edit",
        method="post",
        path=rec("survey"),
        writes=True,
        body={"status": "published"},
    ),
    "question_create": Route(
        "record",
        "survey",
        "edit",
        method="post",
        path=rec("survey"),
        writes=True,
        body={"kind": "likert", "audience": "all", "text_it": "Nuova?"},
    ),
    "question_edit": Route(
        "record",
        "survey",
        "edit",
        method="post",
        path=lambda w, c: {"pk": w.record("survey", c).pk, "question_pk": w.questions[c].pk},
        writes=True,
        body={"kind": "scale", "audience": "all", "text_it": "Cambiata?"},
    ),
    "question_delete": Route(
        "record",
        "survey",
        "edit",
        method="post",
        path=lambda w, c: {"pk": w.record("survey", c).pk, "question_pk": w.questions[c].pk},
        writes=True,
    ),
    # Sending needs a segment the caller may see; the call itself is checked for rights.
    "survey_invite": Route(
        "record",
        "survey",
        "edit",
        method="post",
        path=lambda w, c: {"pk": w.published[c].pk},
        body=lambda w, c: {"segment": w.record("segment", "own").pk},
    ),
    "segment_members": Route(
        "record",
        "segment",
        "edit",
        method="post",
        path=rec("segment"),
        writes=True,
        body=lambda w, c: {"add": w.record("contact", "own").pk},
    ),
    "segment_export": Route(
        "record",
        "segment",
        "export",
        path=rec("segment"),
        body=lambda w, c: {"purpose": w.purpose.pk, "format": "csv"},
    ),
    "answer": Route("public", path=lambda w, c: {"token": w.survey_token}),
    "company_lookup": Route("list", "company", body={"q": "mx"}),
    "contact_lookup": Route("list", "contact", body={"q": "mx"}),
    # Creation.
    **{
        f"{s}_create": Route(
            "create",
            s,
            "create",
            method="post",
            writes=True,
            body=lambda w, c, s=s: {k: placeholders(w, v) for k, v in UI_CREATE[s].items()},
        )
        for s in ROUTED
    },
    # One record.
    **{f"{s}_detail": Route("record", s, path=rec(s), shows=True) for s in ROUTED},
    **{
        f"{s}_edit": Route(
            "record", s, "edit", method="post", path=rec(s), body=ui_edit(s), writes=True
        )
        for s in ROUTED
    },
    **{
        f"{s}_delete": Route("record", s, "delete", method="post", path=rec(s), writes=True)
        for s in ROUTED
        if s != "activity"
    },
    # The case pages (perno/cases/tests/test_pages*.py): a case is edited in its own
    # queue; its status, assignee and merges need the right to edit it; the open cases
    # panel of a contact is the contact's; the care dashboard counts what the user may
    # see (nothing for roles without cases); queues and categories are administration.
    "case_list": Route("list", "case"),
    "case_edit": Route(
        "record",
        "case",
        "edit",
        method="post",
        path=rec("case"),
        writes=True,
        body=lambda w, c: {
            **ui_edit("case")(w, c),
            "queue": w.record("case", c).queue_id,
        },
    ),
    "case_status": Route(
        "record",
        "case",
        "edit",
        method="post",
        path=rec("case"),
        writes=True,
        body={"status": "open"},
    ),
    "case_assign": Route(
        "record", "case", "edit", method="post", path=rec("case"), writes=True, body={"to": "me"}
    ),
    "case_note": Route(
        "record",
        "case",
        "edit",
        method="post",
        path=rec("case"),
        writes=True,
        body={"body": "Matrix note"},
    ),
    "case_merge": Route(
        "record", "case", "edit", method="post", path=rec("case"), writes=True, body=case_merge_body
    ),
    "record_cases": Route(
        "record",
        "contact",
        path=lambda w, c: {"record_type": "contact", "pk": w.record("contact", c).pk},
    ),
    "care_dashboard": Route("self"),
    "queue_availability": Route(
        "self",
        method="post",
        writes=True,
        path=lambda w, c: {"pk": w.queue.pk},
        body={"available": "0"},
    ),
    "queue_settings": admin_post(
        body=lambda w, c: {
            "new-name": "Matrix page queue",
            "new-team": w.north.pk,
            "new-assignment": "manual",
        }
    ),
    "queue_edit": admin_post(
        path=lambda w, c: {"pk": spare_queue(w).pk},
        body=lambda w, c: {
            "name": "Matrix renamed queue",
            "team": w.north.pk,
            "assignment": "manual",
        },
    ),
    "queue_delete": admin_post(path=lambda w, c: {"pk": spare_queue(w).pk}),
    "category_settings": admin_post(body={"new-name": "Matrix page category", "new-active": "on"}),
    "category_edit": admin_post(
        path=lambda w, c: {"pk": spare_case_category().pk}, body={"name": "Matrix renamed"}
    ),
    "category_delete": admin_post(path=lambda w, c: {"pk": spare_case_category().pk}),
    "activity_complete": Route(
        "record", "activity", "edit", method="post", path=rec("activity"), writes=True
    ),
    "deal_move": Route(
        "record",
        "deal",
        "edit",
        method="post",
        path=rec("deal"),
        writes=True,
        body=lambda w, c: {
            "stage": w.pipeline.stages.get(name="Offer").pk,
            "version": w.record("deal", c).version,
        },
    ),
    "deal_lose": Route(
        "record",
        "deal",
        "edit",
        method="post",
        path=rec("deal"),
        writes=True,
        body=lambda w, c: {"reason": "Price", "version": w.record("deal", c).version},
    ),
    "lead_convert": Route(
        "record",
        "lead",
        "edit",
        method="post",
        path=rec("lead"),
        writes=True,
        body={"currency": "EUR"},
        also=(("contact", "create"),),
    ),
    "bulk": Route(
        "record",
        "contact",
        "edit",
        method="post",
        path=lambda w, c: {"list_key": "contacts"},
        writes=True,
        hidden=400,  # the ids are in the body: "none of them is there for you"
        body=lambda w, c: {
            "action": "edit",
            "ids": [w.record("contact", c).pk],
            "add_tags": "mxbulk",
            "next": "/contacts/",
        },
    ),
    "contact_vcard": Route("record", "contact", "export", path=rec("contact"), shows=True),
    "bulk_fields": Route("self", path=lambda w, c: {"list_key": "contacts"}),
    "bulk_job": Route("self", path=lambda w, c: {"pk": bulk_job_for(w.actor).pk}),
    "view_save": Route(
        "self",
        method="post",
        writes=True,
        path=lambda w, c: {"list_key": "contacts"},
        body={"name": "Matrix view", "query": "sort=name", "next": "/contacts/"},
    ),
    "view_delete": Route(
        "self",
        method="post",
        writes=True,
        path=lambda w, c: {"pk": saved_view_for(w.actor).pk},
        body={"next": "/contacts/"},
    ),
    "owner_change": Route(
        "record",
        "contact",
        "edit",
        method="post",
        path=lambda w, c: {"record_type": "contact", "pk": w.record("contact", c).pk},
        writes=True,
        body=lambda w, c: {"owner": w.peer.pk, "version": w.record("contact", c).version},
    ),
    "address_add": Route(
        "record",
        "contact",
        "edit",
        method="post",
        path=lambda w, c: {"record_type": "contact", "pk": w.record("contact", c).pk},
        writes=True,
        body={"kind": "office", "street": "Via Po 2", "city": "Torino", "country": "IT"},
    ),
    "address_remove": Route(
        "record",
        "contact",
        "edit",
        method="post",
        path=lambda w, c: {"pk": w.addresses[c].pk},
        writes=True,
    ),
    "contact_link_company": Route(
        "record",
        "contact",
        "edit",
        method="post",
        path=rec("contact"),
        writes=True,
        body=lambda w, c: {"company": w.record("company", "own").pk, "job_title": "CEO"},
    ),
    "contact_unlink_company": Route(
        "record",
        "contact",
        "edit",
        method="post",
        path=lambda w, c: linked(w, c),
        writes=True,
    ),
    "timeline": Route(
        "record",
        "contact",
        path=lambda w, c: {"record_type": "contact", "pk": w.record("contact", c).pk},
    ),
    "comment_add": Route(
        "record",
        "contact",
        "view",
        method="post",
        path=lambda w, c: {"record_type": "contact", "pk": w.record("contact", c).pk},
        writes=True,
        body={"body": "Seen"},
    ),
    "contact_panel": Route("record", "contact", path=rec("contact")),
    "consent_add": Route(
        "record",
        "contact",
        "edit",
        method="post",
        path=rec("contact"),
        writes=True,
        body={"kind": "objected", "channel": "operator"},
    ),
    "restriction": Route(
        "record",
        "contact",
        method="post",
        path=rec("contact"),
        writes=True,
        body={"reason": "Accuracy contested"},
        privacy=True,
    ),
    "attachment_download": Route(
        "record", "contact", path=lambda w, c: {"pk": w.attachments[c].pk}
    ),
    # The calendar: its pages list what the gate lets through (the world's activities
    # have no due time); moving an entry or inviting to a meeting is editing it; the feed
    # needs no log-in, its secret address is the key; importing is creating activities.
    "calendar": Route("self"),
    "calendar_time_zone": Route(
        "self", method="post", writes=True, body={"time_zone": "Europe/Bucharest"}
    ),
    "calendar_feeds": Route("self", method="post", writes=True, body={"action": "create"}),
    "calendar_feed_ics": Route("public", path=lambda w, c: {"token": feed_token(w.actor)}),
    "calendar_import": Route(
        "create",
        "activity",
        "create",
        method="post",
        writes=True,
        body=lambda w, c: {"file": SimpleUploadedFile("cal.ics", CALENDAR_FILE)},
    ),
    "calendar_reschedule": Route(
        "record",
        "activity",
        "edit",
        method="post",
        path=rec("activity"),
        writes=True,
        body=lambda w, c: {
            "due_at": "2030-07-10T10:00",
            "version": w.record("activity", c).version,
        },
    ),
    "calendar_invite": Route("record", "activity", "edit", path=rec("activity")),
    # E-mail: mailboxes follow the "mailbox" rights; a message, its attachments and its
    # deletion follow the record that governs it (here the contact it was dropped on);
    # writing and dropping a forwarded .eml need to see the record; templates are
    # administered (perno/mail/tests/test_pages*.py).
    "mailbox_list": Route("list", "mailbox", path=world_mailboxes),
    "mailbox_create": Route(
        "create", "mailbox", "create", method="post", writes=True, body=MAILBOX_FORM
    ),
    "mailbox_detail": Route(
        "record", "mailbox", path=lambda w, c: {"pk": world_mailbox(w, c).pk}, shows=True
    ),
    "mailbox_edit": Route(
        "record",
        "mailbox",
        "edit",
        method="post",
        path=lambda w, c: {"pk": world_mailbox(w, c).pk},
        body=mailbox_form,
        writes=True,
    ),
    "mailbox_test": Route(
        "record", "mailbox", method="post", path=lambda w, c: {"pk": world_mailbox(w, c).pk}
    ),
    "mailbox_active": Route(
        "record",
        "mailbox",
        "edit",
        method="post",
        path=lambda w, c: {"pk": world_mailbox(w, c).pk},
        body={"active": "0"},
        writes=True,
    ),
    "mailbox_delete": Route(
        "record",
        "mailbox",
        "delete",
        method="post",
        path=lambda w, c: {"pk": world_mailbox(w, c).pk},
        writes=True,
    ),
    "message_detail": Route("record", "contact", path=lambda w, c: {"pk": world_mail(w, c).pk}),
    "message_delete": Route(
        "record",
        "contact",
        "edit",
        method="post",
        path=lambda w, c: {"pk": world_mail(w, c).pk},
        writes=True,
    ),
    "mail_attachment": Route(
        "record", "contact", path=lambda w, c: {"pk": world_mail(w, c).attachments.get().pk}
    ),
    "mail_compose": Route(
        "record",
        "contact",
        path=lambda w, c: {"record_type": "contact", "pk": w.record("contact", c).pk},
        shows=True,
    ),
    "mail_eml": Route(
        "record",
        "deal",
        method="post",
        path=lambda w, c: {"record_type": "deal", "pk": w.record("deal", c).pk},
        body=lambda w, c: {"file": SimpleUploadedFile("m.eml", EML, "message/rfc822")},
        writes=True,
    ),
    "case_mail": Route("record", "case", path=rec("case")),
    "mail_templates": Route("admin"),
    "mail_template_create": admin_post(body={**MAIL_TEMPLATE_FORM, "name": "Matrix new"}),
    "mail_template_edit": admin_post(
        path=lambda w, c: {"pk": mail_template().pk}, body=MAIL_TEMPLATE_FORM
    ),
    "mail_template_delete": admin_post(path=lambda w, c: {"pk": mail_template().pk}),
}


def role_form(code: str, name: str) -> dict[str, Any]:
    data = {"code": code, "name": name}
    for subject in SUBJECTS:
        for action in ("view", "create", "edit", "delete", "export"):
            data[f"right_{subject}_{action}"] = "own"
    return data


def linked(w: World, c: str) -> dict[str, Any]:

    contact = w.record("contact", c)
    company = w.record("company", "own")
    Affiliation.objects.get_or_create(contact=contact, company=company)
    return {"pk": contact.pk, "company_pk": company.pk}


def comment_of(w: World, c: str) -> dict[str, Any]:
    return {"comment_id": w.comments[c].pk}


def attachment_of(w: World, c: str) -> dict[str, Any]:
    return {"attachment_id": w.attachments[c].pk}


def api_rec(subject: str, name: str) -> Any:
    return lambda w, c: {name: w.record(subject, c).pk}


def api_write(subject: str, action: str, method: str, **options: Any) -> Route:
    """A write through the API to a record of ``subject`` named by ``<subject>_id``."""
    return Route(
        "record",
        subject,
        action,
        method=method,
        writes=True,
        path=api_rec(subject, f"{subject}_id"),
        **options,
    )


def api_version(w: World, c: str) -> dict[str, Any]:
    found = article_version(w, c)
    return {"article_id": found["pk"], "version_id": found["version_pk"]}


API_MAILBOX = {
    "name": "Matrix api box",
    "kind": "personal",
    "address": "matrix-api@matrix.test",
    "imap_host": "127.0.0.1",
    "imap_username": "matrix",
    "imap_password": "matrix-secret",
    "smtp_host": "127.0.0.1",
}


def api_mailbox(w: World, c: str) -> dict[str, Any]:
    return {"mailbox_id": world_mailbox(w, c).pk}


class _SmtpSink:
    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        return "250 OK"


_SMTP_SINK: list[SmtpController] = []


def mail_send_body(w: World, c: str) -> dict[str, Any]:
    """Sending from the category's mailbox, whose SMTP server is a real one (aiosmtpd)
    that accepts everything, started once."""
    if not _SMTP_SINK:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            free = probe.getsockname()[1]
        sink = SmtpController(_SmtpSink(), hostname="127.0.0.1", port=free)
        sink.start()
        _SMTP_SINK.append(sink)
    port = _SMTP_SINK[0].port
    box = world_mailbox(w, c)
    Mailbox.objects.filter(pk=box.pk).update(smtp_port=port)
    return {"mailbox_id": box.pk, "to": ["someone@example.com"], "subject": "Hi", "body": "Text"}


API: dict[str, Route] = {
    "GET /api/v1/search": Route("list", "contact", body={"q": "mx", "types": "contact"}),
    # Customer care: cases follow the gate (the queue's team is the case's team); queues
    # and categories are read by everyone and changed by administrators.
    "POST /api/v1/cases/{case_id}/status": api_write(
        "case", "edit", "post", body={"status": "open"}
    ),
    "POST /api/v1/cases/{case_id}/assign": api_write(
        "case", "edit", "post", body=lambda w, c: {"assignee_id": w.actor.pk}
    ),
    "GET /api/v1/cases/{case_id}/notes": Route("record", "case", path=api_rec("case", "case_id")),
    "POST /api/v1/cases/{case_id}/notes": api_write(
        "case", "edit", "post", body={"body": "Matrix note"}
    ),
    "POST /api/v1/cases/{case_id}/merge": api_write(
        "case", "edit", "post", body=lambda w, c: {"sources": [spare_case(w).pk]}
    ),
    # The care dashboard counts the cases the caller may see (none without cases).
    "GET /api/v1/cases/dashboard": Route("self"),
    "GET /api/v1/case-categories": Route("shared"),
    "POST /api/v1/case-categories": admin_post(body={"name": "Matrix new category"}),
    "PATCH /api/v1/case-categories/{category_id}": Route(
        "admin",
        method="patch",
        writes=True,
        path=lambda w, c: {"category_id": spare_case_category().pk},
        body={"name": "Matrix renamed category"},
    ),
    "DELETE /api/v1/case-categories/{category_id}": Route(
        "admin",
        method="delete",
        writes=True,
        path=lambda w, c: {"category_id": spare_case_category().pk},
    ),
    "GET /api/v1/queues": Route("shared"),
    "GET /api/v1/queues/{queue_id}": Route("shared", path=lambda w, c: {"queue_id": w.queue.pk}),
    "POST /api/v1/queues": admin_post(
        body=lambda w, c: {"name": "Matrix new queue", "team_id": w.north.pk}
    ),
    "PATCH /api/v1/queues/{queue_id}": Route(
        "admin",
        method="patch",
        writes=True,
        path=lambda w, c: {"queue_id": spare_queue(w).pk},
        body={"name": "Matrix renamed queue"},
    ),
    "DELETE /api/v1/queues/{queue_id}": Route(
        "admin",
        method="delete",
        writes=True,
        path=lambda w, c: {"queue_id": spare_queue(w).pk},
    ),
    "PUT /api/v1/queues/{queue_id}/availability": Route(
        "self",
        method="put",
        writes=True,
        path=lambda w, c: {"queue_id": w.queue.pk},
        body={"available": False},
    ),
    "GET /api/v1/search/suggest": Route("self", body={"q": "mx"}),
    "GET /api/v1/custom-fields": Route("shared"),
    "GET /api/v1/health": Route("self", analytics=True),
    "GET /api/v1/duplicates": Route("self", reviews=True),
    "GET /api/v1/duplicates/{pair_id}": Route("absent", path=lambda w, c: {"pair_id": 99_999_999}),
    "POST /api/v1/duplicates/{pair_id}/dismiss": Route(
        "absent", method="post", path=lambda w, c: {"pair_id": 99_999_999}
    ),
    "POST /api/v1/duplicates/{pair_id}/reopen": Route(
        "absent", method="post", path=lambda w, c: {"pair_id": 99_999_999}
    ),
    "POST /api/v1/merges": Route(
        "absent",
        method="post",
        body={"kind": "contact", "survivor": 99_999_999, "merged": 99_999_998},
    ),
    "GET /api/v1/merges/{merge_id}": Route("absent", path=lambda w, c: {"merge_id": 99_999_999}),
    "POST /api/v1/merges/{merge_id}/undo": Route(
        "absent", method="post", path=lambda w, c: {"merge_id": 99_999_999}
    ),
    # Imports: uploading is creating the record type named (an activity here); an
    # import is its user's own (perno/imports/tests), another's or none is a 404.
    "GET /api/v1/imports": Route("self"),
    "POST /api/v1/imports": Route(
        "create",
        "activity",
        method="multipart",
        writes=True,
        body=lambda w, c: {
            "entity": "activity",
            "file": SimpleUploadedFile("calls.csv", b"Subject,Type\nCall back,call\n"),
        },
    ),
    **{
        f"{method.upper()} /api/v1/imports/{{job_id}}{tail}": Route(
            "absent", method=method, body=body, path=lambda w, c: {"job_id": 99_999_999}
        )
        for method, tail, body in (
            ("get", "", None),
            ("post", "/mapping", {"mapping": {}}),
            ("get", "/preview", None),
            ("post", "/decisions", {}),
            ("post", "/start", {}),
            ("get", "/bad-rows", None),
            ("post", "/undo", None),
        )
    },
    "POST /api/v1/duplicate-runs": Route("self", method="post", writes=True, reviews=True),
    "GET /api/v1/duplicate-runs/latest": Route("self", reviews=True),
    "GET /api/v1/duplicate-settings": Route("self", reviews=True),
    "PATCH /api/v1/duplicate-settings": Route(
        "admin", method="patch", writes=True, body={"contact_threshold": 0.9}
    ),
    "POST /api/v1/bulk/{record_type}/edit": Route(
        "record",
        "contact",
        "edit",
        method="post",
        path=lambda w, c: {"record_type": "contact"},
        writes=True,
        hidden=400,  # the ids are in the body: "none of them is there for you"
        body=lambda w, c: {
            "selection": {"ids": [w.record("contact", c).pk]},
            "changes": {"add_tags": ["mxbulk"]},
        },
    ),
    "POST /api/v1/bulk/{record_type}/delete": Route(
        "record",
        "product",
        "delete",
        method="post",
        path=lambda w, c: {"record_type": "product"},
        writes=True,
        hidden=400,
        body=lambda w, c: {"selection": {"ids": [w.record("product", c).pk]}},
    ),
    "GET /api/v1/bulk/jobs/{job_id}": Route(
        "self", path=lambda w, c: {"job_id": bulk_job_for(w.actor).pk}
    ),
    "GET /api/v1/views": Route("self"),
    "POST /api/v1/views": Route(
        "self",
        method="post",
        writes=True,
        body={"list_key": "contacts", "name": "Matrix view", "filters": {"q": "mx"}},
    ),
    "GET /api/v1/views/{view_id}": Route(
        "self", path=lambda w, c: {"view_id": saved_view_for(w.actor).pk}
    ),
    "PATCH /api/v1/views/{view_id}": Route(
        "self",
        method="patch",
        writes=True,
        path=lambda w, c: {"view_id": saved_view_for(w.actor).pk},
        body={"name": "Renamed"},
    ),
    "DELETE /api/v1/views/{view_id}": Route(
        "self",
        method="delete",
        writes=True,
        path=lambda w, c: {"view_id": saved_view_for(w.actor).pk},
    ),
    "GET /api/v1/privacy/purposes": Route("shared"),
    "GET /api/v1/contacts/{contact_id}/consents": Route(
        "record", "contact", path=lambda w, c: {"contact_id": w.record("contact", c).pk}
    ),
    "POST /api/v1/contacts/{contact_id}/consents": Route(
        "record",
        "contact",
        "edit",
        method="post",
        writes=True,
        path=lambda w, c: {"contact_id": w.record("contact", c).pk},
        body={"purpose": None, "kind": "objected"},
    ),
    "GET /api/v1/pipelines": Route("shared"),
    "GET /api/v1/pipelines/{pipeline_id}": Route(
        "shared", path=lambda w, c: {"pipeline_id": w.pipeline.pk}
    ),
    "POST /api/v1/pipelines": admin_post(
        body={"name": "Matrix", "stages": [{"name": "New", "probability": 10}]},
    ),
    "PATCH /api/v1/pipelines/{pipeline_id}": Route(
        "admin",
        method="patch",
        writes=True,
        path=lambda w, c: {"pipeline_id": w.spare_pipeline.pk},
        body={"name": "Renamed"},
    ),
    "DELETE /api/v1/pipelines/{pipeline_id}": Route(
        "admin",
        method="delete",
        writes=True,
        path=lambda w, c: {"pipeline_id": w.spare_pipeline.pk},
    ),
    "POST /api/v1/pipelines/{pipeline_id}/stages": admin_post(
        path=lambda w, c: {"pipeline_id": w.pipeline.pk},
        body={"name": "Matrix", "probability": 20},
    ),
    "PATCH /api/v1/stages/{stage_id}": Route(
        "admin",
        method="patch",
        writes=True,
        path=lambda w, c: {"stage_id": w.spare_stage.pk},
        body={"name": "Renamed"},
    ),
    "DELETE /api/v1/stages/{stage_id}": Route(
        "admin", method="delete", writes=True, path=lambda w, c: {"stage_id": w.spare_stage.pk}
    ),
    # Service levels, for administrators.
    "GET /api/v1/sla/calendars": Route("admin"),
    "POST /api/v1/sla/calendars": admin_post(
        body={"name": "Matrix API calendar", "hours": {"mon": ["09:00-13:00"]}}
    ),
    "GET /api/v1/sla/calendars/{calendar_id}": Route(
        "admin", path=lambda w, c: {"calendar_id": sla_spares(w)[0].pk}
    ),
    "PATCH /api/v1/sla/calendars/{calendar_id}": Route(
        "admin",
        method="patch",
        writes=True,
        path=lambda w, c: {"calendar_id": sla_spares(w)[0].pk},
        body={"name": "Matrix renamed calendar"},
    ),
    "DELETE /api/v1/sla/calendars/{calendar_id}": Route(
        "admin",
        method="delete",
        writes=True,
        path=lambda w, c: {"calendar_id": sla_spares(w)[0].pk},
    ),
    "GET /api/v1/sla/calendars/{calendar_id}/closures": Route(
        "admin", path=lambda w, c: {"calendar_id": sla_spares(w)[1].calendar_id}
    ),
    "GET /api/v1/sla/policies": Route("admin"),
    "POST /api/v1/sla/policies": admin_post(
        body=lambda w, c: {
            "name": "Matrix API policy",
            "calendar_id": sla_spares(w)[1].calendar_id,
            "first_response_minutes": 60,
            "resolution_minutes": 120,
        }
    ),
    "GET /api/v1/sla/policies/{policy_id}": Route(
        "admin", path=lambda w, c: {"policy_id": sla_spares(w)[1].pk}
    ),
    "PATCH /api/v1/sla/policies/{policy_id}": Route(
        "admin",
        method="patch",
        writes=True,
        path=lambda w, c: {"policy_id": sla_spares(w)[1].pk},
        body={"rank": 7},
    ),
    "DELETE /api/v1/sla/policies/{policy_id}": Route(
        "admin",
        method="delete",
        writes=True,
        path=lambda w, c: {"policy_id": sla_spares(w)[1].pk},
    ),
    "GET /api/v1/roles": Route("admin"),
    "POST /api/v1/roles": admin_post(
        body={"code": "fresh", "name": "Fresh", "rights": {"contact": {"view": "own"}}},
    ),
    "GET /api/v1/roles/{role_id}": Route("admin", path=lambda w, c: {"role_id": w.spare_role.pk}),
    "PATCH /api/v1/roles/{role_id}": Route(
        "admin",
        method="patch",
        writes=True,
        path=lambda w, c: {"role_id": w.spare_role.pk},
        body={"name": "Renamed", "rights": {"deal": {"view": "all"}}},
    ),
    "DELETE /api/v1/roles/{role_id}": Route(
        "admin", method="delete", writes=True, path=lambda w, c: {"role_id": w.spare_role.pk}
    ),
    "GET /api/v1/users": Route("admin"),
    "POST /api/v1/users": admin_post(
        body={
            "username": "newbie",
            "email": "newbie@example.com",
            "roles": ["sales"],
            "password": "a-long-enough-passphrase",
        },
    ),
    "GET /api/v1/users/{user_id}": Route("admin", path=lambda w, c: {"user_id": w.peer.pk}),
    "PATCH /api/v1/users/{user_id}": Route(
        "admin",
        method="patch",
        writes=True,
        path=lambda w, c: {"user_id": w.peer.pk},
        body={"first_name": "Renamed", "roles": ["sales", "marketing"]},
    ),
    "POST /api/v1/users/{user_id}/logout-everywhere": admin_post(
        path=lambda w, c: {"user_id": w.peer.pk}
    ),
    "GET /api/v1/teams": Route("admin"),
    "POST /api/v1/teams": admin_post(
        body=lambda w, c: {"name": "West", "parent_id": w.north.pk},
    ),
    "PATCH /api/v1/teams/{team_id}": Route(
        "admin",
        method="patch",
        writes=True,
        path=lambda w, c: {"team_id": w.north.pk},
        body={"name": "North West"},
    ),
    "GET /api/v1/confidential-fields": Route("admin"),
    "PUT /api/v1/confidential-fields/{subject}": Route(
        "admin",
        method="put",
        writes=True,
        path=lambda w, c: {"subject": "contact"},
        body={"fields": ["phone", "email"]},
    ),
    "GET /api/v1/encrypted-fields": Route("admin"),
    "PUT /api/v1/encrypted-fields/{subject}": Route(
        "admin",
        method="put",
        writes=True,
        path=lambda w, c: {"subject": "lead"},
        body={"fields": ["notes"]},
    ),
    "GET /api/v1/key-rotations": Route("admin"),
    "POST /api/v1/key-rotations": Route("admin", method="post", writes=True),
    "GET /api/v1/exports": Route("admin"),
    "POST /api/v1/leads/{lead_id}/convert": Route(
        "record",
        "lead",
        "edit",
        method="post",
        writes=True,
        path=api_rec("lead", "lead_id"),
        body={"create_deal": False},
        also=(("contact", "create"),),
    ),
    "POST /api/v1/activities/{activity_id}/complete": Route(
        "record",
        "activity",
        "edit",
        method="post",
        writes=True,
        path=api_rec("activity", "activity_id"),
    ),
    # Comments and attachments follow the record they are about (here: contacts).
    "GET /api/v1/comments": Route(
        "record",
        "contact",
        hidden=400,
        body=lambda w, c: {"target_type": "contact", "target_id": w.record("contact", c).pk},
    ),
    "POST /api/v1/comments": Route(
        "record",
        "contact",
        hidden=400,
        method="multipart",
        writes=True,
        body=lambda w, c: {
            "target_type": "contact",
            "target_id": w.record("contact", c).pk,
            "body": "Seen",
        },
    ),
    "GET /api/v1/comments/{comment_id}": Route("record", "contact", path=comment_of),
    "PATCH /api/v1/comments/{comment_id}": Route(
        "record",
        "contact",
        method="patch",
        writes=True,
        path=comment_of,
        body={"body": "Edited"},
    ),
    "DELETE /api/v1/comments/{comment_id}": Route(
        "record",
        "contact",
        method="delete",
        writes=True,
        path=comment_of,
    ),
    "POST /api/v1/comments/{comment_id}/attachments": Route(
        "record",
        "contact",
        method="multipart",
        writes=True,
        path=comment_of,
        body=lambda w, c: {"files": [SimpleUploadedFile("more.txt", b"more text")]},
    ),
    "GET /api/v1/attachments/{attachment_id}": Route("record", "contact", path=attachment_of),
    "DELETE /api/v1/attachments/{attachment_id}": Route(
        "record",
        "contact",
        method="delete",
        writes=True,
        path=attachment_of,
    ),
    "GET /api/v1/attachments/{attachment_id}/download": Route(
        "record", "contact", path=attachment_of
    ),
    # The calendar (see the pages above).
    "GET /api/v1/calendar/entries": Route(
        "self", body={"start": "2030-07-01T00:00", "end": "2030-08-01T00:00"}
    ),
    "POST /api/v1/calendar/activities/{activity_id}/reschedule": api_write(
        "activity",
        "edit",
        "post",
        body=lambda w, c: {
            "due_at": "2030-07-10T10:00:00+02:00",
            "version": w.record("activity", c).version,
        },
    ),
    "GET /api/v1/calendar/feeds": Route("self"),
    "POST /api/v1/calendar/feeds": Route("self", method="post", writes=True),
    "DELETE /api/v1/calendar/feeds/{feed_id}": Route(
        "self",
        method="delete",
        writes=True,
        path=lambda w, c: {"feed_id": feed_create(actor=w.actor)[0].pk},
    ),
    "GET /api/v1/calendar/activities/{activity_id}/invitations": Route(
        "record", "activity", path=api_rec("activity", "activity_id")
    ),
    "POST /api/v1/calendar/activities/{activity_id}/invitations": Route(
        "record",
        "activity",
        "edit",
        method="post",
        writes=True,
        path=meeting_of,
        body=lambda w, c: {"contact_ids": [w.record("contact", "own").pk]},
    ),
    "POST /api/v1/calendar/imports": Route(
        "create",
        "activity",
        method="multipart",
        writes=True,
        body=lambda w, c: {"file": SimpleUploadedFile("cal.ics", CALENDAR_FILE)},
    ),
    # E-mail (perno/mail/tests/test_api.py): mailboxes follow the "mailbox" rights, a
    # message and its attachments the record that governs it (here the contact it was
    # dropped on); sending needs to see the mailbox, an .eml upload the record (both
    # named in the body: 400 when out of sight); listing shows what the caller may see.
    "GET /api/v1/mailboxes": Route("list", "mailbox", path=world_mailboxes),
    "POST /api/v1/mailboxes": Route(
        "create", "mailbox", "create", method="post", writes=True, body=API_MAILBOX
    ),
    "GET /api/v1/mailboxes/{mailbox_id}": Route("record", "mailbox", path=api_mailbox, shows=True),
    "PATCH /api/v1/mailboxes/{mailbox_id}": Route(
        "record",
        "mailbox",
        "edit",
        method="patch",
        writes=True,
        path=api_mailbox,
        body={"name": "Edited"},
    ),
    "DELETE /api/v1/mailboxes/{mailbox_id}": Route(
        "record", "mailbox", "delete", method="delete", writes=True, path=api_mailbox
    ),
    "POST /api/v1/mailboxes/{mailbox_id}/test": Route(
        "record", "mailbox", method="post", path=api_mailbox
    ),
    "GET /api/v1/mail-messages": Route("self"),
    "GET /api/v1/mail-messages/{message_id}": Route(
        "record", "contact", path=lambda w, c: {"message_id": world_mail(w, c).pk}
    ),
    "POST /api/v1/mail-messages": Route(
        "record", "mailbox", method="post", writes=True, hidden=400, body=mail_send_body
    ),
    "POST /api/v1/mail-eml": Route(
        "record",
        "deal",
        method="multipart",
        writes=True,
        hidden=400,
        body=lambda w, c: {
            "target_type": "deal",
            "target_id": w.record("deal", c).pk,
            "file": SimpleUploadedFile("m.eml", EML, "message/rfc822"),
        },
    ),
    "GET /api/v1/mail-attachments/{attachment_id}/download": Route(
        "record",
        "contact",
        path=lambda w, c: {"attachment_id": world_mail(w, c).attachments.get().pk},
    ),
    # The knowledge base.
    "GET /api/v1/knowledge/articles": Route("list", "article"),
    "POST /api/v1/knowledge/articles": Route(
        "create",
        "article",
        "create",
        method="post",
        writes=True,
        body={"title": "New", "body": "Text", "language": "en"},
    ),
    "GET /api/v1/knowledge/articles/{article_id}": Route(
        "record", "article", path=api_rec("article", "article_id"), shows=True
    ),
    "PATCH /api/v1/knowledge/articles/{article_id}": api_write(
        "article", "edit", "patch", body={"language": "en", "title": "Edited"}
    ),
    "DELETE /api/v1/knowledge/articles/{article_id}": api_write("article", "delete", "delete"),
    "POST /api/v1/knowledge/articles/{article_id}/publish": api_write("article", "edit", "post"),
    "POST /api/v1/knowledge/articles/{article_id}/archive": api_write("article", "edit", "post"),
    "GET /api/v1/knowledge/articles/{article_id}/versions": Route(
        "record", "article", path=api_rec("article", "article_id")
    ),
    "GET /api/v1/knowledge/articles/{article_id}/versions/{version_id}": Route(
        "record", "article", path=lambda w, c: api_version(w, c)
    ),
    "POST /api/v1/knowledge/articles/{article_id}/versions/{version_id}/restore": Route(
        "record", "article", "edit", method="post", writes=True, path=lambda w, c: api_version(w, c)
    ),
    "GET /api/v1/knowledge/categories": Route("shared"),
    "POST /api/v1/knowledge/categories": Route(
        "create", "article", "create", method="post", writes=True, body={"name": "Matrix new"}
    ),
    "PATCH /api/v1/knowledge/categories/{category_id}": Route(
        "create",
        "article",
        "create",
        method="patch",
        writes=True,
        path=lambda w, c: {"category_id": matrix_category().pk},
        body={"name": "Renamed"},
    ),
    "DELETE /api/v1/knowledge/categories/{category_id}": Route(
        "create",
        "article",
        "create",
        method="delete",
        writes=True,
        path=lambda w, c: {"category_id": matrix_category().pk},
    ),
    "GET /api/v1/knowledge/suggest": Route("self", body={"text": "mx printer"}),
}
PLURAL = {
    "company": "companies",
    "contact": "contacts",
    "lead": "leads",
    "deal": "deals",
    "product": "products",
    "activity": "activities",
    "order": "orders",
    "case": "cases",
}
for _s, _plural in PLURAL.items():
    _id = f"{_s}_id"
    API[f"GET /api/v1/{_plural}"] = Route("list", _s)
    API[f"POST /api/v1/{_plural}"] = Route(
        "create", _s, "create", method="post", writes=True, body=API_CREATE[_s]
    )
    API[f"GET /api/v1/{_plural}/{{{_id}}}"] = Route("record", _s, path=api_rec(_s, _id), shows=True)
    API[f"PATCH /api/v1/{_plural}/{{{_id}}}"] = Route(
        "record",
        _s,
        "edit",
        method="patch",
        writes=True,
        path=api_rec(_s, _id),
        body={PATCH_FIELD[_s]: "Edited"},
    )
    API[f"DELETE /api/v1/{_plural}/{{{_id}}}"] = Route(
        "record", _s, "delete", method="delete", writes=True, path=api_rec(_s, _id)
    )


# --- Walking -------------------------------------------------------------------------------


def ui_routes() -> dict[str, str]:
    """URL name -> route pattern, for every route of the URL conf (API included)."""

    found: dict[str, str] = {}
    operations = {op.split(" ", 1)[1] for op in api_operations()}

    def walk(patterns: Any, prefix: str = "") -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                route = prefix + str(p.pattern)
                if "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route) in operations:
                    continue  # API operations are walked from the OpenAPI document
                found[p.name or route] = route

    walk(get_resolver().url_patterns)
    return found


def api_operations() -> list[str]:

    schema = api.get_openapi_schema()
    return [f"{m.upper()} {path}" for path, ops in schema["paths"].items() for m in ops]


def test_every_route_is_classified():
    """A new page or API operation must be added to the matrix, with its rights."""
    assert sorted(set(ui_routes()) - set(UI)) == []
    assert sorted(set(UI) - set(ui_routes())) == []
    assert sorted(set(api_operations()) - set(API)) == []
    assert sorted(set(API) - set(api_operations())) == []


def fill(pattern: str, params: dict[str, Any]) -> str:

    path = "/" + pattern if not pattern.startswith("/") else pattern

    def value(match: re.Match[str]) -> str:
        return str(params[match.group(1)])

    path = re.sub(r"<(?:\w+:)?(\w+)>", value, path)
    return re.sub(r"\{(\w+)\}", value, path)


def expected_for(route: Route, role: dict[str, Any], category: str) -> Any:
    if route.analytics and not any(
        may(role, s, "view", c) for s in ("contact", "company") for c in CATEGORIES
    ):
        return 403
    if route.reviews and not any(
        may(role, s, "edit", c) for s in ("contact", "company") for c in CATEGORIES
    ):
        return 403
    if route.imports and not any(may(role, s, "create", "own") for s in IMPORTED):
        return 403
    if route.everything and not (
        role.get("see_confidential")
        and all(may(role, s, "view", "other") for s in ("contact", "company", "order"))
    ):
        return 403
    if route.kind in ("public", "self", "shared"):
        return OK
    if route.kind == "absent":
        return 404
    if route.kind == "admin":
        return OK if role.get("administer") else 403
    if route.kind == "privacy":
        return OK if role.get("handle_privacy") else 403
    if route.kind == "admin_or_privacy":
        return OK if role.get("administer") or role.get("handle_privacy") else 403
    if route.kind == "list":
        return OK
    if route.kind == "create":
        return OK if may(role, route.subject, "create", "own") else 403
    expected = outcome(role, route.subject, route.action, category)
    if expected == 404:
        return route.hidden
    if expected == OK and not all(may(role, s, a, category) for s, a in route.also):
        return 403
    if expected == OK and route.privacy and not role.get("handle_privacy"):
        return 403
    return expected


def calls(route: Route, role: dict[str, Any], w: World, pattern: str) -> list[tuple[str, Call]]:
    categories = CATEGORIES if route.kind == "record" else ("own",)
    out = []
    for category in categories:
        params = route.path(w, category) if route.path else {}
        body = route.body(w, category) if callable(route.body) else route.body
        out.append(
            (
                category,
                Call(
                    route.method,
                    fill(pattern, params),
                    expected_for(route, role, category),
                    body,
                    writes=route.writes,
                ),
            )
        )
    return out


def send(client: Client, call: Call, headers: dict[str, str], api: bool) -> Any:
    method = call.method
    if method == "multipart":
        return client.post(call.path, call.data or {}, headers=headers)
    if method == "get":
        return client.get(call.path, call.data or {}, headers=headers)
    if api and method in ("post", "patch", "put"):
        return getattr(client, method)(
            call.path, json.dumps(call.data or {}), content_type="application/json", headers=headers
        )
    if method == "post":
        return client.post(call.path, call.data or {}, headers=headers)
    return getattr(client, method)(call.path, headers=headers)


class Baseline:
    """Every call runs in a savepoint rolled back afterwards, so the tables are the same
    before each call of a route as after it: they are read at most once per route
    (preparing a route's calls may add rows, such as a link to remove) and after
    anything else done outside a call, and only when a call may have written.
    ``settled`` checks the assumption at the end."""

    def __init__(self) -> None:
        self.state: dict[str, list[tuple[Any, ...]]] | None = None

    def get(self) -> dict[str, list[tuple[Any, ...]]]:
        if self.state is None:
            self.state = snapshot()
        return self.state

    def reset(self) -> None:
        self.state = None

    def settled(self) -> bool:
        return self.state is None or snapshot() == self.state


def attempt(
    client: Client,
    call: Call,
    headers: dict[str, str],
    api: bool,
    baseline: Baseline | None = None,
    *,
    check_reads: bool = False,
) -> tuple[Any, bool]:
    """Make the call inside a savepoint rolled back afterwards; report whether any Perno
    table changed. An allowed read is not checked for changes (``check_call`` does not
    look), so its tables are not read."""
    baseline = baseline or Baseline()
    if call.expected == OK and not call.writes and not check_reads:
        with transaction.atomic():
            response = send(client, call, headers, api)
            transaction.set_rollback(True)
        return response, False
    with transaction.atomic():
        before = writes_so_far()
        response = send(client, call, headers, api)
        written = writes_so_far() - before
        # No row written: nothing changed. The count covers only the watched tables,
        # so an allowed write that wrote some did its work. For a denied call that
        # wrote, the rows are compared (it may have written what it then undid).
        counted = written == 0 or call.expected == OK
        after = None if counted else snapshot()
        transaction.set_rollback(True)
    if after is None:
        return response, written > 0
    # The savepoint is rolled back: the tables are as they were before the call, so the
    # baseline can be read now, and only when it is needed.
    return response, after != baseline.get()


def visible_tokens(role: dict[str, Any], subject: str) -> set[str]:
    return {token(c, subject) for c in CATEGORIES if may(role, subject, "view", c)}


def check_call(
    name: str,
    category: str,
    call: Call,
    route: Route,
    role: dict[str, Any],
    response: Any,
    changed: bool,
) -> list[str]:
    where = f"{name} [{category}] {call.method.upper()} {call.path}"
    status = response.status_code
    problems = leaks(where, response, forbidden_markers(role))
    if call.expected == OK:
        to_login = status == 302 and "/login/" in response.get("Location", "")
        if status >= 400 or (to_login and not route.ends_session):
            problems.append(f"{where}: expected success, got {status} {body_of(response)[:200]}")
        elif call.writes and route.kind != "self" and not changed:
            problems.append(f"{where}: allowed write changed nothing ({status})")
        if route.kind == "list" and status == 200:
            body = body_of(response)
            shown = {t for c in CATEGORIES for t in [token(c, route.subject)] if t in body}
            if shown != visible_tokens(role, route.subject):
                problems.append(
                    f"{where}: shows {sorted(shown)}, expected {sorted(visible_tokens(role, route.subject))}"
                )
        if (
            route.shows
            and status == 200
            and token(category, route.subject) not in body_of(response)
        ):
            problems.append(f"{where}: the record is not shown")
    else:
        if status != call.expected:
            problems.append(
                f"{where}: expected {call.expected}, got {status} {body_of(response)[:200]}"
            )
        if changed:
            problems.append(f"{where}: a denied call changed data")
    return problems


def body_of(response: Any) -> str:
    if getattr(response, "streaming", False):
        return ""
    return response.content.decode(errors="replace")


@pytest.fixture
def verified(login_verified: Any) -> Any:
    def login(user: User) -> Client:
        client = Client()
        login_verified(client, user)
        return client

    return login


@pytest.mark.parametrize("world", sorted(ROLES), indirect=True)
def test_ui_routes_follow_the_role_data(world, verified):
    role = ROLES[world.role_code]
    routes = ui_routes()
    client = verified(world.actor)
    baseline = Baseline()
    problems: list[str] = []
    for name, route in UI.items():
        prepared = calls(route, role, world, routes[name])
        baseline.reset()
        for category, call in prepared:
            if route.kind == "self" and call.method == "post":
                fresh = verified(world.actor)  # a log-in of its own, outside the calls
                baseline.reset()
                response, changed = attempt(fresh, call, {}, api=False, baseline=baseline)
            else:
                response, changed = attempt(client, call, {}, api=False, baseline=baseline)
            problems += check_call(name, category, call, route, role, response, changed)
    assert problems == [], "\n".join(problems)
    assert baseline.settled(), "a call changed data outside its rolled-back savepoint"


@pytest.mark.parametrize("world", sorted(ROLES), indirect=True)
def test_api_operations_follow_the_role_data(world, client):
    role = ROLES[world.role_code]
    _token, clear = token_create(user=world.actor, name="matrix", scope="write")
    headers = {"Authorization": f"Bearer {clear}"}
    baseline = Baseline()
    problems: list[str] = []
    for operation, route in API.items():
        pattern = operation.split(" ", 1)[1]
        prepared = calls(route, role, world, pattern)
        baseline.reset()
        for category, call in prepared:
            response, changed = attempt(client, call, headers, api=True, baseline=baseline)
            problems += check_call(operation, category, call, route, role, response, changed)
    assert problems == [], "\n".join(problems)
    assert baseline.settled(), "a call changed data outside its rolled-back savepoint"


@pytest.mark.parametrize("world", ["sales"], indirect=True)
def test_anonymous_callers_get_the_log_in_page_or_401(world, client):
    """Everything but the public routes needs a log-in: pages redirect, the API says 401."""
    routes = ui_routes()
    baseline = Baseline()
    problems = []
    for name, route in UI.items():
        if route.kind in ("public", "absent"):
            continue
        _category, call = calls(route, ROLES["sales"], world, routes[name])[0]
        baseline.reset()
        response, changed = attempt(
            client, call, {}, api=False, baseline=baseline, check_reads=True
        )
        if not (response.status_code == 302 and "/login/" in response["Location"]) or changed:
            problems.append(f"{name}: {response.status_code}")
    for operation, route in API.items():
        _category, call = calls(route, ROLES["sales"], world, operation.split(" ", 1)[1])[0]
        baseline.reset()
        response, changed = attempt(client, call, {}, api=True, baseline=baseline, check_reads=True)
        if response.status_code != 401 or changed:
            problems.append(f"{operation}: {response.status_code}")
    assert problems == [], "\n".join(problems)


def test_the_reference_is_not_trivial():
    """The roles walked above really differ: some allow, some deny, per scope."""
    outcomes = {
        outcome(role, "contact", "edit", category)
        for role in ROLES.values()
        for category in CATEGORIES
    }
    assert outcomes == {OK, 403, 404}


def reference_calls(w: World) -> list[tuple[str, str, dict[str, str]]]:
    """(name, UI route or API path, query) for every page and API answer that shows a
    record pointing at others: the detail pages, timelines and API details of the
    actor's records that point at other categories, the dashboard, the board, search,
    and the CSV exports of the lists."""
    own = {"owner": w.actor, "team": w.north}
    xrefs = {
        "deal": list(Deal.objects.filter(title__startswith="Xref", **own)),
        "activity": list(Activity.objects.filter(subject__startswith="Xref", **own)),
        "order": list(Order.objects.filter(number__startswith="XREF", **own)),
        "contact": [w.record("contact", "own"), w.linked],
        "company": [w.record("company", "own")],
    }
    plural = {"activity": "activities", "company": "companies"}
    out: list[tuple[str, str, dict[str, str]]] = []
    for kind, rows in xrefs.items():
        for row in rows:
            out.append((f"{kind}_detail", f"{kind}_detail", {"pk": str(row.pk)}))
            out.append(("api", f"/api/v1/{plural.get(kind, kind + 's')}/{row.pk}", {}))
            if kind != "order":
                out.append(("timeline", "timeline", {"record_type": kind, "pk": str(row.pk)}))
    for name in ("company_list", "contact_list", "deal_list", "activity_list", "order_list"):
        out.append((f"{name} csv", name, {"export": "csv"}))
    out += [
        ("dashboard", "dashboard", {}),
        ("deal_board", "deal_board", {}),
        ("search", "results", {"q": "Xref"}),
        ("search", "results", {"q": "Mx"}),
        ("api", "/api/v1/search", {"q": "Xref"}),
        ("api", "/api/v1/search/suggest", {"q": "Xref"}),
        ("api", "/api/v1/activities", {}),
        ("api", "/api/v1/deals", {}),
        ("api", "/api/v1/orders", {}),
    ]
    return out


@pytest.mark.parametrize("world", sorted(ROLES), indirect=True)
def test_references_never_show_what_the_role_may_not_see(world, verified):
    """The marker scan over the records that point at others: a record the role may
    open shows the records it may not open as a neutral placeholder (no name, no link,
    no snippet), in pages, timelines, exports and the API."""
    role = ROLES[world.role_code]
    routes = ui_routes()
    client = verified(world.actor)
    _token, clear = token_create(user=world.actor, name="scan", scope="read")
    headers = {"Authorization": f"Bearer {clear}"}
    hidden = forbidden_markers(role)
    problems: list[str] = []
    fetched = 0
    for name, target, params in reference_calls(world):
        if name == "api":
            response = client.get(target, params, headers=headers)
        else:
            path_params = {
                k: v for k, v in params.items() if "{" + k + "}" in _braced(routes[target])
            }
            query = {k: v for k, v in params.items() if k not in path_params}
            response = client.get(fill(routes[target], path_params), query)
        if response.status_code == 200:
            fetched += 1
        body = (
            b"".join(response.streaming_content).decode(errors="replace")
            if getattr(response, "streaming", False)
            else response.content.decode(errors="replace")
        )
        shown = sorted(marker for marker in hidden if marker in body)
        if shown:
            problems.append(f"{name} {target} {params}: shows {shown}")
    if any(may(role, s, "view", "own") for s in ("contact", "deal", "activity")):
        assert fetched > 0  # the scan saw the pages it is about
    assert problems == [], "\n".join(problems)


def _braced(pattern: str) -> str:
    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", pattern)
