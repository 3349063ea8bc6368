"""Sending mail: composed on a record or a case (to, cc, subject, text, or a template in
the recipient's language with merge fields, attachments), sent through the mailbox's
own SMTP server, then stored as a sent message in its conversation, so that the
answers thread back to it (a fresh Message-ID; on a case, the case token in the
subject and the case's last message as In-Reply-To).

A message is stored before it is handed to the server, as "sending not confirmed", and
confirmed once the server took it: a failure to send is a clear error and leaves
nothing behind; a send the server accepted is never lost nor sent again. On a case,
the confirmed send is the agent's answer (``case_agent_responded``). The acknowledgement of a case opened by an e-mail is sent
by the system, marked as automatic (``Auto-Submitted``, ``X-Loop``) and never to
automatic mail."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import smtplib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from email.utils import formataddr, make_msgid
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from perno.accounts.confidential import hidden_fields
from perno.accounts.permissions import can, check
from perno.activities.files import check_upload
from perno.audit.trail import lock_chain
from perno.cases.models import Case
from perno.cases.services import case_agent_responded, case_token
from perno.contacts.models import Company, Contact
from perno.core.sealing import SealError
from perno.mail import files, merge, threads
from perno.mail.credentials import smtp_backend
from perno.mail.imap import MailboxError, network_error
from perno.mail.models import ERRORS, Mailbox, MailMessage, MailTemplate, MailThread
from perno.mail.parsing import ParsedAttachment, ParsedMessage
from perno.sales.models import Deal, Lead

logger = logging.getLogger(__name__)

MAX_RECIPIENTS = 50
MAX_BODY = 200_000
MAX_FILES = 10


@dataclass
class Outgoing:
    """A message ready to go: addresses checked, text rendered, files read."""

    mailbox: Mailbox
    to: list[str]
    cc: list[str]
    subject: str
    body: str
    files: list[ParsedAttachment] = field(default_factory=list)
    target: Any = None
    reply_to: MailMessage | None = None
    automatic: bool = False


def _addresses(values: Iterable[str], name: str, errors: dict[str, list[str]]) -> list[str]:
    found: list[str] = []
    for value in values:
        value = (value or "").strip()
        if not value:
            continue
        try:
            validate_email(value)
        except ValidationError:
            errors.setdefault(name, []).append(
                _("“%(value)s” is not an e-mail address.") % {"value": value[:100]}
            )
            continue
        found.append(value)
    return found


def _case_of(target: Any) -> Case | None:
    return target if isinstance(target, Case) else None


def template_for(template: MailTemplate, language: str) -> MailTemplate:
    """The version of ``template`` in ``language`` (a template of the same name), or
    the template itself when there is none."""
    if template.language == language:
        return template
    return MailTemplate.objects.filter(name=template.name, language=language).first() or template


def recipient_language(contact: Any, mailbox: Mailbox) -> str:
    language = (getattr(contact, "language", "") or "").lower()[:2]
    return language if language in {"it", "ro", "en"} else mailbox.language


def _readable(sender: Any, record: Any) -> Any:
    """``record`` when the sender may see it (the system, sending an acknowledgement,
    may); else None, so a merge field never prints what the sender may not read."""
    if record is None or getattr(sender, "pk", None) is None:
        return record
    return record if can(sender, "view", record) else None


def merge_context(*, mailbox: Mailbox, target: Any, contact: Any, sender: Any) -> dict[str, Any]:
    case = _case_of(target)
    company = target if isinstance(target, Company) else getattr(target, "company", None)
    if company is None and contact is not None:
        company = threads.company_for(contact, "")
    return {
        "contact": _readable(sender, contact),
        "company": _readable(sender, company),
        "case": _readable(sender, case),
        "sender": sender if getattr(sender, "pk", None) else None,
        "mailbox": mailbox,
    }


def render_template(
    *, template: MailTemplate, mailbox: Mailbox, target: Any, contact: Any, sender: Any
) -> tuple[str, str]:
    """(subject, text) of ``template`` in the recipient's language, its merge fields
    filled with what the sender may read."""
    version = template_for(template, recipient_language(contact, mailbox))
    context = merge_context(mailbox=mailbox, target=target, contact=contact, sender=sender)
    hidden = (
        {"contact": set(hidden_fields(sender, "contact"))} if getattr(sender, "pk", None) else {}
    )
    return (
        merge.render(version.subject, context, hidden),
        merge.render(version.body, context, hidden),
    )


def _uploads(
    uploads: Sequence[UploadedFile], errors: dict[str, list[str]]
) -> list[ParsedAttachment]:
    if len(uploads) > MAX_FILES:
        errors.setdefault("files", []).append(
            _("At most %(n)s files per message.") % {"n": MAX_FILES}
        )
        return []
    found = []
    for upload in uploads:
        try:
            checked = check_upload(upload)
        except ValidationError as exc:
            errors.setdefault("files", []).extend(exc.messages)
            continue
        upload.seek(0)
        data = upload.read()
        found.append(
            ParsedAttachment(
                filename=(upload.name or "file")[:255],
                declared_type=checked.content_type,
                content_type=checked.content_type,
                data=data,
                sha256=hashlib.sha256(data).hexdigest(),
            )
        )
    return found


def compose(
    *,
    actor: Any,
    mailbox: Mailbox,
    to: Sequence[str],
    cc: Sequence[str] = (),
    subject: str = "",
    body: str = "",
    template: MailTemplate | None = None,
    target: Any = None,
    reply_to: MailMessage | None = None,
    uploads: Sequence[UploadedFile] = (),
) -> Outgoing:
    """Check and prepare a message (nothing is sent or written)."""
    check(actor, "view", mailbox)
    if target is not None:
        check(actor, "view", target)
    errors: dict[str, list[str]] = {}
    to_list = _addresses(to, "to", errors)
    cc_list = _addresses(cc, "cc", errors)
    if not to_list and "to" not in errors:
        errors["to"] = [_("Name at least one recipient.")]
    if len(to_list) + len(cc_list) > MAX_RECIPIENTS:
        errors["to"] = [_("At most %(n)s recipients per message.") % {"n": MAX_RECIPIENTS}]
    if template is not None and not (subject.strip() and body.strip()):
        contact = target if isinstance(target, Contact) else getattr(target, "contact", None)
        if contact is None and to_list:
            contact = threads.contact_for(to_list[0])
        contact = _readable(actor, contact)
        rendered_subject, rendered_body = render_template(
            template=template, mailbox=mailbox, target=target, contact=contact, sender=actor
        )
        subject = subject.strip() or rendered_subject
        body = body.strip() or rendered_body
    else:
        try:
            merge.validate(subject=subject, body=body)
        except ValidationError as exc:
            for key, messages in exc.message_dict.items():
                errors.setdefault(key, []).extend(messages)
    subject = " ".join(subject.split())
    if not subject:
        errors.setdefault("subject", []).append(_("Write a subject."))
    case = _case_of(target)
    if case is not None and case_token(case).lower() not in subject.lower():
        subject = f"{subject} {case_token(case)}"
    if len(subject) > 450:
        errors.setdefault("subject", []).append(_("A subject may be at most 450 characters."))
    if not body.strip():
        errors.setdefault("body", []).append(_("Write the message."))
    if len(body) > MAX_BODY:
        errors.setdefault("body", []).append(
            _("A message may be at most %(n)s characters.") % {"n": f"{MAX_BODY:,}"}
        )
    attachments = _uploads(list(uploads), errors)
    if errors:
        raise ValidationError(errors)
    return Outgoing(mailbox, to_list, cc_list, subject, body, attachments, target, reply_to)


def _answered(outgoing: Outgoing) -> MailMessage | None:
    """The message this one answers: the one replied to, else the latest of the
    case's conversation in this mailbox."""
    if outgoing.reply_to is not None:
        return outgoing.reply_to
    case = _case_of(outgoing.target)
    if case is None:
        return None
    return (
        MailMessage.objects.filter(mailbox=outgoing.mailbox, case=case)
        .exclude(message_id="")
        .order_by("-sent_at", "-id")
        .first()
    )


def _email(outgoing: Outgoing, message_id: str, answered: MailMessage | None) -> EmailMessage:
    mailbox = outgoing.mailbox
    headers = {"Message-ID": f"<{message_id}>"}
    if answered is not None and answered.message_id:
        references = [*answered.reference_ids, answered.message_id][-20:]
        headers["In-Reply-To"] = f"<{answered.message_id}>"
        headers["References"] = " ".join(f"<{r}>" for r in references)
    if outgoing.automatic:
        headers["Auto-Submitted"] = "auto-replied"
        headers["X-Loop"] = mailbox.address
        headers["Precedence"] = "auto_reply"
    return EmailMessage(
        subject=outgoing.subject,
        body=outgoing.body,
        from_email=formataddr((mailbox.name, mailbox.address)),
        to=outgoing.to,
        cc=outgoing.cc,
        headers=headers,
        attachments=[(f.filename, f.data, f.content_type) for f in outgoing.files],
    )


def _said(value: bytes | str | None) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value or ""


def send_error(exc: BaseException) -> ValidationError:
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        code, detail = "smtp_auth", _said(exc.smtp_error)
    elif isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, detail = "send", ", ".join(sorted(exc.recipients))
    elif isinstance(exc, smtplib.SMTPResponseException):
        code, detail = "send", _said(exc.smtp_error)
    elif isinstance(exc, SealError):
        code, detail = "key", ""
    elif isinstance(exc, smtplib.SMTPNotSupportedError):
        code, detail = "starttls", str(exc)
    elif isinstance(exc, OSError):
        error: MailboxError = network_error(exc)
        code, detail = error.code, error.detail
    else:
        code, detail = "send", str(exc)
    text = _("The message was not sent. %(reason)s") % {"reason": ERRORS.get(code, ERRORS["send"])}
    if detail:
        text += " " + _("The server said: %(detail)s") % {"detail": detail[:300]}
    return ValidationError({"send": [text]}, code=code)


def send(outgoing: Outgoing, *, actor: Any) -> MailMessage:
    """Send through the mailbox's SMTP server and keep the sent message. Raises
    ValidationError (``send``) when the server does not take it; nothing is kept.

    The message is stored first, marked ``send_pending``, and confirmed once the server
    took it. So a message the server accepted is never lost when the database fails
    after it, and a job run again (the acknowledgement looks for its message) does
    not send it twice; what was never confirmed is shown as "sending not confirmed"."""
    mailbox = outgoing.mailbox
    domain = mailbox.address.rpartition("@")[2] or "perno.invalid"
    message_id = make_msgid(domain=domain)[1:-1]
    answered = _answered(outgoing)
    email = _email(outgoing, message_id, answered)
    raw = email.message().as_bytes()
    message = _store_sent(outgoing, actor, message_id, answered, raw)
    try:
        _deliver(mailbox, email)
    except ValidationError:
        _forget(message)
        raise
    _confirm(message, outgoing, actor)
    return message


def _deliver(mailbox: Mailbox, email: EmailMessage) -> None:
    backend = None
    try:
        backend = smtp_backend(mailbox)
        if backend.send_messages([email]) != 1:
            raise smtplib.SMTPException("the server took no recipient")
    except (smtplib.SMTPException, OSError, SealError, ValueError) as exc:
        logger.info("mail: mailbox %s could not send (%s)", mailbox.pk, type(exc).__name__)
        raise send_error(exc) from exc
    finally:
        if backend is not None:  # a log-in refused leaves a half-open connection
            with contextlib.suppress(smtplib.SMTPException, OSError):
                backend.close()


def _confirm(message: MailMessage, outgoing: Outgoing, actor: Any) -> None:
    """The server took it: no longer pending, and on a case the agent's answer. When
    the database fails now, the message stays "sending not confirmed" (it was sent: an
    error here would invite the sender to send it again)."""
    case = _case_of(outgoing.target)
    try:
        with transaction.atomic():
            lock_chain()  # before any row: the case's change is audited
            MailMessage.objects.filter(pk=message.pk).update(send_pending=False)
            if case is not None and not outgoing.automatic:
                case_agent_responded(case=case, at=message.sent_at, actor=actor)
    except DatabaseError:
        logger.exception("mail: message %s was sent but its confirmation not stored", message.pk)
        return
    message.send_pending = False


def _forget(message: MailMessage) -> None:
    """The server refused it: the stored message goes, with its files, its search
    entries and the conversation opened for it (the audit trail keeps both steps)."""
    files.delete_message(message, actor=message.created_by, detail={"reason": "not sent"})


def _store_sent(
    outgoing: Outgoing, actor: Any, message_id: str, answered: MailMessage | None, raw: bytes
) -> MailMessage:
    """Store the message as ``send_pending`` (confirmed by ``_confirm``)."""
    mailbox, target = outgoing.mailbox, outgoing.target
    case = _case_of(target)
    contact = target if isinstance(target, Contact) else getattr(target, "contact", None)
    if contact is None:
        contact = threads.contact_for(outgoing.to[0])
    company = target if isinstance(target, Company) else getattr(target, "company", None)
    if company is None:
        company = threads.company_for(contact, outgoing.to[0])
    now = timezone.now()
    parsed = ParsedMessage(
        raw_size=len(raw),
        digest=hashlib.sha256(raw).hexdigest(),
        message_id=message_id,
        in_reply_to=answered.message_id if answered is not None else "",
        references=[*answered.reference_ids, answered.message_id][-20:] if answered else [],
        subject=outgoing.subject,
        from_address=mailbox.address,
        from_name=mailbox.name,
        to=[("", a) for a in outgoing.to],
        cc=[("", a) for a in outgoing.cc],
        sent_at=now,
        text=outgoing.body,
        attachments=outgoing.files,
    )
    prepared = files.prepare(outgoing.files)
    stored: list[str] = []
    try:
        with transaction.atomic():
            lock_chain()
            thread = _thread_for(mailbox, parsed, answered, case, contact, company)
            message = MailMessage(
                mailbox=mailbox,
                thread=thread,
                direction=MailMessage.Direction.OUT,
                source=MailMessage.Source.SENT,
                send_pending=True,
                message_id=message_id,
                in_reply_to=parsed.in_reply_to,
                references=" ".join(parsed.references),
                digest=parsed.digest,
                subject=parsed.subject[:500],
                from_address=mailbox.address,
                from_name=mailbox.name[:200],
                to=[["", a] for a in outgoing.to],
                cc=[["", a] for a in outgoing.cc],
                sent_at=now,
                text=outgoing.body,
                headers=_summary(outgoing, message_id, parsed),
                size=len(raw),
                contact=contact,
                company=company,
                case=case,
                deal=target if isinstance(target, Deal) else None,
                lead=target if isinstance(target, Lead) else None,
                created_by=actor if getattr(actor, "pk", None) else None,
            )
            files.save_message(message, thread, prepared, stored)
    except Exception:
        files.remove(stored)
        raise
    return message


def _summary(outgoing: Outgoing, message_id: str, parsed: ParsedMessage) -> dict[str, str]:
    summary = {
        "From": formataddr((outgoing.mailbox.name, outgoing.mailbox.address)),
        "To": ", ".join(outgoing.to),
        "Subject": outgoing.subject,
        "Message-ID": f"<{message_id}>",
    }
    if outgoing.cc:
        summary["Cc"] = ", ".join(outgoing.cc)
    if parsed.in_reply_to:
        summary["In-Reply-To"] = f"<{parsed.in_reply_to}>"
    if outgoing.automatic:
        summary["Auto-Submitted"] = "auto-replied"
    return {k: v[:500] for k, v in summary.items()}


def _thread_for(
    mailbox: Mailbox,
    parsed: ParsedMessage,
    answered: MailMessage | None,
    case: Case | None,
    contact: Any,
    company: Any,
) -> MailThread:
    if answered is not None and answered.mailbox_id == mailbox.pk:
        return answered.thread
    if case is not None:
        found = threads.case_thread(mailbox, case)
        if found is not None:
            return found
    return threads.new_thread(mailbox, parsed, case=case, contact=contact, company=company)
