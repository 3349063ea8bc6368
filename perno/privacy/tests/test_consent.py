"""Consent with proof: recorded steps, the append-only history, double opt-in by e-mail
with a signed, expiring, single-use link, one-click withdrawal without log-in, and
where each contact's data came from."""

from __future__ import annotations

import email
import re
from datetime import timedelta

import pytest
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from perno.accounts.services import token_create
from perno.audit.models import AuditEvent
from perno.contacts.models import Contact
from perno.contacts.services import contact_create
from perno.privacy import services
from perno.privacy.mail import send_marketing_email
from perno.privacy.models import ConsentEvent, ConsentRequest, DataSource, Notice, Purpose
from perno.privacy.rules import may_process

pytestmark = pytest.mark.django_db

NOTICE = "Trattiamo i tuoi dati per inviarti la newsletter. Puoi revocare in ogni momento."


@pytest.fixture
def newsletter(db):
    purpose = Purpose.objects.create(
        code="newsletter-test", name="Newsletter", legal_basis="consent", is_direct_marketing=True
    )
    Notice.objects.create(purpose=purpose, version="2026-11", language="it", text=NOTICE)
    return purpose


@pytest.fixture
def contact(user):
    return contact_create(
        actor=user, data={"first_name": "Ada", "last_name": "Neri", "email": "ada@example.com"}
    )


def test_a_consent_keeps_its_proof_and_is_audited(user, contact, newsletter):
    event = services.consent_record(
        actor=user,
        contact=contact,
        purpose="newsletter-test",
        kind="given",
        channel="paper",
        source="Modulo cartaceo 12/2026, fiera di Bologna",
        note="Signed at the stand",
    )
    event.refresh_from_db()
    assert event.notice_text == NOTICE and event.notice_version == "2026-11"
    assert event.recorded_by == user and event.channel == "paper"
    assert may_process(contact, newsletter)
    entry = AuditEvent.objects.filter(action="consent").get()
    assert entry.detail["purpose"] == "newsletter-test" and entry.detail["step"] == "given"


def test_an_unknown_purpose_is_refused_with_the_known_ones(user, contact, newsletter):
    with pytest.raises(ValidationError) as caught:
        services.consent_record(
            actor=user, contact=contact, purpose="newsleter", kind="given", channel="phone"
        )
    message = caught.value.message_dict["purpose"][0]
    assert "“newsleter” is not a purpose of the register" in message
    assert "newsletter-test" in message
    assert not ConsentEvent.objects.exists() and not AuditEvent.objects.filter(action="consent")


@pytest.mark.parametrize(
    ("change", "field", "text"),
    [
        ({"kind": "maybe"}, "kind", "Unknown step"),
        ({"channel": "pigeon"}, "channel", "Unknown channel"),
        ({"purpose": None}, "purpose", "only an objection"),
        (
            {"occurred_at": timezone.now() + timedelta(days=2)},
            "occurred_at",
            "cannot be in the future",
        ),
    ],
)
def test_bad_consent_input_is_refused_clearly(user, contact, newsletter, change, field, text):
    data = {"purpose": "newsletter-test", "kind": "given", "channel": "phone", **change}
    with pytest.raises(ValidationError) as caught:
        services.consent_record(actor=user, contact=contact, **data)
    assert text in " ".join(caught.value.message_dict[field])
    assert not ConsentEvent.objects.exists()


def test_a_consent_needs_a_published_notice(user, contact):
    Purpose.objects.create(code="bare", name="Bare", legal_basis="consent")
    with pytest.raises(ValidationError, match="has no published notice"):
        services.consent_record(
            actor=user, contact=contact, purpose="bare", kind="given", channel="phone"
        )


def test_the_history_is_append_only_in_the_database(user, contact, newsletter):
    event = services.consent_record(
        actor=user, contact=contact, purpose=newsletter, kind="given", channel="phone"
    )
    event.kind = "withdrawn"
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        event.save()
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE privacy_consentevent SET kind = 'given'")
    assert ConsentEvent.objects.get().kind == "given"


def test_a_user_who_may_not_edit_the_contact_cannot_record_consent(make_user, contact, newsletter):

    stranger = make_user("luca", role="sales", team="Vendite Sud")
    with pytest.raises((PermissionDenied, ValidationError)):
        services.consent_record(
            actor=stranger, contact=contact, purpose=newsletter, kind="given", channel="phone"
        )
    assert not ConsentEvent.objects.exists()


def _link(message, name):
    body = email.message_from_bytes(message.content).get_payload(decode=True).decode()
    match = re.search(rf"http://testserver(/p/{name}/[^/\s]+/)", body)
    assert match, body
    return match.group(1), body


def test_double_opt_in_by_e_mail(
    client, smtp_inbox, settings, newsletter, django_capture_on_commit_callbacks
):
    settings.PERNO_PUBLIC_URL = "http://testserver"
    form = client.get("/p/signup/newsletter-test/")
    assert form.status_code == 200 and NOTICE in form.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/p/signup/newsletter-test/",
            {"first_name": "Ada", "last_name": "Neri", "email": "ada@example.com", "agree": "on"},
            HTTP_USER_AGENT="Firefox/140",
            REMOTE_ADDR="198.51.100.4",
        )
    assert response.status_code == 200
    contact = Contact.objects.get(email="ada@example.com")
    assert not may_process(contact, newsletter)  # nothing counts before the confirmation
    [source] = DataSource.objects.filter(contact=contact)
    assert source.channel == "web_form" and "/p/signup/newsletter-test/" in source.detail
    [message] = smtp_inbox.wait(1)
    assert message.rcpt_tos == ["ada@example.com"]
    path, _body = _link(message, "optin")
    assert client.get(path).status_code == 200  # a page with a button: scanners do not confirm
    assert not may_process(contact, newsletter)
    confirmed = client.post(path, HTTP_USER_AGENT="Safari/18", REMOTE_ADDR="198.51.100.9")
    assert confirmed.status_code == 200
    event = ConsentEvent.objects.get(contact=contact)
    assert (event.kind, event.channel, event.ip_address) == ("given", "web_form", "198.51.100.9")
    assert event.notice_text == NOTICE and "198.51.100.4" in event.note
    assert may_process(contact, newsletter)
    again = client.post(path)  # single use
    assert again.status_code == 400 and "already confirmed" in again.content.decode()
    assert ConsentEvent.objects.count() == 1


def test_a_confirmation_cannot_be_forged_by_editing_the_link(client, newsletter):
    contact = Contact.objects.create(first_name="Ada", last_name="Neri", email="a@example.com")
    pending, token = services.signup_start(contact=contact, purpose=newsletter)
    other = Contact.objects.create(first_name="Bo", last_name="Neri", email="b@example.com")
    other_pending, _token = services.signup_start(contact=other, purpose=newsletter)
    _payload, _, rest = token.partition(":")
    forged_payload = signing.dumps(
        {"r": other_pending.pk, "n": pending.nonce}, salt="perno.privacy.optin"
    ).partition(":")[0]
    for bad in (f"{forged_payload}:{rest}", token[:-2] + "xx", "nonsense"):
        response = client.post(f"/p/optin/{bad}/")
        assert response.status_code == 400, bad
        assert "not valid" in response.content.decode()
    assert not ConsentEvent.objects.exists()


def test_an_expired_confirmation_link_is_refused(client, newsletter, settings):
    contact = Contact.objects.create(first_name="Ada", last_name="Neri", email="a@example.com")
    pending, token = services.signup_start(contact=contact, purpose=newsletter)
    ConsentRequest.objects.filter(pk=pending.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    response = client.post(f"/p/optin/{token}/")
    assert response.status_code == 400 and "expired" in response.content.decode()
    settings.PERNO_OPTIN_HOURS = 0  # the signature's own age check
    response = client.post(f"/p/optin/{token}/")
    assert response.status_code == 400 and "expired" in response.content.decode()
    assert not ConsentEvent.objects.exists()


def test_a_sign_up_reuses_a_known_e_mail_without_revealing_it(client, contact, newsletter):
    response = client.post(
        "/p/signup/newsletter-test/",
        {"first_name": "X", "last_name": "Y", "email": "ada@example.com", "agree": "on"},
    )
    assert response.status_code == 200
    assert Contact.objects.filter(email="ada@example.com").count() == 1
    contact.refresh_from_db()
    assert contact.first_name == "Ada"  # a public form cannot change a known person
    assert ConsentRequest.objects.get().contact == contact


def test_a_sign_up_without_agreeing_is_refused(client, newsletter):
    response = client.post(
        "/p/signup/newsletter-test/", {"first_name": "A", "last_name": "B", "email": "a@b.it"}
    )
    assert response.status_code == 400 and "Tick the box" in response.content.decode()
    assert not Contact.objects.exists() and not ConsentRequest.objects.exists()


def test_marketing_e_mail_carries_one_click_withdrawal(
    client, smtp_inbox, settings, user, contact, newsletter
):
    settings.PERNO_PUBLIC_URL = "http://testserver"
    with pytest.raises(ValidationError, match="may not be contacted"):
        send_marketing_email(contact=contact, purpose=newsletter, subject="Offerte", body="Ciao")
    services.consent_record(
        actor=user, contact=contact, purpose=newsletter, kind="given", channel="phone"
    )
    send_marketing_email(contact=contact, purpose=newsletter, subject="Offerte", body="Ciao")
    [message] = smtp_inbox.wait(1)
    parsed = email.message_from_bytes(message.content)
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    path, _body = _link(message, "unsubscribe")
    assert parsed["List-Unsubscribe"] == f"<http://testserver{path}>"
    assert f"List-Unsubscribe: <http://testserver{path}>".encode() in message.content
    client.logout()
    response = client.get(path)  # one click, no log-in
    assert response.status_code == 200 and "Newsletter" in response.content.decode()
    assert not may_process(contact, newsletter)
    withdrawn = ConsentEvent.objects.filter(contact=contact).order_by("-id").first()
    assert (withdrawn.kind, withdrawn.channel) == ("withdrawn", "link")
    assert client.post(path, {"List-Unsubscribe": "One-Click"}).status_code == 200  # RFC 8058
    assert ConsentEvent.objects.filter(kind="withdrawn").count() == 1  # nothing new
    with pytest.raises(ValidationError):
        send_marketing_email(contact=contact, purpose=newsletter, subject="Offerte", body="Ciao")


def test_a_tampered_unsubscribe_link_is_refused(client, contact, newsletter):
    token = services.unsubscribe_token(contact, newsletter)
    response = client.get(f"/p/unsubscribe/{token[:-3]}abc/")
    assert response.status_code == 400 and "not valid" in response.content.decode()


def test_the_data_source_follows_the_channel(client, user, api_token):
    contact_create(actor=user, data={"first_name": "Cli", "last_name": "Ent"})
    assert DataSource.objects.get().channel == "import"  # no request: a script or job
    client.force_login(user)
    client.post("/contacts/new/", {"first_name": "Web", "last_name": "Form"})
    web = Contact.objects.get(first_name="Web")
    assert DataSource.objects.get(contact=web).channel == "operator"
    assert DataSource.objects.get(contact=web).recorded_by == user
    response = client.post(
        "/api/v1/contacts",
        {"first_name": "Api", "last_name": "Call"},
        content_type="application/json",
        headers={"Authorization": f"Bearer {api_token}"},
    )
    assert response.status_code in (200, 201), response.content
    api = Contact.objects.get(first_name="Api")
    assert DataSource.objects.get(contact=api).channel == "api"


def test_the_contact_page_shows_consents_and_records_steps(client, user, contact, newsletter):
    client.force_login(user)
    panel = client.get(f"/contacts/{contact.pk}/privacy/")
    assert panel.status_code == 200 and "Newsletter" in panel.content.decode()
    response = client.post(
        f"/contacts/{contact.pk}/consents/",
        {"purpose": newsletter.pk, "kind": "given", "channel": "phone", "source": "call"},
    )
    assert response.status_code == 302
    assert may_process(contact, newsletter)
    client.post(f"/contacts/{contact.pk}/consents/", {"kind": "objected", "channel": "operator"})
    assert not may_process(contact, newsletter)
    body = client.get(f"/contacts/{contact.pk}/privacy/").content.decode()
    assert "Objected to all direct marketing" in body and "call" in body


def test_consent_through_the_api(client, user, contact, newsletter, api_token):
    headers = {"Authorization": f"Bearer {api_token}"}
    purposes = client.get("/api/v1/privacy/purposes", headers=headers).json()
    assert "newsletter-test" in [p["code"] for p in purposes]
    created = client.post(
        f"/api/v1/contacts/{contact.pk}/consents",
        {"purpose": "newsletter-test", "kind": "given", "source": "https://shop.example/cart"},
        content_type="application/json",
        headers=headers,
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert {"purpose": "newsletter-test", "may_process": True} in body["statuses"]
    assert body["history"][0]["channel"] == "api"
    bad = client.post(
        f"/api/v1/contacts/{contact.pk}/consents",
        {"purpose": "nope", "kind": "given"},
        content_type="application/json",
        headers=headers,
    )
    assert bad.status_code == 400
    assert "is not a purpose of the register" in bad.json()["errors"]["purpose"][0]
    assert ConsentEvent.objects.count() == 1


def test_exports_and_lists_reach_only_people_processable_for_the_purpose(
    client, make_user, login_verified, newsletter
):
    manager = make_user("marco", role="manager", team="Vendite Nord")
    yes = contact_create(actor=manager, data={"first_name": "Si", "last_name": "Consenso"})
    no = contact_create(actor=manager, data={"first_name": "No", "last_name": "Revocato"})
    contact_create(actor=manager, data={"first_name": "Mai", "last_name": "Chiesto"})
    for person in (yes, no):
        services.consent_record(
            actor=manager, contact=person, purpose=newsletter, kind="given", channel="phone"
        )
    services.consent_record(
        actor=manager, contact=no, purpose=newsletter, kind="withdrawn", channel="phone"
    )
    login_verified(client, manager)
    csv = client.get("/contacts/", {"export": "csv", "purpose": "newsletter-test"})
    assert csv.status_code == 200
    text = csv.content.decode()
    assert "Consenso" in text and "Revocato" not in text and "Chiesto" not in text
    page = client.get("/contacts/", {"purpose": "newsletter-test"}).content.decode()
    assert "Consenso" in page and "Revocato" not in page
    bad = client.get("/contacts/", {"purpose": "nope"})
    assert bad.status_code == 400

    _token, key = token_create(user=manager, name="t", scope="read")
    listed = client.get(
        "/api/v1/contacts",
        {"purpose": "newsletter-test"},
        headers={"Authorization": f"Bearer {key}"},
    ).json()
    assert [item["last_name"] for item in listed["items"]] == ["Consenso"]
