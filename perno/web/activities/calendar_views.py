"""The calendar pages: month, week and day views of the tasks, calls and meetings with a
time, a user's own or another user's or team's; rescheduling by drag and drop (JSON, from
``static/perno/calendar.js``) or by the "move to" form (keyboard, no script needed); and
the user's time zone (docs/calendar.md)."""

from __future__ import annotations

import datetime
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from perno.accounts.confidential import redact
from perno.accounts.permissions import can
from perno.accounts.selectors import user_list
from perno.accounts.services import user_set_preference
from perno.activities import calendar, selectors
from perno.activities.calendar_time import (
    TIME_ZONE_PREFERENCE,
    available_zones,
    calendar_zone,
    check_zone,
    first_weekday,
    parse_day,
    parse_moment,
)
from perno.activities.models import Activity
from perno.audit.trail import record_list
from perno.core.exceptions import ConflictError
from perno.records.reads import record_shown


def machine_moment(local: datetime.datetime) -> str:
    """``YYYY-MM-DDTHH:MM``, local time: what a datetime-local field and the page's script
    read (not for people)."""
    return local.replace(tzinfo=None).isoformat(timespec="minutes")


def _address(view: str, day: datetime.date, who: str) -> str:
    query = {"view": view, "date": day.isoformat()}
    if who != "mine":
        query["who"] = who
    return reverse("activities:calendar") + "?" + urlencode(query)


def _title(period: calendar.Period) -> str:
    if period.view == "day":
        return date_format(period.start, "l j F Y")
    if period.view == "week":
        last = period.end - datetime.timedelta(days=1)
        return f"{date_format(period.start, 'j M')} – {date_format(last, 'j M Y')}"
    return date_format(period.anchor, "F Y")


def _entry(
    user: Any, activity: Activity, zone: datetime.tzinfo, now: datetime.datetime
) -> dict[str, Any]:
    assert activity.due_at is not None
    local = activity.due_at.astimezone(zone)
    ends = activity.ends_at
    return {
        "activity": redact(user, activity),
        "local": local,
        "ends": ends.astimezone(zone) if ends else None,
        "due": machine_moment(local),
        "overdue": activity.status == Activity.Status.OPEN and activity.due_at < now,
        "editable": can(user, "edit", activity),
    }


def _who_options(user: Any, owner: calendar.Owner) -> list[dict[str, Any]]:
    """The calendars the user may open: their own, their teams', other people's."""
    options: list[dict[str, Any]] = [{"value": "mine", "label": _("My calendar"), "group": ""}]
    options += [
        {"value": f"team:{team.pk}", "label": team.name, "group": _("Teams")}
        for team in calendar.visible_teams(user)
    ]
    options += [
        {"value": f"user:{other.pk}", "label": str(other), "group": _("People")}
        for other in user_list(user=user).exclude(pk=user.pk)
    ]
    for option in options:
        option["selected"] = option["value"] == owner.key
    return options


@login_required
def calendar_page(request: HttpRequest) -> HttpResponse:
    """Month, week or day (``?view=``) around ``?date=`` of ``?who=`` (mine, user:<id>,
    team:<id>), in the user's time zone and language."""
    user = request.user
    zone = calendar_zone(user)
    language = translation.get_language()
    first = first_weekday(language)
    view = request.GET.get("view", "month")
    view = view if view in calendar.VIEWS else "month"
    anchor = parse_day(request.GET.get("date"), zone)
    owner = calendar.owner_for(user, request.GET.get("who"))
    period = calendar.period_for(view, anchor, first)
    start, end = period.bounds(zone)
    rows, truncated = calendar.calendar_entries(user=user, start=start, end=end, owner=owner)
    record_list(actor=user, model=Activity, ids=[a.pk for a in rows])
    now = timezone.now()
    today = now.astimezone(zone).date()
    by_day: dict[datetime.date, list[dict[str, Any]]] = {}
    for activity in rows:
        entry = _entry(user, activity, zone, now)
        by_day.setdefault(entry["local"].date(), []).append(entry)

    def cell(day: datetime.date) -> dict[str, Any]:
        return {
            "date": day,
            "iso": day.isoformat(),
            "label": date_format(day, "l j F"),
            "entries": by_day.get(day, []),
            "today": day == today,
            "outside": period.view == "month" and day.month != period.anchor.month,
            "url": _address("day", day, owner.key),
        }

    hours: list[dict[str, Any]] = []
    if period.view == "day":
        entries = by_day.get(period.start, [])
        hours = [
            {
                "hour": h,
                "label": f"{h:02d}:00",
                "entries": [e for e in entries if e["local"].hour == h],
            }
            for h in range(24)
        ]
    weekdays = (
        [date_format(period.start + datetime.timedelta(days=n), "D") for n in range(7)]
        if period.view != "day"
        else []
    )
    context = {
        "period": period,
        "title": _title(period),
        "weeks": [[cell(day) for day in week] for week in period.weeks],
        "hours": hours,
        "weekdays": weekdays,
        "owner": owner,
        "who_options": _who_options(user, owner),
        "truncated": truncated,
        "count": len(rows),
        "zone": str(zone),
        "zones": available_zones(),
        "views": [
            (code, label, _address(code, anchor, owner.key))
            for code, label in (("month", _("Month")), ("week", _("Week")), ("day", _("Day")))
        ],
        "links": {
            "previous": _address(view, period.previous, owner.key),
            "next": _address(view, period.next, owner.key),
            "today": _address(view, today, owner.key),
        },
        "here": request.get_full_path(),
        "can_import": can(user, "create", "activity"),
    }
    with timezone.override(zone):
        return render(request, "activities/calendar/calendar.html", context)


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _back(request: HttpRequest) -> HttpResponseRedirect:
    target = request.POST.get("next", "")
    if not (target and url_has_allowed_host_and_scheme(target, {request.get_host()})):
        target = reverse("activities:calendar")
    return HttpResponseRedirect(target)


@login_required
@require_POST
def calendar_reschedule(request: HttpRequest, pk: int) -> HttpResponse:
    """Move a task, call or meeting to ``due_at`` (``YYYY-MM-DDTHH:MM`` in the user's
    zone), from the version the page showed. The page's script asks for JSON; the "move
    to" form gets a redirect back with a message. A stale version answers 409."""
    activity = record_shown(
        selectors.activity_get(user=request.user, pk=pk, action="edit"),
        user=request.user,
        purpose="edit",
    )
    zone = calendar_zone(request.user)
    as_json = _wants_json(request)
    version_text = request.POST.get("version", "").strip()
    if version_text and not version_text.isdecimal():
        text = _("The version must be a whole number; reload the calendar.")
        if as_json:
            return JsonResponse({"message": text}, status=400)
        messages.error(request, text)
        return _back(request)
    version = int(version_text) if version_text else None
    try:
        moment = parse_moment(request.POST.get("due_at"), zone)
        moved = calendar.activity_reschedule(
            actor=request.user, activity=activity, due_at=moment, expected_version=version
        )
    except ConflictError as exc:
        text = _(
            "Someone else changed “%(subject)s” meanwhile; the calendar now shows it as stored. Move it again if you still want to."
        ) % {"subject": activity.subject}
        messages.warning(request, text)
        if as_json:
            return JsonResponse(
                {"message": text, "detail": exc.message, "current_version": exc.current_version},
                status=409,
            )
        return _back(request)
    except ValidationError as exc:
        text = " ".join(exc.messages)
        if as_json:
            return JsonResponse(
                {"message": text, "errors": getattr(exc, "message_dict", {})}, status=400
            )
        messages.error(request, text)
        return _back(request)
    assert moved.due_at is not None
    local = moved.due_at.astimezone(zone)
    text = _("“%(subject)s” moved to %(when)s.") % {
        "subject": moved.subject,
        "when": date_format(local, "SHORT_DATETIME_FORMAT"),
    }
    if as_json:
        return JsonResponse(
            {
                "id": moved.pk,
                "version": moved.version,
                "due": machine_moment(local),
                "date": local.date().isoformat(),
                "time": date_format(local, "TIME_FORMAT"),
                "message": text,
            }
        )
    messages.success(request, text)
    return _back(request)


@login_required
@require_POST
def calendar_time_zone(request: HttpRequest) -> HttpResponse:
    """The time zone the user's calendar, feed and invitations are shown in."""
    name = request.POST.get("time_zone", "").strip()
    try:
        check_zone(name)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return _back(request)
    user_set_preference(user=request.user, key=TIME_ZONE_PREFERENCE, value=name)
    messages.success(request, _("Your calendar now shows times in %(zone)s.") % {"zone": name})
    return _back(request)
