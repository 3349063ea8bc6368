"""E-mail in the search index: messages (subject, sender, recipients and text) and
their attachments (name and the text read from them), each with the access of the
record that governs the message (its case, else its mailbox, else the record it was
dropped on), so a search never shows a message to someone who may not open it."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from perno.mail.models import MailAttachment, MailMessage
from perno.search.registry import Access, Source, record_access, register, sources


def message_access(message: MailMessage) -> Access | None:
    record = message.governing
    if record is None:
        return None
    kind = record._meta.model_name or ""
    source = sources().get(kind)
    if source is not None and source.model is type(record):
        return source.access_of(record)  # the record's own rule (a case: its team)
    return record_access(record, kind)


def _people(message: MailMessage) -> str:
    names = [message.from_name, message.from_address]
    for pair in [*(message.to or []), *(message.cc or [])]:
        if isinstance(pair, (list, tuple)) and len(pair) == 2:
            names.extend(pair)
    return " ".join(n for n in names if n)


def _date(message: MailMessage) -> str:
    return f"{message.sent_at:%Y-%m-%d}" if message.sent_at else ""


def _subtitle(message: MailMessage) -> list[tuple[str, str]]:
    way = _g("from %(who)s") if message.direction == "in" else _g("to %(who)s")
    who = (
        message.from_address
        if message.direction == "in"
        else ", ".join(
            pair[1] for pair in (message.to or [])[:3] if isinstance(pair, (list, tuple))
        )
    )
    return [("", way % {"who": who or "—"}), ("", _date(message))]


def _attachment_subtitle(attachment: MailAttachment) -> list[tuple[str, str]]:
    message: Any = attachment.message
    return [("", _g("in the e-mail “%(subject)s”") % {"subject": message.subject or "—"})]


register(
    Source(
        kind="mail",
        model=MailMessage,
        label=_("E-mail messages"),
        title=lambda o: o.subject or _g("(no subject)"),
        subtitle=_subtitle,
        text=lambda o: f"{_people(o)}\n{o.text}",
        related=("mailbox", "case", "contact", "company", "deal", "lead"),
        access=message_access,
    )
)
register(
    Source(
        kind="mailfile",
        model=MailAttachment,
        label=_("E-mail attachments"),
        title=lambda o: o.original_name,
        subtitle=_attachment_subtitle,
        text=lambda o: o.text,
        related=("message__mailbox", "message__case", "message__contact", "message__company"),
        access=lambda o: message_access(o.message),
        follows=("mail", "message"),
    )
)
