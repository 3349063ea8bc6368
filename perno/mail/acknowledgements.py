"""The acknowledgement of a case opened by an e-mail: the support mailbox's template, in
the customer's language, sent once to the sender (or their Reply-To), marked as an
automatic reply so that a well-behaved machine never answers it. Never sent to
automatic mail, bounces or loops, nor when the sender asked for no automatic replies."""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError

from perno.mail import outgoing
from perno.mail.models import MailMessage

logger = logging.getLogger(__name__)


def acknowledge(*, message_id: int) -> bool:
    """Send it (the job after the case was opened); False when there is nothing to do
    or the server refused it (the reason is logged; the case is unaffected)."""
    message = (
        MailMessage.objects.select_related(
            "mailbox__acknowledgement", "case", "contact", "company", "thread"
        )
        .filter(pk=message_id)
        .first()
    )
    if message is None or message.mailbox is None or message.case is None:
        return False
    mailbox = message.mailbox
    template = mailbox.acknowledgement
    recipient = message.reply_to or message.from_address
    if template is None or message.is_automatic or not recipient or not mailbox.is_active:
        return False
    if recipient.lower() == mailbox.address.lower():
        return False
    already = MailMessage.objects.filter(
        thread=message.thread,
        direction=MailMessage.Direction.OUT,
        source=MailMessage.Source.SENT,
        created_by__isnull=True,
        in_reply_to=message.message_id,
    )
    if already.exists():
        return False  # the job ran before
    subject, body = outgoing.render_template(
        template=template,
        mailbox=mailbox,
        target=message.case,
        contact=message.contact,
        sender=None,
    )
    draft = outgoing.Outgoing(
        mailbox=mailbox,
        to=[recipient],
        cc=[],
        subject=_with_token(subject, message),
        body=body,
        target=message.case,
        reply_to=message,
        automatic=True,
    )
    try:
        outgoing.send(draft, actor=None)
    except ValidationError as exc:
        codes = [e.code for errors in exc.error_dict.values() for e in errors]
        logger.warning(
            "mail: the acknowledgement of message %s was not sent (%s)", message_id, codes
        )
        return False
    return True


def _with_token(subject: str, message: MailMessage) -> str:
    subject = " ".join(subject.split()) or message.subject or "—"
    token = message.case.token if message.case is not None else ""
    if token and token.lower() not in subject.lower():
        subject = f"{subject} {token}"
    return subject[:450]
