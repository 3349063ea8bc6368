"""Fixtures of the mail tests: a real IMAP server (dovecot, started once per session on
a free port with its own mail directory; skipped with the reason on a machine without
it, a failure under CI=true), mailboxes reading a fresh folder of it, and messages."""

from __future__ import annotations

import itertools
import uuid
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any

import pytest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from conftest import require
from perno.accounts.models import Team
from perno.cases import config as case_config
from perno.mail import services
from perno.mail.tests import dovecot as dovecot_server

_serial = itertools.count(1)


@pytest.fixture(autouse=True)
def case_urls(settings: Any) -> None:
    """Cases link to their page (``cases:case_detail``); until the case pages exist
    the tests use a URL conf that names it."""
    try:
        reverse("cases:case_detail", args=[1])
    except NoReverseMatch:
        settings.ROOT_URLCONF = "perno.mail.tests.urls"


@pytest.fixture(scope="session")
def dovecot() -> Any:
    """Dovecot on 127.0.0.1, for the whole session (``restart()`` for fault tests)."""
    require(
        dovecot_server.available(),
        f"{dovecot_server.BINARY} is missing: install Debian's dovecot-imapd (make test does)",
    )
    server = dovecot_server.Dovecot()
    try:
        server.start()
    except RuntimeError as exc:
        server.close()
        require(False, f"dovecot did not start: {exc}")
    yield server
    server.close()


@pytest.fixture
def imap(dovecot: Any, settings: Any) -> Any:
    """The server, trusted by Perno through its CA file (certificates stay verified)."""
    settings.PERNO_MAIL_CA_FILE = dovecot.ca_file
    dovecot.start()  # a test may have stopped it
    return dovecot


@pytest.fixture
def folder(imap: Any) -> str:
    """A fresh folder of the "support" user for this test."""
    name = f"t{uuid.uuid4().hex[:12]}"
    imap.create_folder(name)
    return name


@pytest.fixture
def team(db: Any) -> Team:
    return Team.objects.create(name="Assistenza")


@pytest.fixture
def other_team(db: Any) -> Team:
    return Team.objects.create(name="Vendite Sud")


@pytest.fixture
def admin(make_user: Any) -> Any:
    return make_user("root", role="administrator")


@pytest.fixture
def agent(make_user: Any, team: Team) -> Any:
    return make_user("agente", role="support", team=team.name, first_name="Anna", last_name="Neri")


@pytest.fixture
def queue(admin: Any, agent: Any, team: Team) -> Any:
    return case_config.queue_create(
        actor=admin,
        data={"name": "Assistenza clienti", "team": team, "assignment": "round_robin"},
        members=[(agent, True)],
    )


@pytest.fixture
def make_mailbox(admin: Any, imap: Any, team: Team) -> Any:
    """A mailbox reading ``folder`` of the test server as user "support"."""

    def make(folder: str, **data: Any) -> Any:
        password = data.pop("imap_password", dovecot_server.USERS["support"])
        smtp_password = data.pop("smtp_password", "")
        number = next(_serial)
        values = {
            "name": f"Box {number}",
            "kind": "shared",
            "address": f"box{number}-{uuid.uuid4().hex[:6]}@perno.test",
            "purpose": "other",
            "team": team,
            "imap_host": "127.0.0.1",
            "imap_port": imap.port,
            "imap_security": "starttls",
            "imap_username": "support",
            "imap_folder": folder,
            "smtp_host": "127.0.0.1",
            "smtp_port": 25,
            "smtp_security": "none",
        }
        values.update(data)
        actor = values.pop("actor", admin)
        return services.mailbox_create(
            actor=actor, data=values, imap_password=password, smtp_password=smtp_password
        )

    return make


@pytest.fixture
def support_box(make_mailbox: Any, folder: str, queue: Any) -> Any:
    return make_mailbox(folder, purpose="support", queue=queue, address="assistenza@perno.test")


def build(
    *,
    sender: str = "Maria Bianchi <maria.bianchi@example.com>",
    to: str = "assistenza@perno.test",
    subject: str = "Ordine non arrivato",
    text: str | None = "Buongiorno, il mio ordine non è arrivato.",
    html: str | None = None,
    message_id: str | None = None,
    in_reply_to: str | None = None,
    references: list[str] | None = None,
    headers: dict[str, str] | None = None,
    attachments: list[tuple[str, bytes, str]] = (),  # type: ignore[assignment]
    date: Any = None,
) -> tuple[bytes, str]:
    """A message as a mail program writes it; returns (bytes, its Message-ID)."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(date or timezone.now())
    message_id = message_id or make_msgid(domain="example.com")[1:-1]
    message["Message-ID"] = f"<{message_id}>"
    if in_reply_to:
        message["In-Reply-To"] = f"<{in_reply_to}>"
    if references:
        message["References"] = " ".join(f"<{r}>" for r in references)
    for name, value in (headers or {}).items():
        message[name] = value
    if text is not None:
        message.set_content(text)
    if html is not None:
        if text is None:
            message.set_content(html, subtype="html")
        else:
            message.add_alternative(html, subtype="html")
    for filename, data, mime in attachments:
        maintype, subtype = mime.split("/", 1)
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return message.as_bytes(), message_id


@pytest.fixture
def mail() -> Any:
    return build


def deliver(box: Any, raw: bytes) -> Any:
    """Store ``raw`` as the next message read from ``box`` (as the poller does, without
    the IMAP server); returns the stored message (None when it was not stored)."""
    from perno.mail.intake import store_imported
    from perno.mail.models import Mailbox
    from perno.mail.parsing import parse

    box = Mailbox.objects.get(pk=box.pk)
    if box.uidvalidity is None:
        Mailbox.objects.filter(pk=box.pk).update(uidvalidity=1)
        box.uidvalidity = 1
    return store_imported(box.pk, box.uidvalidity, box.last_uid + 1, parse(raw)).message


@pytest.fixture
def offline_box(admin: Any, team: Team) -> Any:
    """A shared mailbox of ``team`` that is never polled (messages come by ``deliver``)."""

    def make(**data: Any) -> Any:
        number = next(_serial)
        values = {
            "name": f"Offline {number}",
            "kind": "shared",
            "address": f"offline{number}-{uuid.uuid4().hex[:6]}@perno.test",
            "team": team,
            "imap_host": "imap.invalid",
            "imap_username": "nobody",
            "smtp_host": "smtp.invalid",
            "is_active": False,
        }
        values.update(data)
        actor = values.pop("actor", admin)
        return services.mailbox_create(actor=actor, data=values, imap_password="secret-1")

    return make
