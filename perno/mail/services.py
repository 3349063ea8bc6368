"""Every write to mailboxes, templates and messages (besides the import, ``intake``, and
sending, ``outgoing``): each validates, asks the gate, runs in one transaction with the
change history and the audit trail, and takes the audit chain's lock first.

Mailbox passwords are sealed here and never read back; a password left out of an
update keeps the stored one. Saving a mailbox's connection settings clears its last
failure and makes it due at once; changing its server, user or folder starts its
import again from the first message (what was already stored is recognised and not
stored twice)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from perno.accounts.permissions import check
from perno.audit import trail
from perno.audit.models import AuditEvent, ChangeEntry
from perno.audit.services import change_record
from perno.audit.trail import lock_chain
from perno.cases.models import Case
from perno.contacts.models import Company, Contact
from perno.core.diffs import diff, snapshot
from perno.core.exceptions import ConflictError
from perno.core.sealing import SealError
from perno.mail import config, files, merge, threads
from perno.mail.credentials import imap_settings, seal_password, smtp_check
from perno.mail.imap import MailboxError, connect, network_error
from perno.mail.models import ERRORS, MailAttachment, Mailbox, MailMessage, MailTemplate
from perno.mail.outgoing import send_error
from perno.mail.parsing import parse
from perno.privacy.erasure import forgotten
from perno.records.services import reject_unknown_fields, tracked_fields
from perno.sales.models import Deal, Lead
from perno.search import indexer, indexing

MAILBOX_FIELDS = {
    "name",
    "kind",
    "address",
    "purpose",
    "queue",
    "language",
    "acknowledgement",
    "is_active",
    "imap_host",
    "imap_port",
    "imap_security",
    "imap_username",
    "imap_folder",
    "smtp_host",
    "smtp_port",
    "smtp_security",
    "smtp_username",
    "owner",
    "team",
    "is_confidential",
}
# Changing these reads another folder: the import starts again from its first message.
SOURCE_FIELDS = {"imap_host", "imap_port", "imap_username", "imap_folder"}
CONNECTION_FIELDS = SOURCE_FIELDS | {"imap_security", "is_active"}
MASK = "••••••"
_HOST = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9.-]{0,198}[A-Za-z0-9])?$|^\[[0-9A-Fa-f:.]+\]$")


def _clean_mailbox(mailbox: Mailbox, actor: Any) -> None:
    errors: dict[str, list[str]] = {}
    if mailbox.kind == Mailbox.Kind.PERSONAL:
        mailbox.team = None  # a personal mailbox is its owner's alone
        if mailbox.owner_id is None:
            errors["owner"] = [_("A personal mailbox needs its owner.")]
    elif mailbox.team_id is None:
        errors["team"] = [_("A shared mailbox needs the team that uses it.")]
    if mailbox.purpose == Mailbox.Purpose.SUPPORT and mailbox.queue_id is None:
        errors["queue"] = [_("A support mailbox opens cases: choose their queue.")]
    for name in ("imap_host", "smtp_host"):
        value = (getattr(mailbox, name) or "").strip()
        setattr(mailbox, name, value)
        if value and not _HOST.match(value):
            errors[name] = [_("Write a host name such as imap.example.com, without spaces.")]
    for name in ("imap_port", "smtp_port"):
        value = getattr(mailbox, name)
        if isinstance(value, int) and not 1 <= value <= 65535:
            errors[name] = [_("A port is a number from 1 to 65535.")]
    if mailbox.smtp_security == Mailbox.SmtpSecurity.NONE and mailbox.smtp_password:
        errors["smtp_security"] = [
            _(
                "A password is never sent without TLS: choose TLS or STARTTLS, or remove the SMTP password."
            )
        ]
    if not mailbox.imap_password:
        errors["imap_password"] = [_("Enter the IMAP password.")]
    if mailbox.address:
        local, _at, domain = mailbox.address.rpartition("@")
        mailbox.address = f"{local}@{domain.lower()}"
    if errors:
        raise ValidationError(errors)
    mailbox.full_clean()


def _seal(mailbox: Mailbox, passwords: dict[str, str | None]) -> list[str]:
    """Seal the passwords given (None: keep the stored one); the names changed."""
    changed = []
    for column, value in passwords.items():
        if value is None:
            continue
        if len(value) > 500:
            raise ValidationError({column: [_("A password may be at most 500 characters.")]})
        try:
            setattr(mailbox, column, seal_password(value, column))
        except SealError as exc:
            raise ValidationError(
                {
                    column: [
                        _(
                            "Mailbox passwords are stored encrypted, and no encryption key is configured. Ask the administrator to set PERNO_ENCRYPTION_KEYS (generate a key with `perno keys generate`)."
                        )
                    ]
                }
            ) from exc
        changed.append(column)
    return changed


def mailbox_create(
    *,
    actor: Any,
    data: dict[str, Any],
    imap_password: str = "",
    smtp_password: str = "",
) -> Mailbox:
    reject_unknown_fields(data, MAILBOX_FIELDS)
    mailbox = Mailbox(**{k: v for k, v in data.items() if v is not None})
    if mailbox.owner_id is None and getattr(actor, "pk", None):
        mailbox.owner = actor
    if mailbox.kind == Mailbox.Kind.SHARED and mailbox.team_id is None:
        mailbox.team_id = getattr(actor, "team_id", None)
    _seal(mailbox, {"imap_password": imap_password, "smtp_password": smtp_password})
    _clean_mailbox(mailbox, actor)
    check(actor, "create", mailbox)
    with transaction.atomic():
        lock_chain()
        mailbox.save()
        state = snapshot(mailbox, tracked_fields(Mailbox))
        changes = {k: [None, v] for k, v in state.items() if v not in (None, "", False)}
        for column in ("imap_password", "smtp_password"):
            if getattr(mailbox, column):
                changes[column] = [None, MASK]
        change_record(
            actor=actor, instance=mailbox, action=ChangeEntry.Action.CREATE, changes=changes
        )
    return mailbox


def mailbox_update(
    *,
    actor: Any,
    mailbox: Mailbox,
    data: dict[str, Any],
    expected_version: int | None,
    imap_password: str | None = None,
    smtp_password: str | None = None,
) -> Mailbox:
    """Change a mailbox; a password given as None keeps the stored one."""
    reject_unknown_fields(data, MAILBOX_FIELDS)
    with transaction.atomic():
        lock_chain()
        locked = Mailbox.objects.select_for_update().get(pk=mailbox.pk)
        check(actor, "edit", locked)
        if expected_version is not None and locked.version != expected_version:
            raise ConflictError(
                _(
                    "Someone else changed this record while you were editing it (your version %(mine)s, stored version %(theirs)s). Review the stored values and apply your changes again."
                )
                % {"mine": expected_version, "theirs": locked.version},
                current=locked,
                current_version=locked.version,
            )
        fields = tracked_fields(Mailbox)
        before = snapshot(locked, fields)
        for key, value in data.items():
            setattr(locked, key, value)
        sealed = _seal(locked, {"imap_password": imap_password, "smtp_password": smtp_password})
        _clean_mailbox(locked, actor)
        check(actor, "edit", locked)  # still within the actor's scope after the change
        changes = diff(before, snapshot(locked, fields))
        for column in sealed:
            changes[column] = [MASK, MASK]
        touched = set(changes)
        if touched & (CONNECTION_FIELDS | {"imap_password"}):
            locked.failures, locked.next_attempt_at = 0, None
            locked.last_error = locked.last_error_detail = ""
        if touched & SOURCE_FIELDS:
            # Perhaps the same folder under another name: what is read again is
            # checked against what is stored.
            if locked.uidvalidity is not None or locked.last_uid:
                locked.resync_until = 2**62
            locked.uidvalidity, locked.last_uid = None, 0
        locked.version += 1
        locked.save()
        # The search entries of the messages it governs (those on no case) take its new
        # owner, team and confidentiality, as the messages themselves do.
        indexer.update_access(locked, "mailbox")
        change_record(
            actor=actor, instance=locked, action=ChangeEntry.Action.UPDATE, changes=changes
        )
    return locked


def mailbox_delete(*, actor: Any, mailbox: Mailbox) -> None:
    """Delete a mailbox and its mail, except the messages of cases: those stay with
    their case (governed by it)."""
    with transaction.atomic():
        lock_chain()
        locked = Mailbox.objects.select_for_update().get(pk=mailbox.pk)
        check(actor, "delete", locked)
        kept = MailMessage.objects.filter(mailbox=locked, case__isnull=False)
        kept_threads = list(kept.values_list("thread_id", flat=True).distinct())
        kept.update(mailbox=None)
        locked.threads.filter(pk__in=kept_threads).update(mailbox=None)
        names = list(
            MailAttachment.objects.filter(message__mailbox=locked).values_list("file", flat=True)
        )
        change_record(actor=actor, instance=locked, action=ChangeEntry.Action.DELETE, changes={})
        indexing.delete(locked)
    transaction.on_commit(lambda: files.remove(names))


@dataclass
class Check:
    part: str  # "imap" or "smtp"
    ok: bool
    message: str


def mailbox_test(*, actor: Any, mailbox: Mailbox) -> list[Check]:
    """Try the IMAP and SMTP connections as saved (log in, open the folder); changes
    nothing. Each result says what worked or what to fix."""
    check(actor, "view", mailbox)
    results = []
    try:
        with connect(imap_settings(mailbox)) as session:
            message = _("Connected, logged in and opened “%(folder)s” (%(n)s messages).") % {
                "folder": mailbox.imap_folder,
                "n": session.exists,
            }
        results.append(Check("imap", True, message))
    except SealError:
        results.append(Check("imap", False, str(ERRORS["key"])))
    except MailboxError as exc:
        text = str(ERRORS.get(exc.code, ERRORS["protocol"]))
        if exc.detail:
            text += " " + _("The server said: %(detail)s") % {"detail": exc.detail[:300]}
        results.append(Check("imap", False, text))
    try:
        smtp_check(mailbox)
        results.append(Check("smtp", True, _("Connected and logged in to the SMTP server.")))
    except Exception as exc:  # every failure is told, none raised
        error = send_error(exc) if not isinstance(exc, MailboxError) else network_error(exc)
        message = (
            error.message_dict["send"][0] if isinstance(error, ValidationError) else str(error)
        )
        message = message.replace(_("The message was not sent. "), "")
        results.append(Check("smtp", False, message))
    return results


# --- templates ------------------------------------------------------------------------

TEMPLATE_FIELDS = {"name", "language", "subject", "body"}


def _clean_template(template: MailTemplate) -> None:
    merge.validate(subject=template.subject, body=template.body)
    template.full_clean()


def template_create(*, actor: Any, data: dict[str, Any]) -> MailTemplate:
    reject_unknown_fields(data, TEMPLATE_FIELDS)
    check(actor, "manage", "mailtemplate")
    template = MailTemplate(**data)
    _clean_template(template)
    with transaction.atomic():
        lock_chain()
        template.save()
        trail.record(actor=actor, action=AuditEvent.Action.CONFIGURE, obj=template, subject="")
    return template


def template_update(*, actor: Any, template: MailTemplate, data: dict[str, Any]) -> MailTemplate:
    reject_unknown_fields(data, TEMPLATE_FIELDS)
    check(actor, "manage", "mailtemplate")
    with transaction.atomic():
        lock_chain()
        locked = MailTemplate.objects.select_for_update().get(pk=template.pk)
        for key, value in data.items():
            setattr(locked, key, value)
        _clean_template(locked)
        locked.save()
        trail.record(
            actor=actor,
            action=AuditEvent.Action.CONFIGURE,
            obj=locked,
            subject="",
            fields=sorted(data),
        )
    return locked


def template_delete(*, actor: Any, template: MailTemplate) -> None:
    check(actor, "manage", "mailtemplate")
    with transaction.atomic():
        lock_chain()
        trail.record(actor=actor, action=AuditEvent.Action.CONFIGURE, obj=template, subject="")
        MailTemplate.objects.filter(pk=template.pk).delete()


# --- a forwarded message dropped on a record ---------------------------------------------

EML_TARGETS: dict[str, type[Any]] = {
    "contact": Contact,
    "company": Company,
    "deal": Deal,
    "lead": Lead,
    "case": Case,
}


def _read_upload(upload: UploadedFile) -> bytes:
    limit = config.max_eml_bytes()
    name = upload.name or "message.eml"
    if upload.size is None or upload.size > limit:
        raise ValidationError(
            {
                "file": [
                    _("“%(name)s” is %(size)s; an e-mail file may be at most %(limit)s.")
                    % {
                        "name": name,
                        "size": filesizeformat(upload.size or 0),
                        "limit": filesizeformat(limit),
                    }
                ]
            }
        )
    upload.seek(0)
    data = upload.read(limit + 1)
    if not data:
        raise ValidationError({"file": [_("“%(name)s” is empty.") % {"name": name}]})
    return data


def eml_attach(*, actor: Any, target: Any, upload: UploadedFile) -> MailMessage:
    """Store a forwarded e-mail (an .eml file) on a contact, company, deal, lead or
    case, read like imported mail. The same file twice on one record is refused."""
    kind = target._meta.model_name
    if kind not in EML_TARGETS:
        raise ValidationError(
            {"target": [_("E-mail files cannot be added to this kind of record.")]}
        )
    check(actor, "view", target)
    parsed = parse(_read_upload(upload))
    if not (parsed.from_address or parsed.message_id or parsed.subject) or any(
        p["code"] == "unreadable" for p in parsed.problems
    ):
        raise ValidationError(
            {
                "file": [
                    _(
                        "This is not an e-mail message: save the message from your mail program as an .eml file and drop that."
                    )
                ]
            }
        )
    if parsed.from_address and forgotten(parsed.from_address):
        raise ValidationError(
            {
                "file": [
                    _(
                        "This e-mail is from someone who asked to be forgotten (their data was erased); it is not stored again."
                    )
                ]
            }
        )
    link = {kind: target}
    if MailMessage.objects.filter(digest=parsed.digest, mailbox__isnull=True, **link).exists():
        raise ValidationError({"file": [_("This e-mail is already on this record.")]})
    own = {a.lower() for a in Mailbox.objects.values_list("address", flat=True)}
    if getattr(actor, "email", ""):
        own.add(actor.email.lower())
    outgoing_copy = parsed.from_address.lower() in own
    party = parsed.to[0][1] if outgoing_copy and parsed.to else parsed.from_address
    contact = target if kind == "contact" else getattr(target, "contact", None)
    contact = contact or threads.contact_for(party)
    company = target if kind == "company" else getattr(target, "company", None)
    company = company or threads.company_for(contact, party)
    prepared = files.prepare(parsed.attachments)
    stored: list[str] = []
    try:
        with transaction.atomic():
            lock_chain()
            thread = threads.find_thread(None, parsed, target=Q(**link))
            if thread is None:
                thread = threads.new_thread(
                    None,
                    parsed,
                    case=target if kind == "case" else None,
                    contact=contact,
                    company=company,
                )
            message = threads.new_message(
                parsed,
                mailbox=None,
                direction=MailMessage.Direction.OUT if outgoing_copy else MailMessage.Direction.IN,
                source=MailMessage.Source.EML,
                created_by=actor if getattr(actor, "pk", None) else None,
                **{"contact": contact, "company": company, **link},
            )
            if kind == "case":
                message.case = target
            files.save_message(message, thread, prepared, stored)
            change_record(
                actor=actor,
                instance=target,
                action=ChangeEntry.Action.UPDATE,
                changes={"email": [None, (parsed.subject or upload.name or "")[:200]]},
            )
    except Exception:
        files.remove(stored)
        raise
    return message


def message_delete(*, actor: Any, message: MailMessage) -> None:
    """Delete a message and its files: for who may edit the record that governs it
    (its case, mailbox or record)."""
    record = message.governing
    if record is None:
        raise ValidationError({"message": [_("This message belongs to no record any more.")]})
    check(actor, "edit", record)
    files.delete_message(message, actor=actor)
