"""Mail over the API: mailboxes (passwords write-only), their connection test, messages
(list, one, send) and forwarded messages uploaded as .eml files. The same services and
selectors as the pages; the gate decides every answer."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Status, UploadedFile

from perno.accounts.models import Team, User
from perno.api.common import (
    ERRORS,
    WRITE_ERRORS,
    PageParams,
    expected_version,
    page_schema,
    paged,
    paginate_plain,
    refuse_nulls,
    resolve,
    resolve_ids,
    shown,
)
from perno.api.errors import CONFLICT_SERIALIZERS
from perno.api.mail.schemas import (
    CheckOut,
    MailboxIn,
    MailboxOut,
    MailboxPatch,
    MessageDetailOut,
    MessageOut,
    MessageQuery,
    SendIn,
    TargetType,
)
from perno.audit.trail import record_list
from perno.cases.models import Case, Queue
from perno.contacts.models import Company, Contact
from perno.mail import files, outgoing, selectors, services
from perno.mail.models import Mailbox, MailTemplate
from perno.records.reads import record_shown
from perno.sales.models import Deal, Lead

router = Router(tags=["mail"])
TARGETS: dict[str, Any] = {
    "contact": Contact,
    "company": Company,
    "deal": Deal,
    "lead": Lead,
    "case": Case,
}
LINKS = {"owner_id": User, "team_id": Team}
CONFLICT_SERIALIZERS[Mailbox] = lambda obj: MailboxOut.from_orm(obj).model_dump(mode="json")


def _config(data: dict[str, Any]) -> dict[str, Any]:
    """Queue and acknowledgement template by id (configuration everyone reads)."""
    errors: dict[str, list[str]] = {}
    if "queue_id" in data:
        pk = data.pop("queue_id")
        data["queue"] = Queue.objects.filter(pk=pk).first() if pk is not None else None
        if pk is not None and data["queue"] is None:
            errors["queue_id"] = [_("No queue with id %(id)s.") % {"id": pk}]
    if "acknowledgement_id" in data:
        pk = data.pop("acknowledgement_id")
        data["acknowledgement"] = MailTemplate.objects.filter(pk=pk).first() if pk else None
        if pk is not None and data["acknowledgement"] is None:
            errors["acknowledgement_id"] = [_("No e-mail template with id %(id)s.") % {"id": pk}]
    if errors:
        raise ValidationError(errors)
    return data


@router.get(
    "/mailboxes", response={200: page_schema(MailboxOut), **ERRORS}, summary="List mailboxes"
)
def mailbox_list(request: HttpRequest, params: Query[PageParams]) -> Any:
    return paged(
        selectors.mailbox_list(user=request.user).prefetch_related("tags"), params, request
    )


@router.post("/mailboxes", response={201: MailboxOut, **WRITE_ERRORS}, summary="Create a mailbox")
def mailbox_create(request: HttpRequest, payload: MailboxIn) -> Any:
    data = payload.dict()
    passwords = {k: data.pop(k) for k in ("imap_password", "smtp_password")}
    data = _config(resolve_ids(request.user, data, LINKS))
    mailbox = services.mailbox_create(actor=request.user, data=data, **passwords)
    return Status(201, selectors.mailbox_get(user=request.user, pk=mailbox.pk))


@router.get(
    "/mailboxes/{mailbox_id}", response={200: MailboxOut, **ERRORS}, summary="Get a mailbox"
)
def mailbox_get(request: HttpRequest, mailbox_id: int) -> Any:
    return shown(selectors.mailbox_get, request, mailbox_id)


@router.patch(
    "/mailboxes/{mailbox_id}",
    response={200: MailboxOut, **WRITE_ERRORS},
    summary="Update a mailbox (passwords: leave out to keep them)",
)
def mailbox_update(request: HttpRequest, mailbox_id: int, payload: MailboxPatch) -> Any:
    mailbox = selectors.mailbox_get(user=request.user, pk=mailbox_id, action="edit")
    raw = payload.dict(exclude_unset=True)
    version = expected_version(request, raw.pop("version", None))
    refuse_nulls(
        raw,
        (
            "name",
            "kind",
            "address",
            "purpose",
            "language",
            "is_active",
            "imap_host",
            "imap_port",
            "imap_security",
            "imap_username",
            "imap_password",
            "imap_folder",
            "smtp_host",
            "smtp_port",
            "smtp_security",
            "smtp_username",
            "smtp_password",
            "is_confidential",
        ),
    )
    passwords = {k: raw.pop(k) for k in ("imap_password", "smtp_password") if k in raw}
    data = _config(resolve_ids(request.user, raw, LINKS))
    services.mailbox_update(
        actor=request.user, mailbox=mailbox, data=data, expected_version=version, **passwords
    )
    return selectors.mailbox_get(user=request.user, pk=mailbox_id)


@router.delete(
    "/mailboxes/{mailbox_id}",
    response={204: None, **ERRORS},
    summary="Delete a mailbox and its mail (a case's messages stay with the case)",
)
def mailbox_delete(request: HttpRequest, mailbox_id: int) -> Any:
    mailbox = selectors.mailbox_get(user=request.user, pk=mailbox_id, action="delete")
    services.mailbox_delete(actor=request.user, mailbox=mailbox)
    return Status(204, None)


@router.post(
    "/mailboxes/{mailbox_id}/test",
    response={200: list[CheckOut], **ERRORS},
    summary="Test the IMAP and SMTP connections of a mailbox",
)
def mailbox_test(request: HttpRequest, mailbox_id: int) -> Any:
    mailbox = selectors.mailbox_get(user=request.user, pk=mailbox_id)
    return services.mailbox_test(actor=request.user, mailbox=mailbox)


def _target(request: HttpRequest, target_type: str | None, target_id: int | None) -> Any:
    if target_type is None and target_id is None:
        return None
    if target_type is None or target_id is None:
        raise ValidationError(
            {"target_type": [_("Give target_type and target_id together, or neither.")]}
        )
    return resolve(request.user, TARGETS[target_type], target_id, "target_id")


@router.get(
    "/mail-messages",
    response={200: page_schema(MessageOut), **ERRORS},
    summary="List e-mail messages, newest first",
)
def message_list(request: HttpRequest, query: Query[MessageQuery]) -> Any:
    target = _target(request, query.target_type, query.target_id)
    mailbox = None
    if query.mailbox_id is not None:
        mailbox = resolve(request.user, Mailbox, query.mailbox_id, "mailbox_id")
    if target is not None:
        rows = selectors.messages_for(user=request.user, target=target)
        if mailbox is not None:
            rows = rows.filter(mailbox=mailbox)
        if query.direction:
            rows = rows.filter(direction=query.direction)
    else:
        rows = selectors.message_list(user=request.user, mailbox=mailbox, direction=query.direction)
    page = paginate_plain(rows, PageParams(page=query.page, page_size=query.page_size))
    record_list(actor=request.user, model=rows.model, ids=[m.pk for m in page["items"]])
    return page


@router.get(
    "/mail-messages/{message_id}",
    response={200: MessageDetailOut, **ERRORS},
    summary="Get an e-mail message with its text, safe HTML and attachments",
)
def message_get(request: HttpRequest, message_id: int) -> Any:
    return record_shown(selectors.message_get(user=request.user, pk=message_id), user=request.user)


@router.post(
    "/mail-messages",
    response={201: MessageDetailOut, **WRITE_ERRORS},
    summary="Send an e-mail through a mailbox (on a record or a case)",
)
def message_send(request: HttpRequest, payload: SendIn) -> Any:
    mailbox = resolve(request.user, Mailbox, payload.mailbox_id, "mailbox_id")
    target = _target(request, payload.target_type, payload.target_id)
    template = None
    if payload.template_id is not None:
        template = selectors.template_list(user=request.user).filter(pk=payload.template_id).first()
        if template is None:
            raise ValidationError(
                {
                    "template_id": [
                        _("No e-mail template with id %(id)s.") % {"id": payload.template_id}
                    ]
                }
            )
    reply_to = (
        selectors.message_get(user=request.user, pk=payload.reply_to_id)
        if payload.reply_to_id
        else None
    )
    draft = outgoing.compose(
        actor=request.user,
        mailbox=mailbox,
        to=payload.to,
        cc=payload.cc,
        subject=payload.subject,
        body=payload.body,
        template=template,
        target=target,
        reply_to=reply_to,
    )
    message = outgoing.send(draft, actor=request.user)
    return Status(201, selectors.message_get(user=request.user, pk=message.pk))


@router.post(
    "/mail-eml",
    response={201: MessageDetailOut, **WRITE_ERRORS},
    summary="Add a forwarded e-mail (an .eml file) to a record (multipart)",
)
def message_upload(
    request: HttpRequest,
    target_type: Form[TargetType],
    target_id: Form[int],
    file: File[UploadedFile],
) -> Any:
    target = _target(request, target_type, target_id)
    message = services.eml_attach(actor=request.user, target=target, upload=file)
    return Status(201, selectors.message_get(user=request.user, pk=message.pk))


@router.get(
    "/mail-attachments/{attachment_id}/download",
    response={200: None, **ERRORS},
    summary="Download an attachment of an e-mail",
)
def attachment_download(request: HttpRequest, attachment_id: int) -> Any:
    attachment = selectors.attachment_get(user=request.user, pk=attachment_id)
    return files.download(attachment, user=request.user)
