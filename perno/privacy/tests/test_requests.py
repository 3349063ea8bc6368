"""Data subject requests: deadlines, reminders, the access archive, erasure (with the
canary that scans every table, the database file, the files store, the search index
and the logs) and the privacy look-up."""

from __future__ import annotations

import datetime
import io
import json
import zipfile
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from perno.activities.models import Activity, Attachment, Comment, Notification
from perno.activities.services import comment_create
from perno.audit.models import AuditEvent, ChangeEntry
from perno.contacts.models import Contact
from perno.contacts.services import company_create, contact_create
from perno.privacy import deadlines, requests, services
from perno.privacy.erasure import ErasureError, forgotten
from perno.privacy.models import ConsentEvent, Notice, Purpose, SubjectExport, SubjectRequest
from perno.privacy.subject import rows_about
from perno.records.models import BulkJob, SavedView
from perno.sales.models import Deal, Lead, Pipeline, Stage
from perno.search.history import record as visit
from perno.search.models import SavedSearch

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (D(2026, 3, 15), D(2026, 4, 15)),
        (D(2026, 1, 31), D(2026, 2, 28)),  # no 31 February: the last day of the month
        (D(2028, 1, 31), D(2028, 2, 29)),  # leap year
        (D(2026, 5, 31), D(2026, 6, 30)),
        (D(2026, 12, 31), D(2027, 1, 31)),
        (D(2026, 8, 30), D(2026, 9, 30)),
    ],
)
def test_a_request_is_due_one_month_after_receipt(received, due):
    assert deadlines.request_due(received) == due


@given(st.dates(min_value=D(2000, 1, 1), max_value=D(2100, 12, 31)))
def test_the_due_date_is_the_same_day_next_month_or_its_last_day(received):
    due = deadlines.request_due(received)
    assert (due.year * 12 + due.month) - (received.year * 12 + received.month) == 1
    if due.day != received.day:
        assert due.day < received.day and (due + datetime.timedelta(days=1)).day == 1


@pytest.fixture
def dpo(make_user):
    return make_user("dora", role="dpo")


def register(dpo, contact=None, **data):
    return requests.request_create(
        actor=dpo,
        data={
            "kind": "access",
            "requester_name": "Ada Neri",
            "requester_email": "ada@example.com",
            "received_on": D(2026, 1, 31),
            **data,
        },
        contact=contact,
    )


def test_a_request_from_an_unknown_person_is_registered_and_answered(dpo):
    request = register(dpo, requester_name="Chi Sono", requester_email="nobody@example.com")
    assert request.contact is None and request.due_on == D(2026, 2, 28)
    with pytest.raises(ValidationError, match="Link the request to the person first"):
        requests.request_update(
            actor=dpo,
            request=request,
            data={"identity": "verified", "identity_note": "replied from the same address"},
        )
        requests.export_start(actor=dpo, request=SubjectRequest.objects.get(pk=request.pk))
    requests.request_close(
        actor=dpo, request=request, status="done", outcome="We hold no personal data about you."
    )
    request.refresh_from_db()
    assert request.status == "done" and request.closed_at is not None
    steps = [e.detail["step"] for e in AuditEvent.objects.filter(action="request").order_by("seq")]
    assert steps == ["received", "updated", "done"]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"kind": "gossip"}, "kind"),
        ({"requester_name": " "}, "requester_name"),
        ({"received_on": timezone.localdate() + datetime.timedelta(days=3)}, "received_on"),
        ({"channel": "pigeon"}, "channel"),
    ],
)
def test_a_bad_request_is_refused_clearly(dpo, data, field):
    with pytest.raises(ValidationError) as caught:
        register(dpo, **data)
    assert field in caught.value.message_dict
    assert not SubjectRequest.objects.exists()


def test_an_extension_needs_a_reason_and_at_most_two_months(dpo):
    request = register(dpo)  # due 2026-02-28
    with pytest.raises(ValidationError, match="at most two months: until 2026-04-28"):
        requests.request_extend(
            actor=dpo, request=request, until=D(2026, 4, 29), reason="Many requests"
        )
    with pytest.raises(ValidationError) as caught:
        requests.request_extend(actor=dpo, request=request, until=D(2026, 4, 28), reason=" ")
    assert "extension_reason" in caught.value.message_dict
    requests.request_extend(
        actor=dpo, request=request, until=D(2026, 4, 28), reason="Many requests"
    )
    request.refresh_from_db()
    assert request.deadline == D(2026, 4, 28) and request.extension_reason == "Many requests"


def test_reminders_before_the_deadline_once_each(dpo, make_user):
    make_user("vendor", role="sales")
    request = register(dpo, received_on=D(2026, 1, 10))  # due 2026-02-10
    assert requests.reminders_send(today=D(2026, 2, 1)) == 0
    assert requests.reminders_send(today=D(2026, 2, 3)) == 1  # 7 days before
    assert requests.reminders_send(today=D(2026, 2, 3)) == 0  # once
    assert requests.reminders_send(today=D(2026, 2, 8)) == 1  # 2 days before
    assert requests.reminders_send(today=D(2026, 2, 10)) == 1  # the day itself
    assert requests.reminders_send(today=D(2026, 2, 11)) == 1  # overdue, daily
    assert requests.reminders_send(today=D(2026, 2, 11)) == 0
    titles = list(Notification.objects.filter(user=dpo).values_list("title", flat=True))
    assert len(titles) == 4 and any(t.startswith("Overdue") for t in titles)
    assert not Notification.objects.exclude(user=dpo).exists()  # only privacy handlers
    requests.request_close(actor=dpo, request=request, status="done", outcome="Answered")
    assert requests.reminders_send(today=D(2026, 2, 12)) == 0


MARK = "qzxcanarywmv"  # alphabetic: it would also enter the search vocabulary


def person_with_everything(user, mark=MARK):
    """A contact with a marker in every personal field and file of theirs."""

    contact = contact_create(
        actor=user,
        data={
            "first_name": f"Ada{mark}",
            "last_name": f"Neri{mark}",
            "email": f"{mark}@example.com",
            "phone": "+390612345678",
            "job_title": f"Boss {mark}",
            "notes": f"Likes {mark} coffee",
            "language": "it",
        },
    )
    activity = Activity.objects.create(
        subject=f"Call {mark}", description=f"About {mark}", contact=contact, owner=user
    )
    comment_create(
        actor=user,
        target=contact,
        body=f"Comment {mark}",
        files=[SimpleUploadedFile(f"{mark}.txt", f"file body {mark}".encode(), "text/plain")],
    )
    Comment.objects.create(author=user, body=f"On activity {mark}", activity=activity)
    pipeline = Pipeline.objects.create(name="P", is_default=True)
    stage = Stage.objects.create(pipeline=pipeline, name="New", position=1, probability=10)
    deal = Deal.objects.create(
        title=f"Deal Neri{mark}",  # a title with the person's name
        notes=f"Deal notes {mark}",
        contact=contact,
        pipeline=pipeline,
        stage=stage,
        amount=1000,
        currency="EUR",
        owner=user,
    )
    purpose = Purpose.objects.create(code="nl", name="NL", legal_basis="consent")
    Notice.objects.create(purpose=purpose, version="1", text="Notice")
    services.consent_record(
        actor=user,
        contact=contact,
        purpose=purpose,
        kind="given",
        channel="paper",
        source=f"Form {mark}",
        note=f"Note {mark}",
    )

    lead = Lead.objects.create(
        first_name=f"Lead{mark}",
        last_name="Neri",
        email=f"lead.{mark}@example.com",
        notes=f"Lead notes {mark}",
        converted_contact=contact,
        owner=user,
    )
    Activity.objects.create(subject=f"Lead call {mark}", lead=lead, owner=user)
    Comment.objects.create(author=user, body=f"Lead comment {mark}", lead=lead)
    visit(user.pk, "contact", contact.pk)
    Notification.objects.create(user=user, title=f"Reminder {mark}", activity=activity)
    return contact, deal


def test_the_access_archive_holds_everything_and_is_downloaded_once(
    client, dpo, user, login_verified, django_capture_on_commit_callbacks
):
    contact, _deal = person_with_everything(user)
    request = register(dpo, contact=contact)
    requests.request_update(
        actor=dpo, request=request, data={"identity": "verified", "identity_note": "ID card"}
    )
    login_verified(client, dpo)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/privacy/requests/{request.pk}/", {"action": "export"})
    assert response.status_code == 302
    export = SubjectExport.objects.get()
    assert export.status == "ready" and export.progress == 100 and export.size > 0
    page = client.get(f"/privacy/requests/{request.pk}/").content.decode()
    assert "Download once" in page
    with django_capture_on_commit_callbacks(execute=True):
        download = client.post(f"/privacy/exports/{export.pk}/download/")
    assert download.status_code == 200
    payload = b"".join(download.streaming_content)
    archive = zipfile.ZipFile(io.BytesIO(payload))
    names = set(archive.namelist())
    assert {"data.json", "schema.json", "summary.html"} <= names
    data = json.loads(archive.read("data.json"))
    assert data["format"] == "perno-subject-export" and data["subject"]["contact_id"] == contact.pk
    tables = data["tables"]
    for table in (
        "contacts.contact",
        "activities.activity",
        "activities.comment",
        "activities.attachment",
        "activities.notification",
        "sales.deal",
        "privacy.consentevent",
        "privacy.datasource",
        "privacy.subjectrequest",
        "search.searchvisit",
        "audit.changeentry",
        "audit.auditevent",
    ):
        assert tables.get(table, {}).get("rows"), table
        assert f"csv/{table}.csv" in names
    assert len(tables["activities.comment"]["rows"]) == 3
    assert len(tables["activities.activity"]["rows"]) == 2 and tables["sales.lead"]["rows"]
    [file] = data["files"]
    assert archive.read(file["path"]) == f"file body {MARK}".encode()
    assert f"Ada{MARK}" in archive.read("summary.html").decode()
    assert not Path(SubjectExport.objects.get().path or "/nonexistent").exists()
    assert not list(Path(export.path).parent.glob("*.zip"))  # removed from the disk
    again = client.post(f"/privacy/exports/{export.pk}/download/")
    assert again.status_code == 302
    assert SubjectExport.objects.get().status == "downloaded"
    entry = AuditEvent.objects.filter(action="export").get()
    assert entry.actor_id == dpo.pk and entry.detail["archive"] == export.pk


def test_an_unverified_requester_gets_nothing(client, dpo, user, login_verified):
    contact, _deal = person_with_everything(user)
    request = register(dpo, contact=contact)
    login_verified(client, dpo)
    response = client.post(f"/privacy/requests/{request.pk}/", {"action": "export"})
    assert response.status_code == 400 and "Verify the requester" in response.content.decode()
    assert not SubjectExport.objects.exists()


def test_an_erasure_that_fails_half_way_leaves_the_person_whole(dpo, user, monkeypatch):
    contact, deal = person_with_everything(user)
    request = register(dpo, contact=contact, kind="erasure")
    requests.request_update(
        actor=dpo, request=request, data={"identity": "verified", "identity_note": "ID card"}
    )
    before = {
        model: model.objects.count()
        for model in (Contact, Activity, Comment, Attachment, ChangeEntry, ConsentEvent)
    }

    def broken(item):
        raise RuntimeError("disk full")

    monkeypatch.setattr("perno.privacy.erasure._anonymize", broken)
    with pytest.raises(ErasureError, match="disk full"):
        requests.erasure_execute(actor=dpo, request=SubjectRequest.objects.get(pk=request.pk))
    after = {model: model.objects.count() for model in before}
    assert after == before
    deal.refresh_from_db()
    assert deal.title == f"Deal Neri{MARK}"
    assert SubjectRequest.objects.get(pk=request.pk).status == "open"
    assert not forgotten(f"{MARK}@example.com")


def test_the_erasure_page_explains_a_failure(client, dpo, user, login_verified, monkeypatch):
    contact, _deal = person_with_everything(user)
    request = register(dpo, contact=contact, kind="erasure")
    requests.request_update(
        actor=dpo, request=request, data={"identity": "verified", "identity_note": "ID card"}
    )
    login_verified(client, dpo)
    unconfirmed = client.post(f"/privacy/requests/{request.pk}/", {"action": "erase"})
    assert (
        unconfirmed.status_code == 400 and "Tick the confirmation" in unconfirmed.content.decode()
    )
    monkeypatch.setattr(
        "perno.privacy.erasure._anonymize", lambda item: (_ for _ in ()).throw(RuntimeError("x"))
    )
    response = client.post(
        f"/privacy/requests/{request.pk}/", {"action": "erase", "confirm": "erase"}
    )
    assert response.status_code == 400
    assert "Nothing was erased" in response.content.decode()
    assert Contact.objects.filter(pk=contact.pk).exists()


def test_the_privacy_look_up_finds_people_by_any_identifier(client, dpo, user, login_verified):

    contact, _deal = person_with_everything(user)
    company_create(actor=user, data={"name": "Bianchi Mario", "vat_number": "IT00743110157"})
    login_verified(client, dpo)
    for query in (f"{MARK}@example.com", f"ada{MARK} neri", "06 1234 5678", "+39 061 2345678"):
        found = client.get("/privacy/lookup/", {"q": query}).context["found"]
        assert [c.pk for c in found["contacts"]] == [contact.pk], query
    found = client.get("/privacy/lookup/", {"q": "IT00743110157"}).context["found"]
    assert [c.name for c in found["companies"]] == ["Bianchi Mario"]
    page = client.get(f"/privacy/lookup/contacts/{contact.pk}/")
    labels = {t["label"] for t in page.context["tables"]}
    assert {
        "contacts.contact",
        "activities.comment",
        "sales.deal",
        "privacy.consentevent",
    } <= labels
    assert AuditEvent.objects.filter(action="view", detail__for="privacy look-up").exists()


def test_saved_views_searches_and_bulk_changes_naming_the_person_are_found(user):
    contact = contact_create(
        actor=user, data={"first_name": "Ilaria", "last_name": "Zanchetta", "email": "iz@x.it"}
    )
    other = contact_create(actor=user, data={"first_name": "Bruno", "last_name": "Neri"})
    named = [
        SavedView.objects.create(
            owner=user, list_key="contacts", name="Ilaria Zanchetta follow-up"
        ),
        SavedView.objects.create(
            owner=user, list_key="contacts", name="Mail", filters={"q": "iz@x.it"}
        ),
        SavedSearch.objects.create(user=user, name="Her", query="Ilaria Zanchetta", params={}),
        BulkJob.objects.create(
            actor=user,
            subject="contact",
            action="edit",
            status="done",
            selection={"filters": {"q": "Ilaria Zanchetta"}},
        ),
    ]
    SavedView.objects.create(owner=user, list_key="contacts", name="Neri", filters={"q": "Neri"})
    # A name with diacritics only in the filters (JSON, which SQLite stores escaped).
    stefan = contact_create(actor=user, data={"first_name": "Ştefan", "last_name": "Bălan"})
    bulk = BulkJob.objects.create(
        actor=user,
        subject="contact",
        action="edit",
        status="done",
        selection={"filters": {"q": "Ştefan Bălan"}},
    )
    view = SavedView.objects.create(
        owner=user, list_key="contacts", name="Cluj", filters={"q": "Ştefan Bălan"}
    )
    about = {item.model: set(item.rows.values_list("pk", flat=True)) for item in rows_about(stefan)}
    assert view.pk in about.get(SavedView, set()) and bulk.pk in about.get(BulkJob, set())
    found = {
        item.model: set(item.rows.values_list("pk", flat=True)) for item in rows_about(contact)
    }
    for row in named:
        assert row.pk in found.get(type(row), set()), row
    assert len(found[SavedView]) == 2
    assert not [item for item in rows_about(other) if item.model is SavedView and item.rows]
