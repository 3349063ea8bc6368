"""Time zones, weeks and moments as the calendar reads them: the user's time zone (a
preference, else the installation's), the first day of the week of their language, and
dates and times typed or sent by the calendar page."""

from __future__ import annotations

import datetime
import zoneinfo
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import get_format
from django.utils.translation import gettext as _

from perno.core.inputs import moment_problem

TIME_ZONE_PREFERENCE = "time_zone"
_ZONES: list[str] = []


def available_zones() -> list[str]:
    """The IANA time zone names a user may pick, sorted (read once per process)."""
    if not _ZONES:
        _ZONES.extend(
            sorted(
                z
                for z in zoneinfo.available_timezones()
                if "/" in z and not z.startswith(("Etc/", "SystemV/", "posix/", "right/"))
            )
        )
        _ZONES.append("UTC")
    return _ZONES


def calendar_zone(user: Any) -> zoneinfo.ZoneInfo:
    """The user's time zone (their preference), else the installation's."""
    name = (getattr(user, "preferences", None) or {}).get(TIME_ZONE_PREFERENCE) or ""
    if isinstance(name, str) and name in available_zones():
        return zoneinfo.ZoneInfo(name)
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def check_zone(name: str) -> str:
    """``name`` when it is a time zone a user may pick; a field error otherwise."""
    if name not in available_zones():
        raise ValidationError(
            {
                "time_zone": [
                    _("“%(zone)s” is not a time zone; pick one from the list, e.g. Europe/Rome.")
                    % {"zone": name[:60]}
                ]
            }
        )
    return name


def first_weekday(language: str | None = None) -> int:
    """The first day of the week in the language's convention, as Python counts days
    (0 = Monday): Monday in Italian and Romanian, Sunday in English (Django's locale
    formats count FIRST_DAY_OF_WEEK from Sunday)."""
    return (int(get_format("FIRST_DAY_OF_WEEK", language)) - 1) % 7


def parse_day(text: str | None, zone: datetime.tzinfo) -> datetime.date:
    """A ``YYYY-MM-DD`` from the address bar, or today in the user's zone when it is
    missing, not a date or out of range."""
    try:
        day = datetime.date.fromisoformat((text or "")[:10])
    except ValueError:
        return timezone.now().astimezone(zone).date()
    if moment_problem(day):
        return timezone.now().astimezone(zone).date()
    return day


def parse_moment(
    text: str | None, zone: datetime.tzinfo, *, field: str = "due_at"
) -> datetime.datetime:
    """A moment as a person or the calendar page sends it: ``YYYY-MM-DDTHH:MM`` in the
    user's zone, or ISO 8601 with an offset; a clear field error otherwise."""
    text = (text or "").strip()[:40]
    try:
        moment = datetime.datetime.fromisoformat(text)
    except ValueError:
        raise ValidationError(
            {field: [_("Give the date and time as YYYY-MM-DD HH:MM, e.g. 2026-03-05 14:30.")]}
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    problem = moment_problem(moment)
    if problem:
        raise ValidationError({field: [problem]})
    return moment
