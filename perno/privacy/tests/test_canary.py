"""The erasure canary: a unique marker in every personal field and file of a person;
after erasure it appears nowhere: not in any table (search index, vocabulary, change
history and audit trail included), not in the SQLite database file or its write-ahead
log, not in the files store or the access archive prepared before the erasure (read
inside the ZIP), not in the logs of the requests made meanwhile (the access log
included: searches and privacy look-ups for the person). The same scan before erasure
finds it everywhere it was put, so the scan itself is shown to work; a company's deal
about the person keeps its title, without the person's name."""

from __future__ import annotations

import logging
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from perno.activities.models import Activity, Comment
from perno.contacts.services import company_create
from perno.privacy import requests
from perno.privacy.erasure import forgotten
from perno.privacy.models import SubjectExport
from perno.privacy.tests.test_requests import MARK, person_with_everything, register
from perno.sales.models import Deal, Pipeline, Stage
from perno.search import vocabulary

pytestmark = pytest.mark.django_db(transaction=True)


def tables_with_marker() -> list[str]:
    """Every table of the database (those without a Django model too, such as the
    full-text index and its shadow tables), read whole."""
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor, include_views=False):
            quoted = connection.ops.quote_name(table)
            # The table name comes from the database's own catalogue, quoted.
            cursor.execute(f"SELECT * FROM {quoted}")  # nosec B608
            rows = cursor.fetchall()
            blobs = [bytes(v) for row in rows for v in row if isinstance(v, memoryview | bytes)]
            if MARK in repr(rows).lower() or any(MARK.encode() in b.lower() for b in blobs):
                found.append(table)
    return sorted(found)


def database_files_with_marker() -> list[str]:
    if connection.vendor != "sqlite":
        return []
    base = Path(connection.settings_dict["NAME"])
    found = []
    for path in (base, Path(f"{base}-wal"), Path(f"{base}-shm")):
        if path.exists() and MARK.encode() in path.read_bytes().lower():
            found.append(path.name)
    return found


def _holds_marker(path: Path) -> bool:
    data = path.read_bytes()
    if zipfile.is_zipfile(path):  # an access archive: its members are compressed
        with zipfile.ZipFile(path) as archive:
            data += b"".join(archive.read(name) for name in archive.namelist())
    return MARK.encode() in data.lower()


def stored_files_with_marker() -> list[str]:
    found = []
    for root in (Path(settings.MEDIA_ROOT), Path(settings.PERNO_EXPORT_DIR)):
        if not root.exists():
            continue
        for path in root.rglob("*"):
            if MARK in path.name.lower() or (path.is_file() and _holds_marker(path)):
                found.append(str(path.relative_to(root)))
    return found


def prepared_archive(dpo, contact, capture) -> SubjectExport:
    """An access request answered with an archive, prepared and not downloaded yet."""
    access = register(dpo, contact=contact, kind="access")
    access = requests.request_update(
        actor=dpo, request=access, data={"identity": "verified", "identity_note": "ID card"}
    )
    with capture(execute=True):
        export = requests.export_start(actor=dpo, request=access)
    export.refresh_from_db()
    assert export.status == "ready" and Path(export.path).exists()
    return export


def company_deal(user, contact) -> Deal:
    """A company's open deal whose contact is the person: the company's business."""
    company = company_create(actor=user, data={"name": "Acme Forniture"})
    deal = Deal.objects.create(
        title=f"Offer to Neri{MARK} for Acme",
        notes=f"Call Ada{MARK} Neri{MARK} on {MARK}@example.com about the 40 chairs",
        contact=contact,
        company=company,
        pipeline=Pipeline.objects.get(),
        stage=Stage.objects.get(),
        amount=5000,
        currency="EUR",
        owner=user,
    )
    Activity.objects.create(
        subject=f"Demo for Ada{MARK} Neri{MARK}", deal=deal, contact=contact, owner=user
    )
    Comment.objects.create(author=user, body=f"Neri{MARK} liked the oak finish", deal=deal)
    return deal


def requests_for_the_person(client, contact) -> None:
    """What people do before the erasure: look the person up, search for them, open
    them. Their query strings name the person."""
    for url, params in (
        ("/privacy/lookup/", {"q": f"{MARK}@example.com"}),
        ("/privacy/lookup/", {"q": "+390612345678"}),
        ("/search/", {"q": f"Ada{MARK}"}),
        ("/search/suggest/", {"q": f"Neri{MARK}"}),
        (f"/contacts/{contact.pk}/", {"tab": f"Ada{MARK}"}),
        (f"/privacy/lookup/contacts/{contact.pk}/", {}),
        (f"/nowhere/Ada{MARK}/", {"q": MARK}),  # a 404, logged by django.request
    ):
        assert client.get(url, params).status_code in (200, 404), url


CANARY_VALUES = (MARK, "390612345678", "0612345678")  # the marker, the phone's digits


def test_nothing_of_an_erased_person_survives_anywhere(
    make_user,
    caplog,
    capfd,
    client,
    login_verified,
    django_capture_on_commit_callbacks,
):
    caplog.set_level(logging.DEBUG)
    user = make_user("seller", role="sales")
    dpo = make_user("dora", role="dpo")
    contact, deal = person_with_everything(user)
    shared = company_deal(user, contact)
    export = prepared_archive(dpo, contact, django_capture_on_commit_callbacks)
    archive_path = Path(export.path)
    login_verified(client, dpo)
    requests_for_the_person(client, contact)
    access_lines = [r.getMessage() for r in caplog.records if r.name == "perno.access"]
    assert any(line.startswith("GET /privacy/lookup/ 200") for line in access_lines)
    assert any(line.startswith("GET /search/ 200") for line in access_lines)
    assert any(line.startswith("GET (no matching URL) 404") for line in access_lines)
    assert any(r.name == "django.request" and r.levelname == "WARNING" for r in caplog.records)
    request = register(
        dpo,
        contact=contact,
        kind="erasure",
        requester_name=f"Ada {MARK}",
        requester_email=f"{MARK}@example.com",
        details=f"Please forget me, {MARK}",
    )
    request = requests.request_update(
        actor=dpo, request=request, data={"identity": "verified", "identity_note": "ID card"}
    )
    before = tables_with_marker()
    for table in (
        "contacts_contact",
        "activities_activity",
        "activities_comment",
        "activities_attachment",
        "activities_notification",
        "sales_deal",
        "sales_lead",
        "privacy_consentevent",
        "privacy_subjectrequest",
        "audit_changeentry",
        "search_entry",
        "search_word",
    ):
        assert table in before, table
    assert set(stored_files_with_marker()) >= {archive_path.name}, "the archive holds it"
    assert len(stored_files_with_marker()) == 2, "and the attachment is in the files store"
    if connection.vendor == "sqlite":
        assert database_files_with_marker(), "the marker is in the database file before"

    counts = requests.erasure_execute(actor=dpo, request=request)

    assert counts["contacts.contact"] == 1 and counts["sales.deal (anonymized)"] == 1
    assert counts["privacy.subjectexport"] == 1
    assert tables_with_marker() == []
    assert database_files_with_marker() == []
    assert stored_files_with_marker() == []
    assert not archive_path.exists() and not SubjectExport.objects.exists()
    logged = "\n".join(
        [caplog.text, *(r.getMessage() for r in caplog.records), *capfd.readouterr()]
    ).lower()
    for value in CANARY_VALUES:
        assert value not in logged, value

    assert not any(MARK in word for word in vocabulary.current().words), "in-memory vocabulary"
    kept = Deal.objects.get(pk=deal.pk)  # the law's record stays, without the person
    assert kept.amount == 1000 and kept.contact_id is None and kept.title == "Deal —"
    theirs = Deal.objects.get(pk=shared.pk)  # the company's deal: only the names went
    assert theirs.title == "Offer to — for Acme" and theirs.contact_id is None
    assert theirs.notes == "Call — on — about the 40 chairs" and theirs.company_id
    assert theirs.activities.get().subject == "Demo for —"
    assert Comment.objects.get(deal=theirs).body == "— liked the oak finish"
    assert forgotten(f"{MARK.upper()}@Example.com")  # the tombstone warns a later import
    request.refresh_from_db()
    assert request.status == "done" and request.requester_name == "—"
