"""The business clock: properties over random calendars (hypothesis) and the cases that
matter in practice: the weekend, the lunch break, DST in Rome, extra closed and open
days. No database: the calendars are unsaved model instances."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from perno.sla import clock
from perno.sla.defaults import weekly
from perno.sla.models import BusinessCalendar
from perno.sla.schedule import WEEKDAY_KEYS

ROME = ZoneInfo("Europe/Rome")
BUCHAREST = ZoneInfo("Europe/Bucharest")
UTC = dt.UTC


def calendar(**kwargs) -> BusinessCalendar:
    values = {
        "name": "Test",
        "time_zone": "Europe/Rome",
        "country": "IT",
        "hours": weekly("09:00-13:00", "14:00-18:00"),
    }
    values.update(kwargs)
    return BusinessCalendar(**values)


def rome(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0):
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=ROME)


# --- Properties ---------------------------------------------------------------------------

ZONES = [
    "Europe/Rome",
    "Europe/Bucharest",
    "America/New_York",
    "UTC",
    "Australia/Lord_Howe",  # a 30-minute DST shift
    "Asia/Kathmandu",  # +05:45
    "America/Havana",  # DST at midnight
]


@st.composite
def day_ranges(draw) -> list[str]:
    cuts = sorted(draw(st.sets(st.integers(0, 24 * 4), max_size=6)))
    if len(cuts) % 2:
        cuts = cuts[:-1]

    def hhmm(quarters: int) -> str:
        return f"{quarters * 15 // 60:02d}:{quarters * 15 % 60:02d}"

    return [f"{hhmm(a)}-{hhmm(b)}" for a, b in zip(cuts[::2], cuts[1::2], strict=True)]


@st.composite
def calendars(draw) -> BusinessCalendar:
    hours = {key: draw(day_ranges()) for key in WEEKDAY_KEYS}
    if not any(hours.values()):
        hours["wed"] = ["10:00-11:30"]
    closed = draw(
        st.lists(st.dates(dt.date(2026, 1, 1), dt.date(2026, 12, 31)), max_size=8, unique=True)
    )
    opened = draw(
        st.lists(st.dates(dt.date(2026, 1, 1), dt.date(2026, 12, 31)), max_size=4, unique=True)
    )
    return calendar(
        time_zone=draw(st.sampled_from(ZONES)),
        country=draw(st.sampled_from(["IT", "RO", ""])),
        hours=hours,
        closed_days=[{"date": d.isoformat(), "name": ""} for d in closed if d not in opened],
        open_days=[{"date": d.isoformat(), "name": "", "hours": []} for d in opened],
    )


moments = st.datetimes(
    min_value=dt.datetime(2025, 12, 1), max_value=dt.datetime(2027, 2, 1), timezones=st.just(UTC)
)
minutes = st.integers(0, 6000)
PROPERTIES = settings(max_examples=150, deadline=None, derandomize=True)


@PROPERTIES
@given(calendars(), moments, minutes)
def test_adding_then_measuring_gives_back_the_minutes(cal, start, n):
    end = clock.add_business_minutes(cal, start, n)
    assert end >= start
    assert clock.business_minutes_between(cal, start, end) == n


@PROPERTIES
@given(calendars(), moments, minutes, minutes)
def test_adding_a_plus_b_is_adding_a_then_b(cal, start, a, b):
    once = clock.add_business_minutes(cal, start, a + b)
    twice = clock.add_business_minutes(cal, clock.add_business_minutes(cal, start, a), b)
    assert once == twice


@PROPERTIES
@given(calendars(), moments, st.integers(1, 6000))
def test_a_deadline_always_falls_in_working_time(cal, start, n):
    """Inside a working range, or at the very end of one (18:00 when work stops at
    18:00): the instant just before it is working time."""
    end = clock.add_business_minutes(cal, start, n)
    assert clock.is_open(cal, end - dt.timedelta(microseconds=1))
    assert end.tzinfo is not None and end.utcoffset() is not None


@PROPERTIES
@given(calendars(), moments, moments)
def test_measuring_is_additive_and_never_negative(cal, a, b):
    lo, hi = min(a, b), max(a, b)
    middle = lo + (hi - lo) / 2
    assert clock.business_minutes_between(cal, hi, lo) == 0
    whole = clock.business_minutes_between(cal, lo, hi)
    parts = clock.business_minutes_between(cal, lo, middle) + clock.business_minutes_between(
        cal, middle, hi
    )
    assert parts in (whole, whole - 1)  # whole minutes: a split can lose a part-minute


# --- Working days, the lunch break, the weekend ---------------------------------------------


def test_the_weekend_and_the_lunch_break_do_not_count():
    italia = calendar()
    friday = rome(2026, 3, 6, 17, 30)
    assert clock.add_business_minutes(italia, friday, 60) == rome(2026, 3, 9, 9, 30)
    assert clock.add_business_minutes(italia, rome(2026, 3, 9, 12, 30), 60) == rome(
        2026, 3, 9, 14, 30
    )
    assert clock.business_minutes_between(italia, friday, rome(2026, 3, 9, 10, 0)) == 90
    # Before opening: the clock starts at 09:00.
    assert clock.add_business_minutes(italia, rome(2026, 3, 9, 6, 0), 1) == rome(2026, 3, 9, 9, 1)


def test_a_deadline_that_uses_up_a_range_is_its_end():
    italia = calendar()
    assert clock.add_business_minutes(italia, rome(2026, 3, 9, 17, 0), 60) == rome(
        2026, 3, 9, 18, 0
    )
    assert clock.add_business_minutes(italia, rome(2026, 3, 9, 17, 0), 61) == rome(
        2026, 3, 10, 9, 1
    )


def test_zero_minutes_is_the_start_itself_even_when_closed():
    sunday = rome(2026, 3, 8, 11, 0)
    assert clock.add_business_minutes(calendar(), sunday, 0) == sunday


def test_is_open_at_the_edges_of_a_range():
    italia = calendar()
    assert clock.is_open(italia, rome(2026, 3, 9, 9, 0))
    assert not clock.is_open(italia, rome(2026, 3, 9, 8, 59, 59))
    assert not clock.is_open(italia, rome(2026, 3, 9, 13, 0))
    assert clock.is_open(italia, rome(2026, 3, 9, 14, 0))
    assert not clock.is_open(italia, rome(2026, 3, 7, 10, 0))  # Saturday


def test_other_time_zones_of_the_same_moment_give_the_same_answer():
    romania = calendar(time_zone="Europe/Bucharest", country="RO", hours=weekly("09:00-17:00"))
    start = dt.datetime(2026, 3, 9, 16, 30, tzinfo=BUCHAREST)
    expected = dt.datetime(2026, 3, 10, 9, 30, tzinfo=BUCHAREST)
    assert clock.add_business_minutes(romania, start, 60) == expected
    assert clock.add_business_minutes(romania, start.astimezone(UTC), 60) == expected
    assert clock.add_business_minutes(romania, start, 60).tzinfo == BUCHAREST


def test_measuring_backwards_is_zero_and_bad_input_is_refused():
    italia = calendar()
    assert clock.business_minutes_between(italia, rome(2026, 3, 9, 12), rome(2026, 3, 9, 10)) == 0
    with pytest.raises(ValueError, match="aware"):
        clock.add_business_minutes(italia, dt.datetime(2026, 3, 9, 10), 5)
    with pytest.raises(ValueError, match="aware"):
        clock.is_open(italia, dt.datetime(2026, 3, 9, 10))
    with pytest.raises(ValueError, match="negative"):
        clock.add_business_minutes(italia, rome(2026, 3, 9, 10), -1)


def test_a_calendar_closed_every_day_has_no_deadline():
    every_day = [
        {"date": f"{m:02d}-{d:02d}", "name": ""} for m in range(1, 13) for d in range(1, 32)
    ]
    valid = []
    for entry in every_day:
        try:
            dt.date(2000, int(entry["date"][:2]), int(entry["date"][3:]))
        except ValueError:
            continue
        valid.append(entry)
    closed = calendar(closed_days=valid)
    with pytest.raises(ValueError, match="no working hours"):
        clock.add_business_minutes(closed, rome(2026, 3, 9, 10), 1)
    assert clock.business_minutes_between(closed, rome(2026, 1, 1), rome(2027, 1, 1)) == 0


def test_a_long_target_walks_day_by_day_not_minute_by_minute():
    """A year of working time on the Italian calendar, in both directions."""
    italia = calendar()
    start = rome(2026, 1, 2, 9, 0)
    end = clock.add_business_minutes(italia, start, 250 * 8 * 60)
    assert dt.date(2026, 12, 1) < end.date() < dt.date(2027, 2, 1)
    assert clock.business_minutes_between(italia, start, end) == 250 * 8 * 60


# --- DST in Rome ---------------------------------------------------------------------------


def test_the_spring_dst_weekend_in_rome():
    """29 March 2026: 02:00 becomes 03:00. A round-the-clock calendar has a 23-hour
    Sunday; office hours are unaffected."""
    always = calendar(hours={key: ["00:00-24:00"] for key in WEEKDAY_KEYS}, country="")
    saturday, monday = rome(2026, 3, 28, 0, 0), rome(2026, 3, 30, 0, 0)
    assert clock.business_minutes_between(always, saturday, monday) == (24 + 23) * 60
    assert clock.add_business_minutes(always, rome(2026, 3, 29, 1, 30), 60) == rome(
        2026, 3, 29, 3, 30
    )
    night = calendar(hours={key: ["01:00-04:00"] for key in WEEKDAY_KEYS}, country="")
    assert clock.business_minutes_between(night, saturday, monday) == 180 + 120
    italia = calendar()
    assert clock.add_business_minutes(italia, rome(2026, 3, 27, 17, 30), 60) == rome(
        2026, 3, 30, 9, 30
    )
    assert (
        clock.business_minutes_between(italia, rome(2026, 3, 27, 9, 0), rome(2026, 3, 30, 18, 0))
        == 2 * 8 * 60
    )


def test_the_autumn_dst_weekend_in_rome():
    """25 October 2026: 03:00 becomes 02:00 again, a 25-hour Sunday."""
    always = calendar(hours={key: ["00:00-24:00"] for key in WEEKDAY_KEYS}, country="")
    assert (
        clock.business_minutes_between(always, rome(2026, 10, 25, 0, 0), rome(2026, 10, 26, 0, 0))
        == 25 * 60
    )
    start = rome(2026, 10, 25, 1, 30)
    end = clock.add_business_minutes(always, start, 120)
    # Real time: 02:30 the second time (Python subtracts wall times within one zone).
    assert end.astimezone(UTC) - start.astimezone(UTC) == dt.timedelta(hours=2)
    assert (end.hour, end.minute) == (2, 30)
    assert end.utcoffset() == dt.timedelta(hours=1)


# --- Holidays and the company's own days ------------------------------------------------------


def test_public_holidays_close_the_day_and_the_deadline_moves_on():
    italia = calendar()
    # Easter Monday 2026 is 6 April: Friday 3 April 17:00 + 2 h -> Tuesday 7 April 10:00.
    assert clock.add_business_minutes(italia, rome(2026, 4, 3, 17, 0), 120) == rome(
        2026, 4, 7, 10, 0
    )
    without = calendar(country="")
    assert clock.add_business_minutes(without, rome(2026, 4, 3, 17, 0), 120) == rome(
        2026, 4, 6, 10, 0
    )


def test_extra_closed_days_once_and_every_year():
    milan = calendar(
        closed_days=[{"date": "12-07", "name": "Sant'Ambrogio"}, {"date": "2026-12-09"}]
    )
    assert not clock.is_open(milan, rome(2026, 12, 7, 10, 0))  # Monday, every year
    assert not clock.is_open(milan, rome(2027, 12, 7, 10, 0))  # Tuesday
    assert not clock.is_open(milan, rome(2026, 12, 9, 10, 0))  # once
    assert clock.is_open(milan, rome(2027, 12, 9, 10, 0))
    # Friday 4 Dec 17:00 + 2 h: Monday 7 closed, Tuesday 8 a public holiday, Wednesday 9
    # closed: Thursday 10 at 10:00.
    assert clock.add_business_minutes(milan, rome(2026, 12, 4, 17, 0), 120) == rome(
        2026, 12, 10, 10, 0
    )


def test_the_subdivision_adds_local_holidays():
    assert clock.is_open(calendar(), rome(2026, 12, 7, 10, 0))
    assert not clock.is_open(calendar(subdivision="MI"), rome(2026, 12, 7, 10, 0))


def test_extra_open_days_win_over_holidays_and_weekends():
    cal = calendar(
        open_days=[
            {"date": "2026-04-06", "name": "", "hours": []},  # Easter Monday: Monday's hours
            {"date": "2026-03-07", "name": "Inventory", "hours": ["10:00-12:00"]},  # Saturday
            {"date": "2026-03-08", "name": "", "hours": []},  # Sunday: the first weekday's hours
        ]
    )
    assert clock.is_open(cal, rome(2026, 4, 6, 9, 30))
    assert not clock.is_open(cal, rome(2026, 4, 6, 13, 30))
    assert clock.is_open(cal, rome(2026, 3, 7, 10, 0))
    assert not clock.is_open(cal, rome(2026, 3, 7, 12, 0))
    assert clock.is_open(cal, rome(2026, 3, 8, 16, 0))
    assert clock.business_minutes_between(cal, rome(2026, 3, 7, 0, 0), rome(2026, 3, 9, 0, 0)) == (
        120 + 480
    )


def test_an_edited_calendar_is_read_again():
    cal = calendar()
    assert clock.is_open(cal, rome(2026, 3, 9, 9, 30))
    cal.hours = weekly("10:00-12:00")
    assert not clock.is_open(cal, rome(2026, 3, 9, 9, 30))
    assert clock.working_ranges(cal, dt.date(2026, 3, 9)) == [
        (rome(2026, 3, 9, 10, 0), rome(2026, 3, 9, 12, 0))
    ]
