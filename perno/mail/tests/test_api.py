"""The mail API: mailboxes with write-only passwords, the connection test, messages,
sending and .eml uploads."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from perno.accounts.services import token_create
from perno.audit.models import AuditEvent
from perno.contacts.models import Contact
from perno.mail.models import MailAttachment, Mailbox, MailMessage
from perno.mail.tests import dovecot as dovecot_server
from perno.mail.tests.conftest import build, deliver

pytestmark = pytest.mark.django_db


@pytest.fixture
def headers(agent):
    return {"Authorization": f"Bearer {token_create(user=agent, name='t', scope='write')[1]}"}


def body(**extra):
    data = {
        "name": "Personale",
        "kind": "personal",
        "address": "anna@perno.test",
        "imap_host": "imap.example.com",
        "imap_username": "anna",
        "imap_password": "s3gret-imap",
        "smtp_host": "smtp.example.com",
        "smtp_username": "anna",
        "smtp_password": "s3gret-smtp",
    }
    data.update(extra)
    return data


def test_a_mailbox_is_created_with_write_only_passwords(client, headers, agent):
    response = client.post(
        "/api/v1/mailboxes", body(), content_type="application/json", headers=headers
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert "s3gret" not in response.content.decode()
    assert data["has_imap_password"] and data["has_smtp_password"]
    assert data["owner"]["id"] == agent.pk and data["team"] is None
    stored = Mailbox.objects.get(pk=data["id"])
    assert stored.imap_password.startswith("⟦aesgcm⟧") and "s3gret" not in stored.imap_password

    patched = client.patch(
        f"/api/v1/mailboxes/{data['id']}",
        {"name": "Mia", "smtp_password": ""},
        content_type="application/json",
        headers=headers,
    )
    assert patched.status_code == 200, patched.content
    assert patched.json()["has_imap_password"] and not patched.json()["has_smtp_password"]
    got = client.get(f"/api/v1/mailboxes/{data['id']}", headers=headers).json()
    assert got["name"] == "Mia" and got["version"] == 2


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"imap_port": 70000}, "imap_port"),
        ({"imap_security": "plain"}, "imap_security"),
        ({"smtp_security": "none"}, "smtp_security"),  # a password never goes in clear
        ({"address": "not-an-address"}, "address"),
        ({"kind": "shared", "purpose": "support"}, "queue"),
        ({"imap_host": "bad host name"}, "imap_host"),
    ],
)
def test_a_bad_mailbox_is_refused_naming_the_field(client, headers, extra, field):
    response = client.post(
        "/api/v1/mailboxes", body(**extra), content_type="application/json", headers=headers
    )
    assert response.status_code in (400, 422)
    assert field in response.json()["errors"]
    assert not Mailbox.objects.exists()


def test_the_connection_test_tells_what_is_wrong(client, headers, agent, imap, folder):
    created = client.post(
        "/api/v1/mailboxes",
        body(
            imap_host="127.0.0.1",
            imap_port=imap.port,
            imap_security="starttls",
            imap_username="support",
            imap_password="wrong-one",
            imap_folder=folder,
            smtp_host="127.0.0.1",
            smtp_port=1,
            smtp_security="none",
            smtp_password="",
        ),
        content_type="application/json",
        headers=headers,
    ).json()
    checks = client.post(f"/api/v1/mailboxes/{created['id']}/test", headers=headers).json()
    assert checks[0]["part"] == "imap" and not checks[0]["ok"]
    assert checks[0]["message"].startswith("The IMAP server refused the user name or password")
    assert checks[1]["part"] == "smtp" and not checks[1]["ok"]

    client.patch(
        f"/api/v1/mailboxes/{created['id']}",
        {"imap_password": dovecot_server.USERS["support"]},
        content_type="application/json",
        headers=headers,
    )
    checks = client.post(f"/api/v1/mailboxes/{created['id']}/test", headers=headers).json()
    assert checks[0]["ok"] and folder in checks[0]["message"]


def test_messages_are_listed_read_and_uploaded(client, headers, agent, offline_box):
    box = offline_box()
    contact = Contact.objects.create(
        first_name="Ivo", last_name="Bassi", email="ivo@example.com", team=box.team
    )
    message = deliver(
        box,
        build(
            sender="ivo@example.com",
            subject="Preventivo",
            html='<p>Ciao</p><img src="https://t.example/x.gif">',
            attachments=[("listino.txt", b"prezzi", "text/plain")],
        )[0],
    )
    listed = client.get(f"/api/v1/mail-messages?mailbox_id={box.pk}", headers=headers).json()
    assert [m["id"] for m in listed["items"]] == [message.pk]
    by_contact = client.get(
        f"/api/v1/mail-messages?target_type=contact&target_id={contact.pk}", headers=headers
    ).json()
    assert [m["id"] for m in by_contact["items"]] == [message.pk]
    detail = client.get(f"/api/v1/mail-messages/{message.pk}", headers=headers).json()
    assert "t.example" not in detail["html"] and detail["remote_images"] == 1
    [attachment] = detail["attachments"]
    url = f"/api/v1/mail-attachments/{attachment['id']}/download"
    download = client.get(url, headers=headers)
    assert b"".join(download.streaming_content) == b"prezzi"
    assert download["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in download["Content-Security-Policy"]
    assert AuditEvent.objects.filter(
        action="view", object_type="mail.mailattachment", object_id=attachment["id"]
    ).exists()
    stored = MailAttachment.objects.get(pk=attachment["id"])
    stored.file.storage.delete(stored.file.name)  # the file is gone: 404, not 500
    assert client.get(url, headers=headers).status_code == 404

    raw, message_id = build(sender="ivo@example.com", subject="Inoltrato")
    uploaded = client.post(
        "/api/v1/mail-eml",
        {
            "target_type": "contact",
            "target_id": contact.pk,
            "file": SimpleUploadedFile("x.eml", raw),
        },
        headers=headers,
    )
    assert uploaded.status_code == 201, uploaded.content
    assert (
        uploaded.json()["message_id"] == message_id and uploaded.json()["contact_id"] == contact.pk
    )


def test_sending_through_the_api(client, headers, agent, offline_box, smtp_inbox, settings):
    port = settings.MAILERS["default"]["OPTIONS"]["port"]
    box = offline_box(smtp_host="127.0.0.1", smtp_port=port, smtp_security="none")
    response = client.post(
        "/api/v1/mail-messages",
        {"mailbox_id": box.pk, "to": ["ivo@example.com"], "subject": "Offerta", "body": "Ecco."},
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 201, response.content
    assert smtp_inbox.wait(1)[0].rcpt_tos == ["ivo@example.com"]
    assert MailMessage.objects.get().direction == "out"
    bad = client.post(
        "/api/v1/mail-messages",
        {"mailbox_id": box.pk, "to": ["nobody"], "subject": "", "body": ""},
        content_type="application/json",
        headers=headers,
    )
    assert bad.status_code == 400 and set(bad.json()["errors"]) == {"to", "subject", "body"}
    assert MailMessage.objects.count() == 1


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/mail-messages/99999999999999999999999",
        "/api/v1/mailboxes/99999999999999999999999",
        "/api/v1/mail-attachments/99999999999999999999999/download",
        "/api/v1/mail-messages?mailbox_id=99999999999999999999999",
        "/api/v1/mail-messages?target_type=contact&target_id=-1",
        "/api/v1/mail-messages?target_type=product&target_id=1",
    ],
)
def test_hostile_ids_get_a_clear_4xx(client, headers, path):
    response = client.get(path, headers=headers)
    assert 400 <= response.status_code < 500, response.content


def test_hostile_text_is_refused_or_stored_as_text(
    client, headers, agent, offline_box, smtp_inbox, settings
):
    port = settings.MAILERS["default"]["OPTIONS"]["port"]
    box = offline_box(smtp_host="127.0.0.1", smtp_port=port, smtp_security="none")
    nul = client.post(
        "/api/v1/mail-messages",
        {"mailbox_id": box.pk, "to": ["a@example.com"], "subject": "x\u0000", "body": "b"},
        content_type="application/json",
        headers=headers,
    )
    assert nul.status_code in (400, 422)
    injected = client.post(
        "/api/v1/mail-messages",
        {
            "mailbox_id": box.pk,
            "to": ["a@example.com\r\nBcc: victim@example.com"],
            "subject": "Hi\r\nBcc: victim@example.com",
            "body": "<script>alert(1)</script>",
        },
        content_type="application/json",
        headers=headers,
    )
    assert injected.status_code == 400 and "to" in injected.json()["errors"]
    assert not MailMessage.objects.exists() and not smtp_inbox.messages
