"""The mail settings, with their defaults (``PERNO_MAIL_*`` in the environment, read by
``perno.config.settings``)."""

from __future__ import annotations

from django.conf import settings

MB = 1024 * 1024


def _int(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def max_attachment_bytes() -> int:
    """An attachment larger than this is left out (the message is kept, with a note)."""
    return _int("PERNO_MAIL_MAX_ATTACHMENT_BYTES", 25 * MB)


def max_message_bytes() -> int:
    """A message larger than this is not downloaded: only its headers are stored."""
    return _int("PERNO_MAIL_MAX_MESSAGE_BYTES", 100 * MB)


def max_eml_bytes() -> int:
    """The largest .eml file a user may drop on a record."""
    return _int("PERNO_MAIL_MAX_EML_BYTES", 25 * MB)


def poll_seconds() -> int:
    """How often each mailbox is read."""
    return _int("PERNO_MAIL_POLL_SECONDS", 60)


def poll_batch() -> int:
    """At most this many messages per poll of a mailbox; the next poll follows at once."""
    return _int("PERNO_MAIL_POLL_BATCH", 2000)


def fetch_batch() -> int:
    """Messages fetched from the server at once."""
    return _int("PERNO_MAIL_FETCH_BATCH", 50)


def sender_rate() -> int:
    """More messages than this from one address into one mailbox within an hour are
    taken for a mail loop: stored and flagged, never opening cases or answered."""
    return _int("PERNO_MAIL_SENDER_RATE", 30)


def retry_seconds() -> tuple[int, int]:
    """The first and the longest wait after a failure that may pass (a server down)."""
    return _int("PERNO_MAIL_RETRY_SECONDS", 60), _int("PERNO_MAIL_RETRY_MAX_SECONDS", 3600)


def attention_seconds() -> int:
    """The wait after a failure a person must fix (a wrong password): no retry storm;
    saving the mailbox tries again at once."""
    return _int("PERNO_MAIL_ATTENTION_SECONDS", 6 * 3600)


def smtp_timeout() -> int:
    return _int("PERNO_MAIL_SMTP_TIMEOUT", 30)


def imap_timeout() -> int:
    return _int("PERNO_MAIL_IMAP_TIMEOUT", 60)
