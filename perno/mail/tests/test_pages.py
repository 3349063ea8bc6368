"""The mailbox pages (perno/web/mail): the list with each mailbox's state in words, the
form (passwords write-only), the connection test against the real servers (dovecot,
aiosmtpd), pausing, deleting, and what other users' mailboxes answer (404)."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from django.utils import timezone

from perno.mail import services
from perno.mail.intake import store_imported
from perno.mail.models import Mailbox
from perno.mail.parsing import parse
from perno.mail.polling import poll_mailbox
from perno.mail.tests import dovecot as dovecot_server
from perno.mail.tests.conftest import build

pytestmark = pytest.mark.django_db

SECRET = "Zq7-imap-Secret-never-shown"
SMTP_SECRET = "Smtp-Secret-never-shown-42"


def box_data(**extra: Any) -> dict[str, Any]:
    """A mailbox's settings as the service takes them."""
    data = {
        "name": "Posta di Anna",
        "kind": "personal",
        "address": f"anna-{uuid.uuid4().hex[:6]}@perno.test",
        "purpose": "other",
        "imap_host": "127.0.0.1",
        "imap_port": 9,
        "imap_security": "starttls",
        "imap_username": "anna",
        "imap_folder": "INBOX",
        "smtp_host": "127.0.0.1",
        "smtp_port": 9,
        "smtp_security": "none",
    }
    data.update(extra)
    return data


def make_box(
    actor: Any, *, password: str = SECRET, smtp_password: str = "", **extra: Any
) -> Mailbox:
    return services.mailbox_create(
        actor=actor, data=box_data(**extra), imap_password=password, smtp_password=smtp_password
    )


def form_data(**extra: Any) -> dict[str, str]:
    """The mailbox form as a browser sends it."""
    data = {k: str(v) for k, v in box_data().items()}
    data.update({"language": "it", "imap_password": "", "smtp_password": "", "team": ""})
    data.update({k: str(v) for k, v in extra.items()})
    return data


def imported(box: Mailbox, raw: bytes, uid: int) -> Any:
    """A message read from ``box`` as the poller stores it (without the IMAP server)."""
    if box.uidvalidity is None:
        Mailbox.objects.filter(pk=box.pk).update(uidvalidity=7)
        box.uidvalidity = 7
    return store_imported(box.pk, 7, uid, parse(raw)).message


@pytest.fixture
def anna(agent: Any, client: Any) -> Any:
    client.force_login(agent)
    return client


@pytest.fixture
def stranger(make_user: Any, other_team: Any) -> Any:
    return make_user("bruno", role="support", team=other_team.name)


def test_the_list_shows_own_and_team_mailboxes_with_their_state_in_words(
    anna, agent, stranger, admin, team
):
    mine = make_box(agent, name="Posta di Anna")
    shared = make_box(admin, name="Assistenza", kind="shared", team=team, purpose="other")
    hidden = make_box(stranger, name="Posta di Bruno")
    # The poller's view of things: the shared box failed to log in; two messages read.
    Mailbox.objects.filter(pk=shared.pk).update(
        last_error="auth",
        last_error_detail="[AUTHENTICATIONFAILED] Authentication failed.",
        last_error_at=timezone.now(),
        failures=1,
        last_polled_at=timezone.now(),
    )
    for uid in (1, 2):
        imported(mine, build(subject=f"Ordine {uid}")[0], uid)

    page = anna.get("/mail/mailboxes/")

    assert page.status_code == 200
    body = page.content.decode()
    own = body[
        body.index('data-testid="own-mailboxes"') : body.index('data-testid="shared-mailboxes"')
    ]
    assert "Posta di Anna" in own and ">2<" in own.replace(" ", "")
    assert "Assistenza" in body[body.index('data-testid="shared-mailboxes"') :]
    assert "The IMAP server refused the user name or password" in body
    assert "Posta di Bruno" not in body and hidden.address not in body
    assert "Not yet" in own  # never checked


def test_a_personal_mailbox_is_created_and_its_password_never_shown_back(anna, agent):
    page = anna.get("/mail/mailboxes/new/?kind=personal")
    assert page.status_code == 200
    assert "never shown again" in page.content.decode()

    response = anna.post(
        "/mail/mailboxes/new/",
        form_data(imap_password=SECRET, smtp_password=SMTP_SECRET, smtp_security="starttls"),
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    box = Mailbox.objects.get(owner=agent)
    assert box.kind == "personal" and box.team_id is None
    assert box.imap_password and SECRET not in box.imap_password  # sealed
    for url in (response["Location"], f"/mail/mailboxes/{box.pk}/edit/", "/mail/mailboxes/"):
        body = anna.get(url).content.decode()
        assert SECRET not in body and SMTP_SECRET not in body
        assert box.imap_password not in body  # not even sealed
    edit = anna.get(f"/mail/mailboxes/{box.pk}/edit/").content.decode()
    assert re.search(r'<input type="password" name="imap_password"[^>]*>', edit)
    assert 'value="' not in re.search(
        r'<input type="password" name="imap_password"[^>]*>', edit
    ).group(0)
    assert "Leave empty to keep the stored password" in edit


def test_an_empty_password_keeps_the_stored_one_and_a_new_one_replaces_it(anna, agent):
    box = make_box(agent, smtp_password=SMTP_SECRET, smtp_security="starttls")
    sealed = (box.imap_password, box.smtp_password)
    data = form_data(
        name="Posta rinominata",
        address=box.address,
        smtp_security="starttls",
        version=box.version,
    )

    response = anna.post(f"/mail/mailboxes/{box.pk}/edit/", data)

    assert response.status_code == 302, response.content.decode()[:3000]
    box.refresh_from_db()
    assert box.name == "Posta rinominata"
    assert (box.imap_password, box.smtp_password) == sealed
    data.update(version=str(box.version), imap_password="Another-Secret-9")
    assert anna.post(f"/mail/mailboxes/{box.pk}/edit/", data).status_code == 302
    box.refresh_from_db()
    assert box.imap_password != sealed[0] and box.smtp_password == sealed[1]
    # Removing the SMTP password (for a relay without one) is a box to tick.
    data.update(
        version=str(box.version), imap_password="", smtp_password_clear="on", smtp_security="none"
    )
    assert anna.post(f"/mail/mailboxes/{box.pk}/edit/", data).status_code == 302
    box.refresh_from_db()
    assert box.smtp_password == "" and box.has_imap_password


def test_form_errors_are_shown_next_to_their_fields_and_nothing_is_saved(anna, agent):
    response = anna.post(
        "/mail/mailboxes/new/",
        form_data(
            name="<script>alert(1)</script>",
            purpose="support",
            imap_host="imap example.com",
            imap_port="70000",
            smtp_password="x",
            smtp_security="none",
        ),
    )

    assert response.status_code == 400
    body = response.content.decode()
    for message in (
        "A support mailbox opens cases: choose their queue.",
        "Write a host name such as imap.example.com",
        "A port is a number from 1 to 65535.",
        "A password is never sent without TLS",
        "Enter the IMAP password.",
    ):
        assert message in body, message
    assert "<script>alert(1)</script>" not in body
    assert not Mailbox.objects.exists()


def test_a_wrong_imap_password_is_told_by_the_connection_test_and_on_the_list(
    imap, folder, anna, agent, smtp_inbox, settings
):
    port = int(settings.MAILERS["default"]["OPTIONS"]["port"])
    box = make_box(
        agent,
        password="not-the-password",
        imap_port=imap.port,
        imap_username="support",
        imap_folder=folder,
        smtp_port=port,
    )

    page = anna.post(f"/mail/mailboxes/{box.pk}/test/")

    assert page.status_code == 200
    body = page.content.decode()
    imap_line = body[body.index('data-testid="test-imap"') :]
    assert "The IMAP server refused the user name or password" in imap_line.split("</li>")[0]
    smtp_line = body[body.index('data-testid="test-smtp"') :].split("</li>")[0]
    assert "Connected and logged in to the SMTP server." in smtp_line
    assert "not-the-password" not in body
    # The scheduled poll fails the same way: the list and the page say so in words.
    assert poll_mailbox(box.pk).error == "auth"
    listing = anna.get("/mail/mailboxes/").content.decode()
    assert "The IMAP server refused the user name or password" in listing
    detail = anna.get(f"/mail/mailboxes/{box.pk}/").content.decode()
    assert "AUTHENTICATIONFAILED" in detail and "1 failed attempt" in detail


def test_the_connection_test_with_the_right_password_opens_the_folder(imap, folder, anna, agent):
    box = make_box(
        agent,
        password=dovecot_server.USERS["support"],
        imap_port=imap.port,
        imap_username="support",
        imap_folder=folder,
    )
    imap.append(build(subject="Uno")[0], folder=folder)

    body = anna.post(f"/mail/mailboxes/{box.pk}/test/").content.decode()

    imap_line = body[body.index('data-testid="test-imap"') :].split("</li>")[0]
    assert f"opened “{folder}” (1 messages)" in imap_line
    smtp_line = body[body.index('data-testid="test-smtp"') :].split("</li>")[0]
    assert "✗ The server refused the connection on this port." in smtp_line  # nothing on 9
    assert "The message was not sent" not in smtp_line


def test_pause_resume_and_delete_with_confirmation(anna, agent):
    box = make_box(agent)
    response = anna.post(f"/mail/mailboxes/{box.pk}/active/", {"active": "0"})
    assert response.status_code == 302
    box.refresh_from_db()
    assert not box.is_active
    page = anna.get(f"/mail/mailboxes/{box.pk}/").content.decode()
    assert 'data-testid="resume"' in page and "Paused" in page
    anna.post(f"/mail/mailboxes/{box.pk}/active/", {"active": "1"})
    box.refresh_from_db()
    assert box.is_active

    confirm = anna.get(f"/mail/mailboxes/{box.pk}/delete/")
    assert confirm.status_code == 200 and "The mail on the server is not touched." in (
        confirm.content.decode()
    )
    assert Mailbox.objects.filter(pk=box.pk).exists()  # asking deletes nothing
    response = anna.post(f"/mail/mailboxes/{box.pk}/delete/")
    assert response.status_code == 302 and response["Location"] == "/mail/mailboxes/"
    assert not Mailbox.objects.filter(pk=box.pk).exists()


def test_another_users_personal_mailbox_does_not_exist_for_me(anna, stranger):
    theirs = make_box(stranger, name="Posta di Bruno")
    assert theirs.pk > 10_000  # the suite's ids start above 10,000
    for method, url, data in (
        ("get", f"/mail/mailboxes/{theirs.pk}/", None),
        ("get", f"/mail/mailboxes/{theirs.pk}/edit/", None),
        ("post", f"/mail/mailboxes/{theirs.pk}/edit/", form_data(name="Mine now")),
        ("post", f"/mail/mailboxes/{theirs.pk}/test/", None),
        ("post", f"/mail/mailboxes/{theirs.pk}/active/", {"active": "0"}),
        ("get", f"/mail/mailboxes/{theirs.pk}/delete/", None),
        ("post", f"/mail/mailboxes/{theirs.pk}/delete/", None),
        ("get", "/mail/mailboxes/99999999/", None),
    ):
        response = getattr(anna, method)(url, data or {})
        assert response.status_code == 404, (method, url, response.status_code)
    theirs.refresh_from_db()
    assert theirs.name == "Posta di Bruno" and theirs.is_active


def test_a_team_mailbox_is_read_by_the_team_and_changed_only_by_who_may(anna, admin, team):
    shared = make_box(admin, name="Assistenza", kind="shared", team=team)
    assert anna.get(f"/mail/mailboxes/{shared.pk}/").status_code == 200
    assert anna.get(f"/mail/mailboxes/{shared.pk}/edit/").status_code == 403
    assert anna.post(f"/mail/mailboxes/{shared.pk}/active/", {"active": "0"}).status_code == 403
    assert anna.post(f"/mail/mailboxes/{shared.pk}/delete/").status_code == 403
    shared.refresh_from_db()
    assert shared.is_active


def test_who_may_not_create_mailboxes_gets_403(client, make_user):
    auditor = make_user("revisore", role="auditor")
    client.force_login(auditor)
    assert client.get("/mail/mailboxes/new/").status_code == 403
    assert client.post("/mail/mailboxes/new/", form_data(imap_password=SECRET)).status_code == 403
    assert not Mailbox.objects.exists()
    assert (
        'data-testid="new-personal-mailbox"' not in client.get("/mail/mailboxes/").content.decode()
    )


def test_the_account_page_leads_to_ones_mailboxes(anna):
    body = anna.get("/account/security/").content.decode()
    assert 'href="/mail/mailboxes/"' in body


def test_the_mailbox_page_shows_every_message_a_page_at_a_time(anna, agent):
    box = make_box(agent)
    now = timezone.now()
    for n in range(27):  # the oldest first
        raw = build(subject=f"Zqpagina {n:02}", date=now - timezone.timedelta(minutes=60 - n))[0]
        imported(box, raw, n + 1)

    def subjects(page: str) -> list[str]:
        return re.findall(r"Zqpagina \d\d", page)

    first = anna.get(f"/mail/mailboxes/{box.pk}/").content.decode()
    assert subjects(first) == [f"Zqpagina {n:02}" for n in range(26, 1, -1)]
    assert 'data-testid="older"' in first and 'data-testid="newer"' not in first
    second = anna.get(f"/mail/mailboxes/{box.pk}/?page=2").content.decode()
    assert subjects(second) == ["Zqpagina 01", "Zqpagina 00"]
    assert 'data-testid="newer"' in second and 'data-testid="older"' not in second
    for hostile in ("0", "-3", "abc", "99999999999999999999", "²"):
        page = anna.get(f"/mail/mailboxes/{box.pk}/?page={hostile}")
        assert page.status_code == 200 and subjects(page.content.decode())[0] == "Zqpagina 26"
