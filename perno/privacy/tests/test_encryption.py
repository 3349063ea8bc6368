"""Encryption at rest of the fields an administrator marks sensitive: the values are
AES-GCM ciphertext in the database (read back with raw SQL), readable through the
application, absent from the search index and the change history, found by keyed hash
in the privacy look-up; keys rotate in the background; a missing or wrong key fails
loudly instead of handing out ciphertext."""

from __future__ import annotations

import base64
import io
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import connection

from perno import cli
from perno.audit.models import AuditEvent, ChangeEntry
from perno.contacts.models import Contact, CustomFieldDefinition
from perno.contacts.services import company_create, contact_create, contact_update
from perno.core import sealing
from perno.privacy import keys, selectors
from perno.privacy.erasure import erase_contact
from perno.privacy.models import KeyRotation
from perno.privacy.subject import row_dict, rows_about
from perno.records.apps import _check_keys
from perno.records.models import SealedDigest, SealedField
from perno.search import engine

pytestmark = pytest.mark.django_db

TAX = "RSSMRA80A01H501U"
NOTE = "Allergic to penicillin, zebrawords"


def key(byte: int) -> str:
    return base64.b64encode(bytes([byte]) * 32).decode()


def raw(table: str, column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        quoted = connection.ops.quote_name(column)
        # Table and column are this test's constants, quoted.
        cursor.execute(f"SELECT {quoted} FROM {table} WHERE id = %s", [pk])  # nosec B608
        return str(cursor.fetchone()[0])


@pytest.fixture
def tax_code(db):
    return CustomFieldDefinition.objects.create(
        entity="contact", key="tax_code", label="Tax code", field_type="text"
    )


@pytest.fixture
def admin(admin_user):
    return admin_user


def mark(admin, *fields, subject="contact", run=True, capture=None):
    if capture is None:
        return keys.marks_set(actor=admin, subject=subject, fields=list(fields))
    with capture(execute=run):
        return keys.marks_set(actor=admin, subject=subject, fields=list(fields))


def person(user, **extra):
    return contact_create(
        actor=user,
        data={"first_name": "Ada", "last_name": "Neri", "notes": NOTE},
        custom_fields={"tax_code": TAX},
        **extra,
    )


# --- the cipher --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("setting", "problem"),
    [
        ("k1", "must look like 'id:base64key'"),
        ("k 1:" + key(1), "must look like 'id:base64key'"),
        ("k1:c2hvcnQ=", "is not 32 bytes"),
        ("k1:%%%%", "is not 32 bytes"),
        (f"k1:{key(1)},k1:{key(2)}", "lists key 'k1' twice"),
    ],
)
def test_a_malformed_key_setting_is_refused_with_what_is_wrong(setting, problem):
    with pytest.raises(ImproperlyConfigured, match=problem):
        sealing.parse_keys(setting)


def test_the_startup_check_reports_a_malformed_key(settings):

    settings.PERNO_ENCRYPTION_KEYS = "k1:short"
    assert [m.id for m in _check_keys()] == ["perno.E010"]
    settings.PERNO_ENCRYPTION_KEYS = f"k1:{key(1)}"
    assert _check_keys() == []


def test_a_sealed_value_opens_only_with_its_key_and_its_field(settings):
    settings.PERNO_ENCRYPTION_KEYS = f"k1:{key(1)}"
    token = sealing.seal("secret", "contacts_contact.notes")
    assert token.startswith(sealing.PREFIX + "k1:") and "secret" not in token
    assert sealing.seal("secret", "contacts_contact.notes") != token  # a fresh nonce
    assert sealing.unseal(token, "contacts_contact.notes") == "secret"
    with pytest.raises(sealing.SealError, match="wrong or the value was altered"):
        sealing.unseal(token, "contacts_company.notes")  # moved to another field
    tampered = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    with pytest.raises(sealing.SealError, match="wrong or the value was altered"):
        sealing.unseal(tampered, "contacts_contact.notes")


# --- marked fields are ciphertext at rest ----------------------------------------------


def test_marked_fields_are_ciphertext_in_the_database_and_plain_in_the_application(
    admin, user, tax_code, client, login_verified, django_capture_on_commit_callbacks
):
    mark(admin, "notes", "custom_fields.tax_code", capture=django_capture_on_commit_callbacks)
    contact = person(user)
    stored_notes = raw("contacts_contact", "notes", contact.pk)
    stored_custom = raw("contacts_contact", "custom_fields", contact.pk)
    assert stored_notes.startswith(sealing.PREFIX + "test1:")
    assert "penicillin" not in stored_notes and TAX not in stored_custom
    assert "aesgcm" in stored_custom
    fresh = Contact.objects.get(pk=contact.pk)
    assert fresh.notes == NOTE and fresh.custom_fields == {"tax_code": TAX}
    # The record's page shows the values, each sealed one with a lock.
    login_verified(client, admin)
    page = client.get(contact.get_absolute_url()).content.decode()
    assert "penicillin" in page and TAX in page and page.count("data-sealed") == 2
    # An unmarked field of another record type stays plain text.
    other = contact_create(actor=user, data={"first_name": "B", "last_name": "C"})

    company = company_create(actor=user, data={"name": "Acme", "notes": "plain words"})
    assert raw("contacts_company", "notes", company.pk) == "plain words"
    assert raw("contacts_contact", "notes", other.pk) == ""


def test_a_missing_key_fails_loudly_and_never_returns_ciphertext(
    admin, user, tax_code, settings, django_capture_on_commit_callbacks
):
    mark(admin, "notes", "custom_fields.tax_code", capture=django_capture_on_commit_callbacks)
    contact = person(user)
    settings.PERNO_ENCRYPTION_KEYS = f"other:{key(7)}"
    with pytest.raises(sealing.SealError, match="key “test1”, which PERNO_ENCRYPTION_KEYS"):
        Contact.objects.get(pk=contact.pk)
    with pytest.raises(sealing.SealError):
        list(Contact.objects.values_list("custom_fields", flat=True))
    settings.PERNO_ENCRYPTION_KEYS = f"test1:{key(7)}"  # the right id, the wrong key
    with pytest.raises(sealing.SealError, match="the key is wrong or the value was altered"):
        Contact.objects.get(pk=contact.pk)


def test_a_page_or_api_call_that_meets_a_missing_key_says_which_key(
    admin, user, tax_code, settings, client, api, login_verified, django_capture_on_commit_callbacks
):
    mark(admin, "notes", capture=django_capture_on_commit_callbacks)
    contact = person(user)
    settings.PERNO_ENCRYPTION_KEYS = f"other:{key(7)}"
    login_verified(client, user)
    page = client.get(contact.get_absolute_url())
    assert page.status_code == 503
    assert "“test1”" in page.content.decode() and "aesgcm" not in page.content.decode()
    response = api.get(f"/api/v1/contacts/{contact.pk}")
    assert response.status_code == 503 and "“test1”" in response.json()["message"]


def test_writing_a_marked_field_without_a_key_fails_and_stores_nothing(
    admin, user, tax_code, settings, django_capture_on_commit_callbacks
):
    mark(admin, "notes", capture=django_capture_on_commit_callbacks)
    settings.PERNO_ENCRYPTION_KEYS = ""
    with pytest.raises(sealing.SealError, match="no encryption key is configured"):
        contact_create(actor=user, data={"first_name": "A", "last_name": "B", "notes": "x"})
    assert not Contact.objects.exists()


def test_marking_needs_a_key_and_known_fields(admin, tax_code, settings):
    with pytest.raises(ValidationError, match="Unknown field"):
        keys.marks_set(actor=admin, subject="contact", fields=["email"])
    with pytest.raises(ValidationError, match="Unknown record type"):
        keys.marks_set(actor=admin, subject="user", fields=["notes"])
    settings.PERNO_ENCRYPTION_KEYS = ""
    with pytest.raises(ValidationError, match="No encryption key is configured"):
        keys.marks_set(actor=admin, subject="contact", fields=["notes"])
    assert not SealedField.objects.exists()


def test_a_value_that_looks_sealed_is_refused_as_input(user, tax_code):
    with pytest.raises(ValidationError) as caught:
        contact_create(
            actor=user,
            data={"first_name": "A", "last_name": "B"},
            custom_fields={"tax_code": sealing.PREFIX + "test1:abc"},
        )
    assert "marks encrypted values" in str(caught.value)
    with pytest.raises(ValidationError, match="marks encrypted values"):
        contact_create(
            actor=user, data={"first_name": "A", "last_name": "B", "notes": sealing.PREFIX}
        )
    assert not Contact.objects.exists()


# --- marking existing data: search, history, look-up ------------------------------------


def test_marking_seals_existing_values_drops_them_from_search_and_history(
    admin, user, tax_code, django_capture_on_commit_callbacks
):
    contact = person(user)
    contact = contact_update(
        actor=user,
        contact=contact,
        data={"notes": NOTE + " again"},
        expected_version=contact.version,
        custom_fields={"tax_code": TAX[:-1] + "X"},
    )
    assert [h.id for h in engine.search(admin, "zebrawords").hits] == [contact.pk]
    history = ChangeEntry.objects.filter(object_id=contact.pk, action="update").get()
    assert "penicillin" in str(history.changes)

    rotation = mark(
        admin, "notes", "custom_fields.tax_code", capture=django_capture_on_commit_callbacks
    )
    rotation.refresh_from_db()
    assert rotation.status == KeyRotation.Status.DONE, rotation.error
    assert rotation.counts["contacts_contact.notes"] == 1
    assert raw("contacts_contact", "notes", contact.pk).startswith(sealing.PREFIX)
    assert engine.search(admin, "zebrawords").hits == []
    history.refresh_from_db()
    assert "penicillin" not in str(history.changes) and TAX[:10] not in str(history.changes)
    assert history.changes["notes"] == [sealing.MASK, sealing.MASK]
    # New changes keep no value either, but still say the field changed.
    contact.refresh_from_db()
    contact_update(
        actor=user,
        contact=contact,
        data={"notes": "zebrawords later"},
        expected_version=contact.version,
    )
    latest = ChangeEntry.objects.filter(object_id=contact.pk).order_by("-id").first()
    assert latest.changes == {"notes": [sealing.MASK, sealing.MASK]}
    assert engine.search(admin, "zebrawords").hits == []
    # Marking is audited; the entry names fields, never values.
    entry = AuditEvent.objects.filter(action="configure", object_type="core.sealedfield").get()
    assert entry.fields == ["custom_fields.tax_code", "notes"]


def test_unmarking_turns_values_back_into_searchable_plain_text(
    admin, user, tax_code, django_capture_on_commit_callbacks
):
    mark(admin, "notes", capture=django_capture_on_commit_callbacks)
    contact = person(user)
    assert engine.search(admin, "zebrawords").hits == []
    mark(admin, capture=django_capture_on_commit_callbacks)
    assert raw("contacts_contact", "notes", contact.pk) == NOTE
    assert [h.id for h in engine.search(admin, "zebrawords").hits] == [contact.pk]


def test_the_privacy_lookup_finds_a_sealed_tax_code_by_its_exact_value(
    admin, make_user, user, tax_code, django_capture_on_commit_callbacks
):
    dpo = make_user("dora", role="dpo")
    contact = person(user)
    other = contact_create(
        actor=user,
        data={"first_name": "Bo", "last_name": "Rossi"},
        custom_fields={"tax_code": "VRDLGU70B02F205X"},
    )
    # Plain, a part of the value is enough.
    assert [c.pk for c in selectors.lookup(user=dpo, query="RSSMRA80")["contacts"]] == [contact.pk]
    mark(admin, "custom_fields.tax_code", capture=django_capture_on_commit_callbacks)
    assert SealedDigest.objects.filter(subject="contact").count() == 2
    # The ciphertext in the database is not searched.
    stored = raw("contacts_contact", "custom_fields", contact.pk)
    fragment = stored.split("test1:")[1][:6]
    assert selectors.lookup(user=dpo, query=fragment)["contacts"] == []
    found = selectors.lookup(user=dpo, query="rssmra 80a01 h501u")
    assert [c.pk for c in found["contacts"]] == [contact.pk]
    assert [c.pk for c in selectors.lookup(user=dpo, query="VRDLGU70B02F205X")["contacts"]] == [
        other.pk
    ]
    # A part of the value does not match: only the exact value's keyed hash does.
    assert selectors.lookup(user=dpo, query="RSSMRA80")["contacts"] == []
    # A changed value moves the hash with it.
    contact_update(
        actor=user,
        contact=contact,
        data={},
        expected_version=contact.version,
        custom_fields={"tax_code": "BNCGVN90C03L219Z"},
    )
    assert selectors.lookup(user=dpo, query=TAX)["contacts"] == []
    assert [c.pk for c in selectors.lookup(user=dpo, query="BNCGVN90C03L219Z")["contacts"]] == [
        contact.pk
    ]


# --- rotation --------------------------------------------------------------------------


def test_rotation_reencrypts_everything_under_the_new_key(
    admin, user, tax_code, settings, django_capture_on_commit_callbacks
):
    settings.PERNO_ENCRYPTION_KEYS = f"k1:{key(1)}"
    mark(admin, "notes", "custom_fields.tax_code", capture=django_capture_on_commit_callbacks)
    people = [person(user) for _ in range(3)]
    assert all(
        raw("contacts_contact", "notes", p.pk).startswith(sealing.PREFIX + "k1:") for p in people
    )
    before = {p.pk: p.updated_at for p in Contact.objects.all()}

    settings.PERNO_ENCRYPTION_KEYS = f"k2:{key(2)},k1:{key(1)}"
    with django_capture_on_commit_callbacks(execute=True):
        rotation = keys.start(actor=admin)
    rotation.refresh_from_db()
    assert rotation.status == "done" and rotation.key_id == "k2"
    assert rotation.counts == {"contacts_contact.custom_fields": 3, "contacts_contact.notes": 3}
    settings.PERNO_ENCRYPTION_KEYS = f"k2:{key(2)}"  # the old key can go now
    for p in Contact.objects.all():
        assert p.notes == NOTE and p.custom_fields == {"tax_code": TAX}
        assert raw("contacts_contact", "notes", p.pk).startswith(sealing.PREFIX + "k2:")
        assert p.updated_at == before[p.pk]  # a rotation is not a change of the record
    counts = keys.count_by_key()
    assert counts["contacts_contact.notes"] == {"k2": 3}
    # A second run finds nothing to rewrite.
    with django_capture_on_commit_callbacks(execute=True):
        again = keys.start(actor=admin)
    again.refresh_from_db()
    assert again.counts == {}


def test_a_rotation_without_the_old_key_fails_and_says_so(
    admin, user, tax_code, settings, django_capture_on_commit_callbacks
):
    settings.PERNO_ENCRYPTION_KEYS = f"k1:{key(1)}"
    mark(admin, "notes", capture=django_capture_on_commit_callbacks)
    contact = person(user)
    settings.PERNO_ENCRYPTION_KEYS = f"k2:{key(2)}"  # k1 forgotten
    with django_capture_on_commit_callbacks(execute=True):
        rotation = keys.start(actor=admin)
    rotation.refresh_from_db()
    assert rotation.status == "failed" and "“k1”" in rotation.error
    settings.PERNO_ENCRYPTION_KEYS = f"k1:{key(1)}"
    assert raw("contacts_contact", "notes", contact.pk).startswith(sealing.PREFIX + "k1:")
    assert Contact.objects.get(pk=contact.pk).notes == NOTE


def test_only_one_rotation_at_a_time(admin):
    KeyRotation.objects.create(status=KeyRotation.Status.RUNNING)
    with pytest.raises(keys.RotationError, match="already under way"):
        keys.start(actor=admin)


# --- the rights of the person ---------------------------------------------------------------


def test_the_access_export_holds_the_plain_value_and_erasure_removes_the_hash(
    admin, make_user, user, tax_code, django_capture_on_commit_callbacks
):
    mark(admin, "notes", "custom_fields.tax_code", capture=django_capture_on_commit_callbacks)
    contact = person(user)
    found = {item.model: item for item in rows_about(contact)}
    exported = [row_dict(r, found[Contact].declaration) for r in found[Contact].rows]
    assert exported[0]["notes"] == NOTE and exported[0]["custom_fields"] == {"tax_code": TAX}
    assert SealedDigest.objects.filter(object_id=contact.pk).count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        erase_contact(actor=make_user("dora", role="dpo"), contact=contact)
    assert not SealedDigest.objects.exists()


# --- the page and the command ------------------------------------------------------------


def test_the_administrator_marks_fields_on_the_encryption_page(
    client, admin, user, tax_code, login_verified, django_capture_on_commit_callbacks
):
    contact = person(user)
    login_verified(client, admin)
    page = client.get("/settings/encryption/")
    assert page.status_code == 200
    assert "test1" in page.content.decode() and "custom_fields.tax_code" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/settings/encryption/",
            {"subject": "contact", "fields": ["notes", "custom_fields.tax_code"]},
            follow=True,
        )
    assert "being re-encrypted" in response.content.decode()
    assert raw("contacts_contact", "notes", contact.pk).startswith(sealing.PREFIX)
    response = client.post(
        "/settings/encryption/", {"subject": "contact", "fields": ["email"]}, follow=True
    )
    assert "Unknown field(s): email." in response.content.decode()
    assert set(SealedField.objects.values_list("field", flat=True)) == {
        "notes",
        "custom_fields.tax_code",
    }


def test_a_user_who_is_not_administrator_cannot_open_the_page(client, user, login_verified):
    login_verified(client, user)
    assert client.get("/settings/encryption/").status_code == 403


@pytest.mark.django_db(transaction=True)
def test_perno_keys_commands(admin, user, tax_code, settings, monkeypatch, capsys, tmp_path):
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    assert cli.main(["keys", "generate", "2026b"]) == 0
    entry = capsys.readouterr().out.strip()
    assert sealing.parse_keys(entry).current == "2026b"
    assert cli.main(["keys", "generate", "bad id"]) == 2

    settings.PERNO_ENCRYPTION_KEYS = f"k1:{key(1)}"
    SealedField.objects.create(subject="contact", field="notes")
    sealing.forget_marks()
    person(user)
    settings.PERNO_ENCRYPTION_KEYS = f"{entry},k1:{key(1)}"
    assert cli.main(["keys", "rotate", "--data-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "contacts_contact.notes: 1" in out and "under key 2026b" in out
    assert cli.main(["keys", "status", "--data-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "current: 2026b" in out and "contacts_contact.notes: 2026b: 1" in out


def test_every_process_rereads_the_marks_from_the_database(settings, tax_code):
    """Another process marking a field: no signal reaches this one, its next read after
    PERNO_SEALED_REFRESH_SECONDS sees the change."""
    assert sealing.sealed_of("contact") == frozenset()
    SealedField.objects.create(subject="contact", field="notes")  # as another process would
    assert sealing.sealed_of("contact") == frozenset()  # still within the refresh time
    settings.PERNO_SEALED_REFRESH_SECONDS = 0
    assert sealing.sealed_of("contact") == frozenset({"notes"})


def test_sealed_custom_fields_keep_their_type(admin, user):
    for key, kind in (("born", "date"), ("risk", "number"), ("chronic", "boolean")):
        CustomFieldDefinition.objects.create(entity="contact", key=key, label=key, field_type=kind)
    keys.marks_set(
        actor=admin,
        subject="contact",
        fields=["custom_fields.born", "custom_fields.risk", "custom_fields.chronic"],
    )
    contact = contact_create(
        actor=user,
        data={"first_name": "A", "last_name": "B"},
        custom_fields={"born": "1980-02-29", "risk": "2.5", "chronic": "yes"},
    )
    stored = raw("contacts_contact", "custom_fields", contact.pk)
    assert "1980" not in stored and "2.5" not in stored and "true" not in stored
    assert Contact.objects.get(pk=contact.pk).custom_fields == {
        "born": "1980-02-29",
        "risk": 2.5,
        "chronic": True,
    }
