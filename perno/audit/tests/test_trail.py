"""The audit trail: written with the action, chained, append-only in the database, and
holding pseudonyms and field names, never the personal data itself."""

import io
import itertools
import sys

import pytest
from django.db import DatabaseError, connection, transaction

from perno import cli
from perno.audit import trail
from perno.audit.append_only import create_statements, drop_statements
from perno.audit.models import AuditEvent
from perno.contacts import services
from perno.contacts.models import Contact
from perno.core.pseudonym import subject_ref

pytestmark = pytest.mark.django_db


def make_contact(user, **data):
    return services.contact_create(
        actor=user, data={"first_name": "Chiara", "last_name": "Esposito", **data}
    )


def raw(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def without_triggers(sql, params=()):
    """What someone with the database owner's rights could do: lift the triggers, change
    the table, put them back."""
    vendor = connection.vendor
    for statement in drop_statements(vendor):
        raw(statement)
    raw(sql, params)
    for statement in create_statements(vendor):
        raw(statement)


def test_entries_form_an_unbroken_chain(user):
    for n in range(3):
        make_contact(user, email=f"c{n}@example.com")
    events = list(AuditEvent.objects.order_by("seq"))
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert events[0].prev_hash == trail.GENESIS
    for before, after in itertools.pairwise(events):
        assert after.prev_hash == before.hash
    result = trail.verify()
    assert result.ok and result.checked == len(events) == 3


def test_a_change_is_audited_by_field_name_never_by_value(user):
    contact = make_contact(user)
    services.contact_update(
        actor=user,
        contact=Contact.objects.get(pk=contact.pk),
        data={"notes": "MARKER-7f3a likes espresso", "phone": "+390612345678"},
        expected_version=contact.version,
    )
    entry = AuditEvent.objects.get(action="update")
    assert entry.actor_id == user.pk
    assert entry.object_type == "contacts.contact" and entry.object_id == contact.pk
    assert entry.subject == subject_ref("contact", contact.pk)
    assert entry.fields == ["notes", "phone"]
    dump = repr(list(AuditEvent.objects.values_list()))
    assert "MARKER-7f3a" not in dump and "Esposito" not in dump and "+3906" not in dump


def test_an_entry_rolls_back_with_its_action(user):
    with pytest.raises(RuntimeError), transaction.atomic():
        make_contact(user)
        assert AuditEvent.objects.count() == 1
        raise RuntimeError("the action fails after its audit entry was written")
    assert AuditEvent.objects.count() == 0
    make_contact(user)
    assert AuditEvent.objects.get().seq == 1  # the chain continues without a gap
    assert trail.verify().ok


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_auditevent SET detail = '{}'",
        "UPDATE audit_auditevent SET actor_id = NULL WHERE seq = 1",
        "DELETE FROM audit_auditevent WHERE seq = 1",
        "DELETE FROM audit_auditevent",
    ],
)
def test_the_database_refuses_to_change_or_remove_entries(user, statement):
    make_contact(user)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        raw(statement)
    assert AuditEvent.objects.count() == 1 and trail.verify().ok


def test_the_orm_cannot_change_entries_either(user):
    make_contact(user)
    entry = AuditEvent.objects.get()
    entry.detail = {"forged": True}
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        entry.save()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.all().delete()
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            raw("TRUNCATE audit_auditevent")
    assert AuditEvent.objects.get().detail == {}


def test_verify_finds_an_altered_entry(user):
    for n in range(4):
        make_contact(user, email=f"c{n}@example.com")
    without_triggers("UPDATE audit_auditevent SET actor_id = NULL WHERE seq = 2")
    result = trail.verify()
    assert result.problems == [(2, "its content was altered")]


def test_verify_finds_a_removed_entry(user):
    for n in range(4):
        make_contact(user, email=f"c{n}@example.com")
    without_triggers("DELETE FROM audit_auditevent WHERE seq = 3")
    problems = trail.verify().problems
    assert (4, "entries 3 are missing") in problems
    assert (4, "its link to the previous entry is broken") in problems


def test_verify_finds_a_recomputed_hash_that_breaks_the_next_link(user):
    """Rewriting an entry and its own hash is not enough: the next entry's link breaks."""
    for n in range(3):
        make_contact(user, email=f"c{n}@example.com")
    entry = AuditEvent.objects.get(seq=2)
    values = {
        name: getattr(entry, name)
        for name in (
            "seq",
            "created_at",
            "channel",
            "ip_address",
            "action",
            "object_type",
            "object_id",
            "subject",
            "fields",
            "detail",
            "prev_hash",
        )
    }
    forged = trail.entry_hash(**{**values, "actor_id": None})
    without_triggers(
        "UPDATE audit_auditevent SET actor_id = NULL, hash = %s WHERE seq = 2", [forged]
    )
    assert trail.verify().problems == [(3, "its link to the previous entry is broken")]


def test_perno_audit_verify_command(user, monkeypatch, capsys, tmp_path):
    make_contact(user)
    make_contact(user, email="x@example.com")
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    assert cli.main(["audit", "verify", "--data-dir", str(tmp_path)]) == 0
    assert "intact: 2 entries" in capsys.readouterr().out
    without_triggers("UPDATE audit_auditevent SET fields = '[]' WHERE seq = 2")
    assert cli.main(["audit", "verify", "--data-dir", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "entry 2: its content was altered" in err and "NOT intact" in err


def test_reading_a_record_is_audited_with_origin(client, user):
    contact = make_contact(user)
    client.force_login(user)
    assert client.get(contact.get_absolute_url(), REMOTE_ADDR="192.0.2.7").status_code == 200
    entry = AuditEvent.objects.filter(action="view").get()
    assert (entry.channel, entry.ip_address, entry.actor_id) == ("web", "192.0.2.7", user.pk)
    assert entry.subject == subject_ref("contact", contact.pk)
    assert "email" in entry.fields and "notes" in entry.fields


def test_api_reads_and_searches_are_audited(client, user, api_token):
    contact = make_contact(user, email="chiara@example.com")
    headers = {"Authorization": f"Bearer {api_token}"}
    assert client.get(f"/api/v1/contacts/{contact.pk}", headers=headers).status_code == 200
    view = AuditEvent.objects.filter(action="view").get()
    assert view.channel == "api" and view.object_id == contact.pk
    assert client.get("/api/v1/search", {"q": "Esposito"}, headers=headers).status_code == 200
    search = AuditEvent.objects.filter(action="search").get()
    assert f"contact:{contact.pk}" in search.detail["shown"]
    assert search.detail["total"] >= 1
    assert "Esposito" not in repr(search.detail) and len(search.detail["query"]) == 64
    assert trail.verify().ok


def test_an_export_is_audited_in_its_transaction(client, make_user, login_verified):
    manager = make_user("marco", role="manager", team="Vendite Nord")
    make_contact(manager)
    login_verified(client, manager)
    response = client.get("/contacts/", {"export": "csv"})
    assert response.status_code == 200
    entry = AuditEvent.objects.get(action="export")
    assert entry.actor_id == manager.pk and entry.object_type == "contact"
    assert entry.detail["rows"] == 1


def test_a_list_page_is_audited_by_ids(client, user):
    shown = [make_contact(user, email=f"l{n}@example.com") for n in range(2)]
    client.force_login(user)
    assert client.get("/contacts/").status_code == 200
    entry = AuditEvent.objects.get(action="list")
    assert entry.object_type == "contacts.contact"
    assert sorted(entry.detail["shown"]) == sorted(c.pk for c in shown)
