"""Roles, scopes, nested teams, confidential records and fields, export rules and tokens."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from openpyxl import load_workbook

from perno.accounts.models import ConfidentialField, ExportLog, Role
from perno.accounts.permissions import access_for, check, forget_access, restrict
from perno.accounts.services import (
    role_save,
    team_get_or_create,
    token_create,
)
from perno.audit.models import ChangeEntry
from perno.contacts import selectors
from perno.contacts.models import Contact
from perno.contacts.services import contact_create, contact_update
from perno.records.confidential import confidential_fields_set


@pytest.fixture
def teams(db):
    north = team_get_or_create(name="Vendite Nord")
    head = team_get_or_create(name="Direzione vendite")
    north.parent = head
    north.save()
    other = team_get_or_create(name="Vânzări București")
    other.parent = head
    other.save()
    return head, north, other


@pytest.fixture
def people(make_user, teams, user):
    andrei = make_user("andrei", team="Vânzări București")
    marco = make_user("marco", role="manager", team="Direzione vendite")
    luca = make_user("luca", team="Vendite Nord")
    auditor = make_user("paola", role="auditor")
    return {"giulia": user, "andrei": andrei, "marco": marco, "luca": luca, "auditor": auditor}


def names(user):
    return sorted(c.last_name for c in selectors.contact_list(user=user))


def test_scopes_follow_owner_team_and_nested_teams(people):
    mine = contact_create(actor=people["giulia"], data={"first_name": "Anna", "last_name": "Mio"})
    contact_create(actor=people["luca"], data={"first_name": "Anna", "last_name": "Collega"})
    theirs = contact_create(
        actor=people["andrei"], data={"first_name": "Anna", "last_name": "Strain"}
    )
    # Sales: view the team's records (giulia and luca share Vendite Nord).
    assert names(people["giulia"]) == ["Collega", "Mio"]
    assert names(people["andrei"]) == ["Strain"]
    # A manager of the parent team sees the teams below; the auditor sees everything.
    assert names(people["marco"]) == ["Collega", "Mio", "Strain"]
    assert names(people["auditor"]) == ["Collega", "Mio", "Strain"]
    # Invisible: 404, so existence is not revealed. Visible but not editable: 403 naming the right.
    with pytest.raises(Http404):
        selectors.contact_get(user=people["giulia"], pk=theirs.pk)
    colleague = Contact.objects.get(last_name="Collega")
    with pytest.raises(PermissionDenied, match="edit contacts only within this scope: own records"):
        selectors.contact_get(user=people["giulia"], pk=colleague.pk, action="edit")
    assert selectors.contact_get(user=people["giulia"], pk=mine.pk, action="edit") == mine
    with pytest.raises(PermissionDenied, match="right to edit contacts"):
        contact_update(
            actor=people["auditor"],
            contact=mine,
            data={"first_name": "Anna", "last_name": "X"},
            expected_version=None,
        )
    mine.refresh_from_db()
    assert mine.last_name == "Mio" and mine.version == 1


def test_an_administrator_changes_rights_without_a_restart(people, admin_user):
    contact_create(actor=people["andrei"], data={"first_name": "Anna", "last_name": "Strain"})
    assert names(people["giulia"]) == []
    sales = Role.objects.get(code="sales")
    rights = sales.rights
    rights["contact"]["view"] = "all"
    role_save(actor=admin_user, role=sales, data={}, rights=rights)
    forget_access(people["giulia"])  # a new request loads the user afresh
    assert names(people["giulia"]) == ["Strain"]
    entry = ChangeEntry.objects.filter(object_id=sales.pk, action="update").get()
    assert "rights" in entry.changes
    with pytest.raises(PermissionDenied, match="administrators"):
        role_save(actor=people["giulia"], role=sales, data={"name": "X"})


def test_bad_rights_are_refused_with_what_is_wrong(admin_user):

    with pytest.raises(ValidationError) as info:
        role_save(
            actor=admin_user,
            role=None,
            data={"code": "x", "name": "X"},
            rights={"contact": {"view": "everything"}, "planet": {}},
        )
    text = " ".join(info.value.messages)
    assert "everything" in text and "planet" in text
    assert not Role.objects.filter(code="x").exists()


def test_confidential_records_and_fields_stay_hidden(people, admin_user, client, api):
    secret = contact_create(
        actor=people["marco"],
        data={
            "first_name": "Anna",
            "last_name": "Riservato",
            "is_confidential": True,
            "team": people["giulia"].team,
        },
    )
    assert names(people["giulia"]) == []  # sales may not see confidential records
    assert "Riservato" in names(people["marco"])  # managers may
    with pytest.raises(Http404):
        selectors.contact_get(user=people["giulia"], pk=secret.pk)

    confidential_fields_set(actor=admin_user, subject="contact", fields=["phone", "notes"])
    c = contact_create(
        actor=people["giulia"],
        data={"first_name": "Anna", "last_name": "Verdi", "email": "v@example.com"},
    )
    contact_update(
        actor=people["marco"],
        contact=c,
        data={"notes": "Debito aperto", "phone": "+39 02 1234567"},
        expected_version=None,
    )
    body = api.get(f"/api/v1/contacts/{c.pk}").json()
    assert body["notes"] == "" and body["phone"] == "" and body["email"] == "v@example.com"
    assert body["hidden_fields"] == ["notes", "phone"]
    client.force_login(people["giulia"])
    page = client.get(f"/contacts/{c.pk}/").content.decode()  # fields and change history
    assert "Debito aperto" not in page and "1234567" not in page
    assert "Verdi" in page and "(confidential)" in page
    client.force_login(people["marco"])
    assert "Debito aperto" in client.get(f"/contacts/{c.pk}/").content.decode()
    client.force_login(people["giulia"])
    listing = client.get("/contacts/?columns=name&columns=phone").content.decode()
    assert "1234567" not in listing and "(confidential)" in listing
    # Writing a hidden field is refused and changes nothing.
    response = api.patch(f"/api/v1/contacts/{c.pk}", {"notes": "Sovrascritto"})
    assert response.status_code == 403 and "notes" in response.json()["message"]
    c.refresh_from_db()
    assert c.notes == "Debito aperto"
    assert ConfidentialField.objects.filter(subject="contact").count() == 2


def test_exports_need_the_right_respect_limits_and_are_logged(people, client, settings):
    for i in range(5):
        contact_create(actor=people["luca"], data={"first_name": "Anna", "last_name": f"L{i}"})
    contact_create(actor=people["andrei"], data={"first_name": "Anna", "last_name": "Lontano"})
    # Sales may not export: no button, and the URL answers with the missing right.
    client.force_login(people["giulia"])
    response = client.get("/contacts/?export=csv", follow=True)
    assert "right to export contacts" in response.content.decode()
    assert ExportLog.objects.count() == 0
    # The manager exports the team's rows as a real CSV, and it is logged.
    client.force_login(people["marco"])
    response = client.get("/contacts/?export=csv&q=L")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert sorted(r["last_name"] for r in rows) == ["L0", "L1", "L2", "L3", "L4", "Lontano"]
    log = ExportLog.objects.get()
    assert (log.user, log.subject, log.rows, log.format) == (people["marco"], "contact", 6, "csv")
    assert log.filters.get("q") == "L"
    # XLSX too.

    response = client.get("/contacts/?export=xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.max_row == 7 and sheet.cell(1, 1).value == "id"
    # Limits: a request over the per-export or daily limit is refused whole.
    manager = Role.objects.get(code="manager")
    manager.export_max_rows = 3
    manager.save()
    response = client.get("/contacts/?export=csv", follow=True)
    assert "at most 3 rows per export" in response.content.decode()
    manager.export_max_rows = None
    manager.export_daily_rows = 15
    manager.save()
    response = client.get("/contacts/?export=csv", follow=True)
    assert "of your 15 rows for today" in response.content.decode()
    assert ExportLog.objects.count() == 2


def test_bulk_api_reads_count_as_exports(people, client, settings):
    settings.PERNO_BULK_READ_ROWS = 3
    for i in range(5):
        contact_create(actor=people["marco"], data={"first_name": "Anna", "last_name": f"M{i}"})
    _t, token = token_create(user=people["marco"], name="bulk")
    headers = {"Authorization": f"Bearer {token}"}
    small = client.get("/api/v1/contacts?page_size=3", headers=headers)
    assert small.status_code == 200 and ExportLog.objects.count() == 0
    big = client.get("/api/v1/contacts?page_size=10", headers=headers)
    assert big.status_code == 200 and len(big.json()["items"]) == 5
    log = ExportLog.objects.get()
    assert (log.channel, log.rows, log.format) == ("api", 5, "json")
    _t, sales_token = token_create(user=people["giulia"], name="bulk")
    denied = client.get(
        "/api/v1/contacts?page_size=10", headers={"Authorization": f"Bearer {sales_token}"}
    )
    assert denied.status_code == 403 and "export contacts" in denied.json()["message"]


def test_tokens_are_scoped_expire_and_are_hashed(user, client):
    token, clear = token_create(user=user, name="report", scope="read", expires_in_days=30)
    assert clear not in token.key_hash and len(token.key_hash) == 64
    headers = {"Authorization": f"Bearer {clear}"}
    assert client.get("/api/v1/contacts", headers=headers).status_code == 200
    response = client.post(
        "/api/v1/contacts",
        {"first_name": "A", "last_name": "X"},
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 403 and "read-only" in response.json()["message"]
    assert Contact.objects.count() == 0

    with pytest.raises(ValidationError):
        token_create(user=user, name="forever", expires_in_days=10_000)


def test_restrict_happens_in_sql(people):
    """The scope is a WHERE clause, not a Python filter over fetched rows."""
    sql = str(restrict(Contact.objects.all(), people["giulia"], "view").query)
    assert "owner_id" in sql and "team_id" in sql and "is_confidential" in sql
    assert access_for(people["giulia"]).scope("contact", "export") == "none"
    with pytest.raises(PermissionDenied):
        check(people["giulia"], "delete", "product")
