"""iCalendar (RFC 5545, built with the ``icalendar`` package) out of activities: a
user's ICS feed and the calendars of the invitation e-mails (iMIP, RFC 6047).

Times are written in UTC (``...Z``), so no VTIMEZONE is needed. Each activity keeps one
UID (``perno-activity-<id>@<domain>``) and its SEQUENCE follows the record's version, so
a calendar app replaces an entry when it changes instead of adding another."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress

from perno.accounts.confidential import hidden_fields
from perno.activities.models import Activity

PRODID = "-//Perno//Perno CRM//EN"
STATUS: dict[str, str] = {
    Activity.Status.OPEN: "CONFIRMED",
    Activity.Status.DONE: "CONFIRMED",
    Activity.Status.CANCELLED: "CANCELLED",
}


def uid_domain() -> str:
    """The domain of the UIDs: that of the installation's sender address."""
    address = str(getattr(settings, "DEFAULT_FROM_EMAIL", "") or "")
    domain = address.rpartition("@")[2].strip(" >").lower()
    return domain or "perno.invalid"


def activity_uid(activity: Activity) -> str:
    return f"perno-activity-{activity.pk}@{uid_domain()}"


def sequence_of(activity: Activity) -> int:
    """SEQUENCE: 0 for a new record, one more with every saved change."""
    return max(int(activity.version) - 1, 0)


def _utc(moment: datetime.datetime) -> datetime.datetime:
    return moment.astimezone(datetime.UTC)


def address(email: str, name: str = "", **params: str) -> vCalAddress:
    """An ORGANIZER or ATTENDEE value: ``mailto:`` with its CN and parameters."""
    value = vCalAddress(f"mailto:{email}")
    if name:
        value.params["CN"] = name
    for key, param in params.items():
        value.params[key.replace("_", "-").upper()] = param
    return value


def activity_event(
    activity: Activity,
    *,
    stamp: datetime.datetime,
    sequence: int | None = None,
    description: str | None = None,
    status: str | None = None,
    url: str = "",
) -> Event:
    """The VEVENT of a task, call or meeting with a due time. ``description`` is given
    only when the reader may read it (the caller decides)."""
    assert activity.due_at is not None
    event = Event()
    event.add("uid", activity_uid(activity))
    event.add("dtstamp", _utc(stamp))
    event.add("dtstart", _utc(activity.due_at))
    ends = activity.ends_at
    if ends is not None:
        event.add("dtend", _utc(ends))
    event.add("sequence", sequence_of(activity) if sequence is None else sequence)
    event.add("summary", activity.subject)
    if description:
        event.add("description", description)
    event.add("status", status or STATUS.get(activity.status, "CONFIRMED"))
    event.add("categories", [activity.get_kind_display()])
    event.add("created", _utc(activity.created_at))
    event.add("last-modified", _utc(activity.updated_at))
    if activity.is_confidential:
        event.add("class", "CONFIDENTIAL")
    if url:
        event.add("url", url)
    return event


def _calendar(**properties: Any) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    for key, value in properties.items():
        calendar.add(key.replace("_", "-"), value)
    return calendar


def feed_ics(
    *,
    user: Any,
    activities: Iterable[Activity],
    name: str,
    url_for: Callable[[Activity], str] = lambda a: "",
) -> bytes:
    """The user's feed: one VEVENT per activity with a due time. A description that is
    confidential to the user (a confidential field their roles may not read) is left
    out."""
    calendar = _calendar(x_wr_calname=name)
    show_description = "description" not in hidden_fields(user, "activity")
    for activity in activities:
        if activity.due_at is None:
            continue
        calendar.add_component(
            activity_event(
                activity,
                stamp=activity.updated_at,
                description=activity.description if show_description else None,
                url=url_for(activity),
            )
        )
    return calendar.to_ical()


def imip_ics(
    *,
    activity: Activity,
    method: str,
    organizer: tuple[str, str],
    sent_by: str,
    attendees: Iterable[tuple[str, str]],
    sequence: int,
    description: str | None,
) -> bytes:
    """A scheduling message (iTIP ``REQUEST`` or ``CANCEL``) for the meeting: ORGANIZER
    the user (sent by Perno's address when it differs), each ATTENDEE a contact who has
    not answered yet."""
    assert method in ("REQUEST", "CANCEL")
    calendar = _calendar(method=method)
    event = activity_event(
        activity,
        stamp=timezone.now(),
        sequence=sequence,
        description=description,
        status="CANCELLED" if method == "CANCEL" else "CONFIRMED",
    )
    email, name = organizer
    params = {"sent_by": f"mailto:{sent_by}"} if sent_by and sent_by != email else {}
    event.add("organizer", address(email, name, **params))
    for attendee_email, attendee_name in attendees:
        event.add(
            "attendee",
            address(
                attendee_email,
                attendee_name,
                role="REQ-PARTICIPANT",
                partstat="NEEDS-ACTION",
                rsvp="TRUE",
                cutype="INDIVIDUAL",
            ),
        )
    calendar.add_component(event)
    return calendar.to_ical()
