from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.http import FileResponse, HttpRequest
from ninja import File, Form, Query, Router, Schema, Status, UploadedFile

from perno.accounts.models import Team, User
from perno.activities import selectors, services
from perno.activities.filters import ActivityFilter
from perno.activities.models import Activity
from perno.api.activities.calendar import router as calendar_router
from perno.api.activities.schemas import (
    ActivityIn,
    ActivityOut,
    ActivityPatch,
    AttachmentOut,
    CommentOut,
    CommentPatch,
    CommentQuery,
    TargetType,
)
from perno.api.common import (
    ERRORS,
    WRITE_ERRORS,
    PageParams,
    expected_version,
    filter_schema,
    page_schema,
    paged,
    refuse_nulls,
    resolve,
    resolve_ids,
    split_payload,
)
from perno.api.errors import CONFLICT_SERIALIZERS
from perno.contacts.models import Company, Contact
from perno.records.reads import record_shown
from perno.sales.models import Deal, Lead, Product

router = Router(tags=["activities and comments"])
if TYPE_CHECKING:
    ActivityQuery = Schema
else:
    ActivityQuery = filter_schema(ActivityFilter, "ActivityQuery")
LINKS = {
    "owner_id": User,
    "team_id": Team,
    "assignee_id": User,
    "company_id": Company,
    "contact_id": Contact,
    "deal_id": Deal,
    "lead_id": Lead,
}
TARGETS = {
    "company": Company,
    "contact": Contact,
    "deal": Deal,
    "lead": Lead,
    "product": Product,
    "activity": Activity,
}
CONFLICT_SERIALIZERS[Activity] = lambda obj: ActivityOut.from_orm(obj).model_dump(mode="json")
router.add_router("", calendar_router)  # the calendar (docs/calendar.md)


@router.get(
    "/activities", response={200: page_schema(ActivityOut), **ERRORS}, summary="List activities"
)
def activity_list(
    request: HttpRequest, filters: Query[ActivityQuery], params: Query[PageParams]
) -> Any:
    return paged(
        selectors.activity_list(
            user=request.user, filters=filters.dict(exclude_none=True)
        ).prefetch_related("tags"),
        params,
        request,
    )


@router.post(
    "/activities", response={201: ActivityOut, **WRITE_ERRORS}, summary="Create an activity"
)
def activity_create(request: HttpRequest, payload: ActivityIn) -> Any:
    data, _custom, tags = split_payload(payload.dict())
    activity = services.activity_create(
        actor=request.user, data=resolve_ids(request.user, data, LINKS), tags=tags
    )
    return Status(
        201,
        record_shown(selectors.activity_get(user=request.user, pk=activity.pk), user=request.user),
    )


@router.get(
    "/activities/{activity_id}", response={200: ActivityOut, **ERRORS}, summary="Get an activity"
)
def activity_get(request: HttpRequest, activity_id: int) -> Any:
    return record_shown(
        selectors.activity_get(user=request.user, pk=activity_id), user=request.user
    )


@router.patch(
    "/activities/{activity_id}",
    response={200: ActivityOut, **WRITE_ERRORS},
    summary="Update an activity",
)
def activity_update(request: HttpRequest, activity_id: int, payload: ActivityPatch) -> Any:
    activity = record_shown(
        selectors.activity_get(user=request.user, pk=activity_id, action="edit"),
        user=request.user,
        purpose="edit",
    )
    raw = payload.dict(exclude_unset=True)
    version = expected_version(request, raw.get("version"))
    data, _custom, tags = split_payload(raw)
    refuse_nulls(data, ("kind", "subject", "priority", "status"))
    services.activity_update(
        actor=request.user,
        activity=activity,
        data=resolve_ids(request.user, data, LINKS),
        expected_version=version,
        tags=tags,
    )
    return record_shown(
        selectors.activity_get(user=request.user, pk=activity_id), user=request.user
    )


@router.post(
    "/activities/{activity_id}/complete",
    response={200: ActivityOut, **WRITE_ERRORS},
    summary="Mark an activity done",
)
def activity_complete(request: HttpRequest, activity_id: int) -> Any:
    activity = record_shown(
        selectors.activity_get(user=request.user, pk=activity_id, action="edit"),
        user=request.user,
        purpose="edit",
    )
    services.activity_complete(actor=request.user, activity=activity)
    return record_shown(
        selectors.activity_get(user=request.user, pk=activity_id), user=request.user
    )


@router.delete(
    "/activities/{activity_id}", response={204: None, **ERRORS}, summary="Delete an activity"
)
def activity_delete(request: HttpRequest, activity_id: int) -> Any:
    services.activity_delete(
        actor=request.user,
        activity=record_shown(
            selectors.activity_get(user=request.user, pk=activity_id, action="delete"),
            user=request.user,
            purpose="delete",
        ),
    )
    return Status(204, None)


def _target(request: HttpRequest, target_type: str, target_id: int) -> Any:
    return resolve(request.user, TARGETS[target_type], target_id, "target_id")


@router.get(
    "/comments",
    response={200: list[CommentOut], **ERRORS},
    summary="Comments of a record, oldest first",
)
def comment_list(request: HttpRequest, query: Query[CommentQuery]) -> Any:
    target = _target(request, query.target_type, query.target_id)
    return list(selectors.comments_for(user=request.user, target=target)[:500])


@router.post(
    "/comments",
    response={201: CommentOut, **WRITE_ERRORS},
    summary="Add a comment with attachments (multipart)",
)
def comment_create(
    request: HttpRequest,
    target_type: Form[TargetType],
    target_id: Form[int],
    body: Form[str] = "",
    parent_id: Form[int | None] = None,
    files: File[list[UploadedFile]] = None,  # type: ignore[assignment]
) -> Any:
    target = _target(request, target_type, target_id)
    parent = selectors.comment_get(user=request.user, pk=parent_id) if parent_id else None
    comment = services.comment_create(
        actor=request.user, target=target, body=body, parent=parent, files=files or []
    )
    return Status(201, selectors.comment_get(user=request.user, pk=comment.pk))


@router.get("/comments/{comment_id}", response={200: CommentOut, **ERRORS}, summary="Get a comment")
def comment_get(request: HttpRequest, comment_id: int) -> Any:
    return selectors.comment_get(user=request.user, pk=comment_id)


@router.patch(
    "/comments/{comment_id}",
    response={200: CommentOut, **WRITE_ERRORS},
    summary="Edit a comment (its author or an administrator)",
)
def comment_update(request: HttpRequest, comment_id: int, payload: CommentPatch) -> Any:
    comment = selectors.comment_get(user=request.user, pk=comment_id)
    services.comment_update(actor=request.user, comment=comment, body=payload.body)
    return selectors.comment_get(user=request.user, pk=comment_id)


@router.delete(
    "/comments/{comment_id}",
    response={204: None, **ERRORS},
    summary="Delete a comment and its files",
)
def comment_delete(request: HttpRequest, comment_id: int) -> Any:
    services.comment_delete(
        actor=request.user, comment=selectors.comment_get(user=request.user, pk=comment_id)
    )
    return Status(204, None)


@router.post(
    "/comments/{comment_id}/attachments",
    response={201: list[AttachmentOut], **WRITE_ERRORS},
    summary="Attach files to a comment (multipart)",
)
def attachment_create(
    request: HttpRequest, comment_id: int, files: File[list[UploadedFile]]
) -> Any:
    comment = selectors.comment_get(user=request.user, pk=comment_id)
    return Status(201, services.attachments_add(actor=request.user, comment=comment, files=files))


@router.get(
    "/attachments/{attachment_id}",
    response={200: AttachmentOut, **ERRORS},
    summary="Attachment metadata",
)
def attachment_get(request: HttpRequest, attachment_id: int) -> Any:
    return selectors.attachment_get(user=request.user, pk=attachment_id)


@router.get(
    "/attachments/{attachment_id}/download",
    response={200: None, **ERRORS},
    summary="Download an attachment",
)
def attachment_download(request: HttpRequest, attachment_id: int) -> Any:
    attachment = selectors.attachment_get(user=request.user, pk=attachment_id)
    return FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )


@router.delete(
    "/attachments/{attachment_id}", response={204: None, **ERRORS}, summary="Delete an attachment"
)
def attachment_delete(request: HttpRequest, attachment_id: int) -> Any:
    services.attachment_delete(
        actor=request.user, attachment=selectors.attachment_get(user=request.user, pk=attachment_id)
    )
    return Status(204, None)
