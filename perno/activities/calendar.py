"""The calendar: what a user sees of the activities with a time (tasks, calls and
meetings by their due time), in month, week and day periods of their time zone, and
rescheduling (through ``services.activity_update``: the gate, the optimistic version and
the change history). Everything is read through the gate (docs/calendar.md)."""

from __future__ import annotations

import calendar as pycalendar
import datetime
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from perno.accounts.models import Team, User
from perno.accounts.permissions import access_for, restrict
from perno.accounts.rights import ALL
from perno.activities import services
from perno.activities.models import Activity

VIEWS = ("month", "week", "day")
# A period shows at most this many entries (a month of a large team); the page says so.
MAX_ENTRIES = 1000


# --- Periods -----------------------------------------------------------------------------


@dataclass
class Period:
    """The days a calendar page shows (``start`` to ``end``, end excluded) around
    ``anchor``, and where previous and next lead."""

    view: str
    anchor: datetime.date
    start: datetime.date
    end: datetime.date
    previous: datetime.date
    next: datetime.date
    weeks: list[list[datetime.date]] = field(default_factory=list)

    @property
    def days(self) -> list[datetime.date]:
        return [
            self.start + datetime.timedelta(days=n) for n in range((self.end - self.start).days)
        ]

    def bounds(self, zone: datetime.tzinfo) -> tuple[datetime.datetime, datetime.datetime]:
        """The period as aware moments: local midnight of the first day to that of the day
        after the last (a day of a daylight saving change is 23 or 25 hours long)."""
        return midnight(self.start, zone), midnight(self.end, zone)


def midnight(day: datetime.date, zone: datetime.tzinfo) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(), tzinfo=zone)


def _week_start(day: datetime.date, first: int) -> datetime.date:
    return day - datetime.timedelta(days=(day.weekday() - first) % 7)


def _add_months(day: datetime.date, months: int) -> datetime.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return datetime.date(year, month, min(day.day, pycalendar.monthrange(year, month)[1]))


def period_for(view: str, anchor: datetime.date, first: int) -> Period:
    """The month (whole weeks around it), the week or the day of ``anchor``."""
    if view not in VIEWS:
        view = "month"
    anchor = min(max(anchor, datetime.date(1900, 2, 1)), datetime.date(2200, 11, 30))
    if view == "day":
        return Period(
            view,
            anchor,
            anchor,
            anchor + datetime.timedelta(days=1),
            anchor - datetime.timedelta(days=1),
            anchor + datetime.timedelta(days=1),
        )
    if view == "week":
        start = _week_start(anchor, first)
        return Period(
            view,
            anchor,
            start,
            start + datetime.timedelta(days=7),
            anchor - datetime.timedelta(days=7),
            anchor + datetime.timedelta(days=7),
            weeks=[[start + datetime.timedelta(days=n) for n in range(7)]],
        )
    first_of_month = anchor.replace(day=1)
    start = _week_start(first_of_month, first)
    last = _add_months(first_of_month, 1) - datetime.timedelta(days=1)
    end = _week_start(last, first) + datetime.timedelta(days=7)
    weeks = []
    day = start
    while day < end:
        weeks.append([day + datetime.timedelta(days=n) for n in range(7)])
        day += datetime.timedelta(days=7)
    return Period(
        view,
        anchor,
        start,
        end,
        _add_months(first_of_month, -1),
        _add_months(first_of_month, 1),
        weeks=weeks,
    )


# --- Whose calendar ----------------------------------------------------------------------


@dataclass(frozen=True)
class Owner:
    """Whose entries a calendar shows: the user's own ("mine"), another user's or a
    team's (with the teams below it)."""

    kind: str  # "mine", "user" or "team"
    pk: int | None = None
    label: str = ""

    @property
    def key(self) -> str:
        return "mine" if self.kind == "mine" else f"{self.kind}:{self.pk}"


def visible_teams(user: Any) -> QuerySet[Team]:
    """The teams whose calendars a user may open: every team for who views every
    activity, else their own team and the teams below it."""
    access = access_for(user)
    if access.user_id is None or access.scope("activity", "view") == "none":
        return Team.objects.none()
    if access.scope("activity", "view") == ALL:
        return Team.objects.order_by("name")
    return Team.objects.filter(pk__in=sorted(access.team_ids)).order_by("name")


def owner_for(user: Any, key: str | None) -> Owner:
    """The calendar named by ``key`` ("mine", "user:<id>", "team:<id>"); an unknown or
    unreachable one is the user's own."""
    kind, _sep, pk = (key or "mine").partition(":")
    if kind == "team" and pk.isdecimal():
        team = visible_teams(user).filter(pk=int(pk)).first()
        if team is not None:
            return Owner("team", team.pk, team.name)
    if kind == "user" and pk.isdecimal():
        other = User.objects.filter(pk=int(pk), is_active=True).first()
        if other is not None and other.pk != user.pk:
            return Owner("user", other.pk, str(other))
    return Owner("mine", user.pk, str(user))


def _subtree(team_id: int) -> list[int]:
    children: dict[int | None, list[int]] = {}
    for pk, parent in Team.objects.values_list("id", "parent_id"):
        children.setdefault(parent, []).append(pk)
    found: list[int] = []
    todo = [team_id]
    while todo:
        current = todo.pop()
        if current not in found:
            found.append(current)
            todo.extend(children.get(current, []))
    return found


def _whose(owner: Owner, user: Any) -> Q:
    if owner.kind == "team" and owner.pk is not None:
        return Q(team_id__in=_subtree(owner.pk))
    pk = owner.pk if owner.kind == "user" else user.pk
    return Q(assignee_id=pk) | Q(assignee__isnull=True, owner_id=pk)


# --- Entries -----------------------------------------------------------------------------


def calendar_entries(
    *,
    user: Any,
    start: datetime.datetime,
    end: datetime.datetime,
    owner: Owner | None = None,
    limit: int = MAX_ENTRIES,
) -> tuple[list[Activity], bool]:
    """The tasks, calls and meetings due in [start, end) on ``owner``'s calendar that
    ``user`` may see, soonest first; and whether there were more than ``limit``."""
    owner = owner or Owner("mine", getattr(user, "pk", None))
    rows = list(
        restrict(Activity.objects.all(), user, "view")
        .filter(
            _whose(owner, user), kind__in=Activity.TODO_KINDS, due_at__gte=start, due_at__lt=end
        )
        .select_related("assignee", "owner")
        .order_by("due_at", "id")[: limit + 1]
    )
    return rows[:limit], len(rows) > limit


def feed_activities(*, user: Any, now: datetime.datetime | None = None) -> list[Activity]:
    """What a user's ICS feed holds: their tasks, calls and meetings (assigned to them, or
    theirs) that they may see, due from 90 days ago to a year ahead."""
    now = now or timezone.now()
    return list(
        restrict(Activity.objects.all(), user, "view")
        .filter(
            Q(assignee_id=user.pk) | Q(owner_id=user.pk),
            kind__in=Activity.TODO_KINDS,
            due_at__gte=now - datetime.timedelta(days=90),
            due_at__lt=now + datetime.timedelta(days=365),
        )
        .order_by("due_at", "id")[:5000]
    )


# --- Rescheduling ------------------------------------------------------------------------


def activity_reschedule(
    *, actor: Any, activity: Activity, due_at: datetime.datetime, expected_version: int | None
) -> Activity:
    """Move a task, call or meeting to ``due_at`` (its duration kept). A reminder moves
    with it, as long before the new time as before the old. A stale ``expected_version``
    raises ``ConflictError`` and changes nothing; meetings with invitees get an update
    (see ``calendar_invites``)."""
    if activity.kind not in Activity.TODO_KINDS:
        raise ValidationError({"kind": [_("Only tasks, calls and meetings are on the calendar.")]})
    data: dict[str, Any] = {"due_at": due_at}
    if activity.remind_at is not None and activity.due_at is not None:
        data["remind_at"] = due_at - (activity.due_at - activity.remind_at)
    return services.activity_update(
        actor=actor, activity=activity, data=data, expected_version=expected_version
    )
