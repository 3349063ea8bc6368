"""The erasure canary: a unique marker in every personal field and file of a person;
after erasure it appears nowhere: not in any table (search index, vocabulary, change
history and audit trail included), not in the SQLite database file or its write-ahead
log, not in the files store, not in the logs. The same scan before erasure finds it
everywhere it was put, so the scan itself is shown to work."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from perno.privacy import requests
from perno.privacy.erasure import forgotten
from perno.privacy.tests.test_requests import MARK, person_with_everything, register
from perno.sales.models import Deal
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


def stored_files_with_marker() -> list[str]:
    found = []
    for root in (Path(settings.MEDIA_ROOT), Path(settings.PERNO_EXPORT_DIR)):
        if not root.exists():
            continue
        for path in root.rglob("*"):
            if MARK in path.name.lower() or (
                path.is_file() and MARK.encode() in path.read_bytes().lower()
            ):
                found.append(str(path.relative_to(root)))
    return found


def test_nothing_of_an_erased_person_survives_anywhere(make_user, caplog, capfd):
    caplog.set_level(logging.DEBUG)
    user = make_user("seller", role="sales")
    dpo = make_user("dora", role="dpo")
    contact, deal = person_with_everything(user)
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
    assert stored_files_with_marker(), "the attachment is in the files store"
    if connection.vendor == "sqlite":
        assert database_files_with_marker(), "the marker is in the database file before"

    counts = requests.erasure_execute(actor=dpo, request=request)

    assert counts["contacts.contact"] == 1 and counts["sales.deal (anonymized)"] == 1
    assert tables_with_marker() == []
    assert database_files_with_marker() == []
    assert stored_files_with_marker() == []
    logged = caplog.text + "".join(capfd.readouterr())
    assert MARK not in logged.lower()

    assert not any(MARK in word for word in vocabulary.current().words), "in-memory vocabulary"
    kept = Deal.objects.get(pk=deal.pk)  # the law's record stays, without the person
    assert kept.amount == 1000 and kept.contact_id is None and kept.title == "—"
    assert forgotten(f"{MARK.upper()}@Example.com")  # the tombstone warns a later import
    request.refresh_from_db()
    assert request.status == "done" and request.requester_name == "—"
