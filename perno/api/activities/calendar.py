"""The calendar's API (docs/calendar.md): entries for a range, rescheduling, the secret
ICS feed (make, list, revoke), invitations to a meeting (iMIP) and importing an .ics
file. Mounted on the activities router."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import File, Query, Router, Schema, Status, UploadedFile
from pydantic import Field

from perno.accounts.permissions import restrict
from perno.activities import calendar, selectors
from perno.activities.calendar_feeds import feed_create, feed_get, feed_list, feed_revoke
from perno.activities.calendar_import import MAX_BYTES, ics_import
from perno.activities.calendar_invites import (
    MAX_INVITEES,
    MAX_NOTE,
    email_hidden,
    invitation_list,
    invitations_send,
)
from perno.activities.calendar_time import calendar_zone
from perno.activities.models import Activity, CalendarInvitation
from perno.api.activities.schemas import ActivityOut
from perno.api.common import ERRORS, WRITE_ERRORS, expected_version, shown
from perno.api.inputs import InputSchema
from perno.audit.trail import record_list
from perno.contacts.models import Contact

router = Router(tags=["calendar"])
MAX_RANGE = datetime.timedelta(days=62)


class CalendarQuery(InputSchema):
    start: datetime.datetime = Field(
        ..., description="From (included); without an offset, in the user's time zone."
    )
    end: datetime.datetime = Field(..., description="To (excluded); at most 62 days after start.")
    who: str = Field(
        "mine",
        max_length=40,
        description="mine, user:<id> or team:<id> (a team and those below it).",
    )


class EntryOut(Schema):
    id: int
    kind: str
    subject: str
    status: str
    due_at: datetime.datetime
    ends_at: datetime.datetime | None
    duration_minutes: int | None
    overdue: bool
    version: int
    url: str


class EntriesOut(Schema):
    who: str
    time_zone: str
    entries: list[EntryOut]
    truncated: bool


class RescheduleIn(InputSchema):
    due_at: datetime.datetime = Field(
        ..., description="The new due time; without an offset, in the user's time zone."
    )
    version: int | None = Field(None, description="The version you moved (or If-Match).")


class FeedOut(Schema):
    id: int
    prefix: str
    created_at: datetime.datetime
    last_used_at: datetime.datetime | None
    revoked_at: datetime.datetime | None


class FeedCreatedOut(FeedOut):
    url: str = Field(..., description="The secret address, shown only this once.")


class InviteIn(InputSchema):
    contact_ids: list[int] = Field(default_factory=list, max_length=MAX_INVITEES)
    emails: list[str] = Field(
        default_factory=list,
        max_length=MAX_INVITEES,
        description="Addresses of contacts you may see (each must belong to one).",
    )
    note: str = Field("", max_length=MAX_NOTE, description="A message to the invitees.")


class InvitationOut(Schema):
    id: int
    contact_id: int | None
    name: str
    email: str | None
    sent_at: datetime.datetime | None
    sequence: int
    cancelled_at: datetime.datetime | None
    error: str


class CalendarImportOut(Schema):
    created: int
    updated: int
    unchanged: int
    kept: int
    series: int
    ignored: int
    message: str


def _aware(moment: datetime.datetime, zone: datetime.tzinfo) -> datetime.datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)


@router.get(
    "/calendar/entries",
    response={200: EntriesOut, **ERRORS},
    summary="Calendar entries (tasks, calls, meetings due) in a range",
)
def calendar_entries(request: HttpRequest, query: Query[CalendarQuery]) -> Any:
    user = request.user
    zone = calendar_zone(user)
    start, end = _aware(query.start, zone), _aware(query.end, zone)
    if not start < end <= start + MAX_RANGE:
        raise ValidationError(
            {"end": [_("The end must come after the start, at most 62 days later.")]}
        )
    owner = calendar.owner_for(user, query.who)
    if owner.key != query.who and query.who != "mine":
        raise ValidationError(
            {
                "who": [
                    _(
                        "No such person or team whose calendar you may open: use mine, user:<id> or team:<id>."
                    )
                ]
            }
        )
    rows, truncated = calendar.calendar_entries(user=user, start=start, end=end, owner=owner)
    record_list(actor=user, model=Activity, ids=[a.pk for a in rows])
    now = timezone.now()
    return {
        "who": owner.key,
        "time_zone": str(zone),
        "truncated": truncated,
        "entries": [
            {
                "id": a.pk,
                "kind": a.kind,
                "subject": a.subject,
                "status": a.status,
                "due_at": a.due_at,
                "ends_at": a.ends_at,
                "duration_minutes": a.duration_minutes,
                "overdue": a.status == Activity.Status.OPEN
                and a.due_at is not None
                and a.due_at < now,
                "version": a.version,
                "url": a.get_absolute_url(),
            }
            for a in rows
        ],
    }


@router.post(
    "/calendar/activities/{activity_id}/reschedule",
    response={200: ActivityOut, **WRITE_ERRORS},
    summary="Move a task, call or meeting to a new due time",
)
def calendar_reschedule(request: HttpRequest, activity_id: int, payload: RescheduleIn) -> Any:
    activity = shown(selectors.activity_get, request, activity_id, "edit")
    calendar.activity_reschedule(
        actor=request.user,
        activity=activity,
        due_at=_aware(payload.due_at, calendar_zone(request.user)),
        expected_version=expected_version(request, payload.version),
    )
    return shown(selectors.activity_get, request, activity_id)


@router.get(
    "/calendar/feeds", response={200: list[FeedOut], **ERRORS}, summary="Your calendar feeds"
)
def calendar_feed_list(request: HttpRequest) -> Any:
    return list(feed_list(user=request.user)[:20])


@router.post(
    "/calendar/feeds",
    response={201: FeedCreatedOut, **WRITE_ERRORS},
    summary="Make your secret calendar address (an older one stops working)",
)
def calendar_feed_create(request: HttpRequest) -> Any:
    feed, clear = feed_create(actor=request.user)
    url = request.build_absolute_uri(reverse("activities:calendar_feed_ics", args=[clear]))
    return Status(
        201,
        {
            "id": feed.pk,
            "prefix": feed.prefix,
            "created_at": feed.created_at,
            "last_used_at": feed.last_used_at,
            "revoked_at": feed.revoked_at,
            "url": url,
        },
    )


@router.delete(
    "/calendar/feeds/{feed_id}", response={204: None, **ERRORS}, summary="Revoke a calendar feed"
)
def calendar_feed_revoke(request: HttpRequest, feed_id: int) -> Any:
    feed_revoke(actor=request.user, feed=feed_get(user=request.user, pk=feed_id))
    return Status(204, None)


def _invitations(user: Any, rows: list[CalendarInvitation]) -> list[dict[str, Any]]:
    """Invitees as the user may see them: a contact out of sight by a placeholder, an
    address confidential to the user left out."""
    seen = set(
        restrict(
            Contact.objects.filter(pk__in=[r.contact_id for r in rows]), user, "view"
        ).values_list("pk", flat=True)
    )
    hidden = email_hidden(user)
    return [
        {
            "id": r.pk,
            "contact_id": r.contact_id if r.contact_id in seen else None,
            "name": r.name if r.contact_id in seen else _("a contact you cannot see"),
            "email": r.email if r.contact_id in seen and not hidden else None,
            "sent_at": r.sent_at,
            "sequence": r.sequence,
            "cancelled_at": r.cancelled_at,
            "error": r.error,
        }
        for r in rows
    ]


@router.get(
    "/calendar/activities/{activity_id}/invitations",
    response={200: list[InvitationOut], **ERRORS},
    summary="Who was invited to a meeting",
)
def calendar_invitation_list(request: HttpRequest, activity_id: int) -> Any:
    activity = selectors.activity_get(user=request.user, pk=activity_id)
    return _invitations(request.user, list(invitation_list(user=request.user, activity=activity)))


@router.post(
    "/calendar/activities/{activity_id}/invitations",
    response={201: list[InvitationOut], **WRITE_ERRORS},
    summary="Invite contacts to a meeting by e-mail (iMIP)",
)
def calendar_invite(request: HttpRequest, activity_id: int, payload: InviteIn) -> Any:
    activity = shown(selectors.activity_get, request, activity_id, "edit")
    sent = invitations_send(
        actor=request.user,
        activity=activity,
        contact_ids=payload.contact_ids,
        emails=payload.emails,
        note=payload.note,
    )
    return Status(201, _invitations(request.user, sent))


@router.post(
    "/calendar/imports",
    response={201: CalendarImportOut, **WRITE_ERRORS},
    summary="Import an .ics file as your meetings (multipart, all or nothing)",
)
def calendar_import(request: HttpRequest, file: File[UploadedFile]) -> Any:
    result = ics_import(actor=request.user, data=file.read(MAX_BYTES + 1))
    return Status(
        201,
        {
            "created": result.created,
            "updated": result.updated,
            "unchanged": result.unchanged,
            "kept": result.kept,
            "series": result.series,
            "ignored": result.ignored,
            "message": result.summary(),
        },
    )
