"""Writing a message: its attachments' text read for the search before the write, their
bytes stored under random names during it (and removed again when the write fails),
the message, its conversation's summary, its search entries and its audit entry; and deleting one."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Max
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _

from perno.audit import trail
from perno.audit.models import AuditEvent
from perno.audit.trail import lock_chain
from perno.mail.models import MailAttachment, MailMessage, MailThread
from perno.mail.parsing import ParsedAttachment
from perno.records.reads import record_shown
from perno.search import backends, documents, indexer, indexing
from perno.search.registry import sources

logger = logging.getLogger(__name__)

MAX_TEXT = 50_000  # characters of an attachment's text kept for the search
MAX_EXTRACT_BYTES = 10 * 1024 * 1024  # larger files are findable by name only


@dataclass
class Prepared:
    attachment: ParsedAttachment
    text: str
    note: str


def prepare(attachments: list[ParsedAttachment]) -> list[Prepared]:
    """Read the text of each attachment (outside any transaction: it takes time)."""
    prepared = []
    for attachment in attachments:
        text, note = "", ""
        if attachment.content_type not in documents.EXTRACTORS:
            note = _("No text is read from %(type)s files.") % {"type": attachment.content_type}
        elif attachment.size > MAX_EXTRACT_BYTES:
            note = _("The file is too large to read its text; its name is searchable.")
        else:
            try:
                text = documents.text_of(attachment.content_type, attachment.data)
            except documents.Unreadable as exc:
                note = str(exc)
            text = text.replace("\x00", " ").strip()
            if len(text) > MAX_TEXT:
                text = text[:MAX_TEXT]
                note = _("Only the first %(n)s characters are searchable.") % {"n": MAX_TEXT}
        prepared.append(Prepared(attachment, text, note[:300]))
    return prepared


def store(
    message: MailMessage, prepared: list[Prepared], stored: list[str]
) -> list[MailAttachment]:
    """Save the files and their rows; ``stored`` collects the file names, so the caller
    removes them if its transaction fails."""
    rows = []
    for item in prepared:
        attachment = item.attachment
        row = MailAttachment(
            message=message,
            original_name=attachment.filename[:255],
            content_type=attachment.content_type[:100],
            declared_type=attachment.declared_type[:100],
            size=attachment.size,
            sha256=attachment.sha256,
            content_id=attachment.content_id[:250],
            inline=attachment.inline,
            text=item.text,
            text_note=item.note,
        )
        row.file.save(attachment.filename or "file", ContentFile(attachment.data), save=False)
        stored.append(row.file.name or "")
        rows.append(row)
    return MailAttachment.objects.bulk_create(rows) if rows else []


def remove(names: list[str]) -> None:
    for name in names:
        if not name:
            continue
        try:
            default_storage.delete(name)
        except OSError:
            logger.warning("mail: a stored file could not be removed")


def index(message: MailMessage, attachments: list[MailAttachment]) -> None:
    """The search entries of a new message and its attachments. No field of theirs can
    be marked confidential (they are no record type of the rights), and nothing
    follows their rights (so no ``indexing.saved``, which also updates the access of
    entries that do). They are new, so they have no entries to replace: the rows of
    both kinds are written at once."""
    rows = [
        row
        for kind, objects in (("mail", [message]), ("mailfile", attachments))
        for obj in objects
        if (row := indexer.build_row(sources()[kind], obj, set()))
    ]
    backends.current().insert(rows)


def save_message(
    message: MailMessage,
    thread: MailThread,
    prepared: list[Prepared],
    stored_files: list[str],
) -> None:
    """Write the message, its files, its thread's summary, its search entries and its
    audit entry (inside the caller's transaction)."""
    message.thread = thread
    message.save()
    changed: dict[str, Any] = {}
    if message.sent_at > thread.last_message_at:
        changed["last_message_at"] = message.sent_at
    if message.case_id and thread.case_id != message.case_id:
        changed["case_id"] = message.case_id
    if message.contact_id and not thread.contact_id:
        changed["contact_id"] = message.contact_id
    if message.company_id and not thread.company_id:
        changed["company_id"] = message.company_id
    if changed:
        MailThread.objects.filter(pk=thread.pk).update(**changed)
    attachments = store(message, prepared, stored_files)
    index(message, attachments)
    trail.record(
        actor=message.created_by,
        action=AuditEvent.Action.CREATE,
        obj=message,
        fields=["subject", "text", "from_address", "to"],
        detail={"source": message.source, "attachments": len(attachments)},
    )


def delete_message(
    message: MailMessage, *, actor: Any, detail: dict[str, Any] | None = None
) -> None:
    """Delete a message with its attachments and their files (after the commit), its
    search entries and, when it was the last one, its conversation; audited."""
    names = [a.file.name for a in message.attachments.all() if a.file.name]
    thread_id = message.thread_id
    with transaction.atomic():
        lock_chain()
        trail.record(actor=actor, action=AuditEvent.Action.DELETE, obj=message, detail=detail)
        indexing.delete(message)
        left = MailMessage.objects.filter(thread_id=thread_id)
        latest = left.aggregate(latest=Max("sent_at"))["latest"]
        if latest is None:
            MailThread.objects.filter(pk=thread_id).delete()
        else:
            MailThread.objects.filter(pk=thread_id).update(last_message_at=latest)
    transaction.on_commit(lambda: remove(names))


def download(attachment: MailAttachment, *, user: Any) -> FileResponse:
    """The page's and the API's answer for an attachment the user may see (the caller
    found it through ``selectors.attachment_get``): always a download, of its checked
    type (a file whose bytes did not match its declared type as plain bytes), noted as
    read; 404 when the file is not stored (left out for its size, or gone)."""
    if not attachment.file or not attachment.file.storage.exists(attachment.file.name or ""):
        raise Http404
    record_shown(attachment, user=user)
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.original_name,
        content_type="application/octet-stream"
        if attachment.type_mismatch
        else attachment.content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    # Were a browser to open it anyway (an HTML or SVG file), it could run nothing.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
