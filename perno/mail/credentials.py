"""Mailbox passwords: sealed with the installation's keys (``core.sealing``: AES-256-GCM,
bound to the table and column) whenever they are written, and opened only for the
moment a connection logs in. They are never shown back, exported or logged."""

from __future__ import annotations

import contextlib
import smtplib
import ssl
from functools import cached_property

from django.core.mail.backends.smtp import EmailBackend

from perno.core import sealing
from perno.mail import config
from perno.mail.imap import ImapSettings, tls_context
from perno.mail.models import Mailbox

TABLE = Mailbox._meta.db_table


def seal_password(value: str, column: str) -> str:
    """``value`` sealed for ``Mailbox.<column>`` ("" stays "")."""
    return sealing.seal(value, sealing.context_of(TABLE, column)) if value else ""


def open_password(mailbox: Mailbox, column: str) -> str:
    """The password in clear, for a connection; raises ``SealError`` when the keys do
    not open it."""
    token = getattr(mailbox, column) or ""
    return sealing.unseal(token, sealing.context_of(TABLE, column)) if token else ""


def imap_settings(mailbox: Mailbox) -> ImapSettings:
    return ImapSettings(
        host=mailbox.imap_host,
        port=mailbox.imap_port,
        security=mailbox.imap_security,
        username=mailbox.imap_username,
        password=open_password(mailbox, "imap_password"),
        folder=mailbox.imap_folder or "INBOX",
        timeout=float(config.imap_timeout()),
    )


class MailboxBackend(EmailBackend):
    """Django's SMTP backend, configured from a mailbox, verifying certificates like
    the IMAP side (``PERNO_MAIL_CA_FILE``)."""

    @cached_property
    def ssl_context(self) -> ssl.SSLContext:
        return tls_context()


def smtp_backend(mailbox: Mailbox) -> MailboxBackend:
    """A connection for sending through ``mailbox`` (the password opened here only)."""
    security = mailbox.smtp_security
    return MailboxBackend(
        host=mailbox.smtp_host,
        port=mailbox.smtp_port,
        username=mailbox.smtp_username or None,
        password=open_password(mailbox, "smtp_password") or None,
        use_tls=security == Mailbox.SmtpSecurity.STARTTLS,
        use_ssl=security == Mailbox.SmtpSecurity.TLS,
        timeout=config.smtp_timeout(),
        alias=f"mailbox-{mailbox.pk}",
    )


def smtp_check(mailbox: Mailbox) -> None:
    """Connect, secure and log in without sending (the "test connection" button);
    raises what ``open()`` raises."""
    backend = smtp_backend(mailbox)
    try:
        backend.open()
    finally:
        with contextlib.suppress(smtplib.SMTPException, OSError):
            backend.close()
