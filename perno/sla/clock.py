"""The business clock: working time over a business calendar.

Pure functions over a calendar (a ``BusinessCalendar``, saved or not, or any object with
its fields): aware datetimes in, aware datetimes out (in the calendar's time zone).

- ``add_business_minutes(calendar, start, minutes)``: the moment ``minutes`` of working
  time after ``start``. A result that uses up a working range exactly is the end of that
  range (due at 18:00, not at 09:00 the next working day; the same working time).
- ``business_minutes_between(calendar, start, end)``: whole minutes of working time in
  [start, end); 0 when end <= start.
- ``is_open(calendar, moment)``: whether ``moment`` falls in working time (ranges are
  half-open: open at 09:00, closed at 13:00).

Working time is real elapsed time: a range spanning a DST change lasts what the clock on
the wall says it lasts, minus or plus the hour. Ranges are wall-clock times of the
calendar's zone; a boundary in a DST gap (02:30 on the last Sunday of March in Rome) is
read with the offset before the change, and a day's boundaries are kept in order.

The functions walk the calendar range by range and day by day, never minute by minute.
A calendar's parsed rules and its days' ranges are cached (by the calendar's content,
so an edited calendar is read again), and so are the public holidays per year."""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from perno.sla.schedule import WEEKDAY_KEYS, holiday_dates, minutes_of

UTC = datetime.UTC
MINUTE = datetime.timedelta(minutes=1)
ONE_DAY = datetime.timedelta(days=1)
# Walking this many days in a row without a working range: the calendar is closed
# for good (every day of the year closed) and no deadline exists.
MAX_CLOSED_DAYS = 800
LAST_YEAR = 9990
_DAY_CACHE = 5000

Span = tuple[datetime.datetime, datetime.datetime]
Ranges = tuple[tuple[int, int], ...]


@dataclass
class _Rules:
    zone: ZoneInfo
    country: str
    subdivision: str
    weekly: tuple[Ranges, ...]
    fallback: Ranges
    closed_once: frozenset[datetime.date]
    closed_yearly: frozenset[tuple[int, int]]
    open_once: dict[datetime.date, Ranges]
    open_yearly: dict[tuple[int, int], Ranges]
    spans: dict[datetime.date, tuple[Span, ...]] = field(default_factory=dict)

    def ranges(self, day: datetime.date) -> Ranges:
        """A local day's working ranges, in minutes from midnight."""
        weekday = self.weekly[day.weekday()] or self.fallback
        opened = self.open_once.get(day)
        if opened is None:
            opened = self.open_yearly.get((day.month, day.day))
        if opened is not None:
            return opened or weekday
        if (
            day in self.closed_once
            or (day.month, day.day) in self.closed_yearly
            or day in holiday_dates(self.country, self.subdivision, day.year)
        ):
            return ()
        return self.weekly[day.weekday()]

    def day(self, day: datetime.date) -> tuple[Span, ...]:
        """A local day's working ranges as UTC instants, in order, not overlapping."""
        found = self.spans.get(day)
        if found is not None:
            return found
        midnight = datetime.datetime.combine(day, datetime.time())
        out: list[Span] = []
        previous: datetime.datetime | None = None
        for start, end in self.ranges(day):
            lo = self._instant(midnight + datetime.timedelta(minutes=start))
            hi = self._instant(midnight + datetime.timedelta(minutes=end))
            if previous is not None:
                lo = max(lo, previous)
            hi = max(hi, lo)
            previous = hi
            if hi > lo:
                out.append((lo, hi))
        if len(self.spans) >= _DAY_CACHE:
            self.spans.clear()
        self.spans[day] = result = tuple(out)
        return result

    def _instant(self, wall: datetime.datetime) -> datetime.datetime:
        return wall.replace(tzinfo=self.zone).astimezone(UTC)

    def local_day(self, moment: datetime.datetime) -> datetime.date:
        return moment.astimezone(self.zone).date()


def _frozen(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def _rules(calendar: Any) -> _Rules:
    return _compile(
        str(calendar.time_zone),
        str(calendar.country or ""),
        str(calendar.subdivision or ""),
        _frozen(calendar.hours or {}),
        _frozen(calendar.closed_days or []),
        _frozen(calendar.open_days or []),
    )


def _split(
    days: list[dict[str, Any]],
) -> tuple[dict[datetime.date, Any], dict[tuple[int, int], Any]]:
    once: dict[datetime.date, Any] = {}
    yearly: dict[tuple[int, int], Any] = {}
    for entry in days:
        date = str(entry["date"])
        ranges = minutes_of(list(entry.get("hours") or []))
        if len(date) == 5:
            yearly[(int(date[:2]), int(date[3:]))] = ranges
        else:
            once[datetime.date.fromisoformat(date)] = ranges
    return once, yearly


@lru_cache(maxsize=64)
def _compile(
    time_zone: str, country: str, subdivision: str, hours: str, closed: str, opened: str
) -> _Rules:
    weekly_hours = json.loads(hours)
    weekly = tuple(minutes_of(list(weekly_hours.get(key) or [])) for key in WEEKDAY_KEYS)
    closed_once, closed_yearly = _split(json.loads(closed))
    open_once, open_yearly = _split(json.loads(opened))
    return _Rules(
        zone=ZoneInfo(time_zone),
        country=country,
        subdivision=subdivision,
        weekly=weekly,
        fallback=next((ranges for ranges in weekly if ranges), ()),
        closed_once=frozenset(closed_once),
        closed_yearly=frozenset(closed_yearly),
        open_once=open_once,
        open_yearly=open_yearly,
    )


def _aware(moment: datetime.datetime, name: str) -> datetime.datetime:
    if not isinstance(moment, datetime.datetime):
        raise TypeError(f"{name} must be a datetime")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime (with a time zone)")
    return moment.astimezone(UTC)


def _days_from(rules: _Rules, moment: datetime.datetime) -> Iterator[datetime.date]:
    """Local days from the one before ``moment``'s (its ranges may reach past midnight
    in UTC) onwards."""
    day = rules.local_day(moment) - ONE_DAY
    while True:
        yield day
        if day.year >= LAST_YEAR:
            raise ValueError("the deadline lies beyond the calendar's range")
        day += ONE_DAY


def add_business_minutes(
    calendar: Any, start: datetime.datetime, minutes: int
) -> datetime.datetime:
    """The moment ``minutes`` of working time after ``start`` (``start`` itself when
    ``minutes`` is 0)."""
    rules = _rules(calendar)
    now = _aware(start, "start")
    if minutes < 0:
        raise ValueError("minutes must not be negative")
    if minutes == 0:
        return now.astimezone(rules.zone)
    remaining = datetime.timedelta(minutes=int(minutes))
    closed_run = 0
    for day in _days_from(rules, now):
        spans = rules.day(day)
        for lo, hi in spans:
            if hi <= now:
                continue
            begin = max(lo, now)
            available = hi - begin
            if remaining <= available:
                return (begin + remaining).astimezone(rules.zone)
            remaining -= available
        closed_run = 0 if spans else closed_run + 1
        if closed_run > MAX_CLOSED_DAYS:
            raise ValueError("the calendar has no working hours left")
    raise AssertionError("unreachable")  # pragma: no cover


def business_minutes_between(
    calendar: Any, start: datetime.datetime, end: datetime.datetime
) -> int:
    """Whole minutes of working time from ``start`` to ``end`` (0 when end <= start)."""
    rules = _rules(calendar)
    lo_bound, hi_bound = _aware(start, "start"), _aware(end, "end")
    if hi_bound <= lo_bound:
        return 0
    last = rules.local_day(hi_bound)
    total = datetime.timedelta(0)
    for day in _days_from(rules, lo_bound):
        if day > last:
            break
        for lo, hi in rules.day(day):
            overlap = min(hi, hi_bound) - max(lo, lo_bound)
            if overlap > datetime.timedelta(0):
                total += overlap
    return total // MINUTE


def is_open(calendar: Any, moment: datetime.datetime) -> bool:
    """Whether ``moment`` falls in working time."""
    rules = _rules(calendar)
    instant = _aware(moment, "moment")
    day = rules.local_day(instant)
    return any(lo <= instant < hi for d in (day - ONE_DAY, day) for lo, hi in rules.day(d))


def working_ranges(calendar: Any, day: datetime.date) -> list[Span]:
    """One local day's working ranges as aware datetimes in the calendar's zone (for
    pages that show when a calendar is open)."""
    rules = _rules(calendar)
    return [(lo.astimezone(rules.zone), hi.astimezone(rules.zone)) for lo, hi in rules.day(day)]
