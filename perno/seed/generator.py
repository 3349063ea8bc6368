"""Deterministic bulk generation of Italian and Romanian CRM data (Faker it_IT / ro_RO
name pools, valid E.164 phones, VAT numbers with correct check digits).

``seed`` runs the steps of ``perno.seed.steps`` in order; the names, places, phones and
VAT numbers come from ``perno.seed.values`` (re-exported here)."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from perno.accounts.models import Team, User
from perno.core.sealing import sealed_fields
from perno.privacy import keys
from perno.sales.models import Pipeline, Stage
from perno.search.indexer import rebuild
from perno.seed.steps import (
    SeedRun,
    insert_activities,
    insert_addresses,
    insert_affiliations,
    insert_comments,
    insert_companies,
    insert_contacts,
    insert_deals,
)
from perno.seed.values import (
    ACTIVITY_SUBJECTS,
    COMMENT_TEXTS,
    DEAL_WORDS,
    INDUSTRIES,
    IT_MOBILE,
    IT_SUFFIX,
    JOB_TITLES_IT,
    JOB_TITLES_RO,
    RO_MOBILE,
    RO_SUFFIX,
    FastRandom,
    Pools,
    ascii_slug,
    build_pools,
    phone,
    vat_number,
)

__all__ = [
    "ACTIVITY_SUBJECTS",
    "COMMENT_TEXTS",
    "DEAL_WORDS",
    "INDUSTRIES",
    "IT_MOBILE",
    "IT_SUFFIX",
    "JOB_TITLES_IT",
    "JOB_TITLES_RO",
    "RO_MOBILE",
    "RO_SUFFIX",
    "FastRandom",
    "Pools",
    "SeedResult",
    "ascii_slug",
    "build_pools",
    "default_team",
    "ensure_pipelines",
    "phone",
    "result_counts",
    "seed",
    "vat_number",
]


@dataclass
class SeedResult:
    companies: int = 0
    contacts: int = 0
    deals: int = 0
    activities: int = 0
    comments: int = 0
    addresses: int = 0
    affiliations: int = 0

    @property
    def rows(self) -> int:
        return self.companies + self.contacts + self.deals + self.activities + self.comments

    @property
    def rows_with_links(self) -> int:
        """Every inserted row, including contact-company links and addresses."""
        return self.rows + self.addresses + self.affiliations


def ensure_pipelines() -> list[Pipeline]:
    if not Pipeline.objects.exists():
        specs = [
            (
                "Vendite Italia",
                True,
                [
                    ("Nuovo", 10, "open"),
                    ("Qualificato", 25, "open"),
                    ("Offerta", 50, "open"),
                    ("Trattativa", 75, "open"),
                    ("Vinto", 100, "won"),
                    ("Perso", 0, "lost"),
                ],
            ),
            (
                "Vânzări România",
                False,
                [
                    ("Nou", 10, "open"),
                    ("Calificat", 30, "open"),
                    ("Ofertă trimisă", 60, "open"),
                    ("Câștigat", 100, "won"),
                    ("Pierdut", 0, "lost"),
                ],
            ),
        ]
        for position, (name, default, stages) in enumerate(specs):
            pipeline = Pipeline.objects.create(name=name, is_default=default, position=position)
            Stage.objects.bulk_create(
                Stage(pipeline=pipeline, name=s, probability=p, kind=k, position=i)
                for i, (s, p, k) in enumerate(stages)
            )
    return list(Pipeline.objects.prefetch_related("stages").order_by("position"))


def _postgres_fast_load() -> None:
    """The generated rows reference only rows generated just before them, so foreign-key
    triggers can be skipped when the role may (superuser); otherwise they are checked while
    copying, in PostgreSQL's own process beside the generator, rather than all at commit."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        row = cursor.fetchone()
        if row and row[0]:
            cursor.execute("SET LOCAL session_replication_role = replica")
        else:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def _start_run(
    *,
    seed_value: int,
    users: list[User] | None,
    companies: int,
    contacts: int,
    deals: int,
    activities: int,
    comments: int,
) -> SeedRun:
    """The shared state of one seed: random source, name pools, owners, pipelines, clock."""
    rng = FastRandom(seed_value)
    pools = build_pools(seed_value)
    users = users or list(User.objects.filter(is_active=True).order_by("pk"))
    owner_ids: list[int | None] = [u.pk for u in users] or [None]
    team_of: dict[int | None, int | None] = {u.pk: u.team_id for u in users}
    pipelines = ensure_pipelines()
    stages: dict[int, list[Stage]] = {p.pk: list(p.stages.all()) for p in pipelines}
    now = timezone.now().replace(microsecond=0)

    # A pool of timestamps over the last two years: building a datetime per row is a
    # large share of the generator's time.
    moments = sorted(
        (now - datetime.timedelta(seconds=rng.randrange(0, 720 * 86400)) for _ in range(20_000)),
        reverse=True,
    )
    year_ago = now - datetime.timedelta(days=365)
    recent = [m for m in moments if m >= year_ago]
    return SeedRun(
        rng=rng,
        pools=pools,
        owner_ids=owner_ids,
        team_of=team_of,
        pipelines=pipelines,
        stages=stages,
        now=now,
        moments=moments,
        recent=recent,
        companies=companies,
        contacts=contacts,
        deals=deals,
        activities=activities,
        comments=comments,
    )


def seed(
    *,
    companies: int,
    contacts: int,
    deals: int,
    activities: int,
    comments: int = 0,
    seed_value: int = 42,
    users: list[User] | None = None,
    progress: Callable[[str, int], None] | None = None,
    index: bool = True,
) -> SeedResult:
    """Insert generated rows in bulk. Deterministic for a given seed and starting state.
    Bulk rows bypass the record services (and their indexing step), so the search index is rebuilt afterwards
    (``index=False`` leaves that to the caller)."""
    run = _start_run(
        seed_value=seed_value,
        users=users,
        companies=companies,
        contacts=contacts,
        deals=deals,
        activities=activities,
        comments=comments,
    )
    result = SeedResult()
    report = progress or (lambda _what, _n: None)

    with transaction.atomic():
        if connection.vendor == "postgresql":
            _postgres_fast_load()
        result.companies = insert_companies(run)
        report("companies", result.companies)
        result.addresses = insert_addresses(run)
        result.contacts = insert_contacts(run)
        result.affiliations = insert_affiliations(run)
        report("contacts", result.contacts)
        result.deals = insert_deals(run)
        report("deals", result.deals)
        result.activities = insert_activities(run)
        report("activities", result.activities)
        result.comments = insert_comments(run)
        report("comments", result.comments)
        if connection.vendor == "postgresql":
            # SET LOCAL lasts to the end of the outermost transaction: a seed run inside
            # one (a test) must not leave the triggers (the search index's title word
            # starts) off for what follows.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL session_replication_role = DEFAULT")
    _seal_sensitive_fields(report)
    if index:
        rebuild()
        report("search index", sum(result_counts(result)))
    return result


def _seal_sensitive_fields(report: Callable[[str, int], None]) -> None:
    """Bulk rows are written plain: seal the fields marked for encryption now."""
    if sealed_fields():
        try:
            rotation = keys.start(actor=None)
            rotation.refresh_from_db()
            report(
                f"records checked for encryption ({rotation.get_status_display()})", rotation.done
            )
        except keys.RotationError as exc:
            report(f"sensitive fields NOT encrypted: {exc}", 0)


def result_counts(result: SeedResult) -> list[int]:
    return [int(v) for v in vars(result).values() if isinstance(v, int)]


def default_team(name: str) -> Team:
    return Team.objects.get_or_create(name=name)[0]
