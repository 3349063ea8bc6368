"""Italian and Romanian public holidays, from the maintained ``holidays`` package, as the
clock and the calendar page see them."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from perno.sla import clock, schedule
from perno.sla.defaults import weekly
from perno.sla.models import BusinessCalendar

ITALIA = BusinessCalendar(
    name="Italia",
    time_zone="Europe/Rome",
    country="IT",
    hours=weekly("09:00-13:00", "14:00-18:00"),
)
ROMANIA = BusinessCalendar(
    name="România", time_zone="Europe/Bucharest", country="RO", hours=weekly("09:00-17:00")
)

ITALIAN = [
    "01-01",  # Capodanno
    "04-25",  # Liberazione
    "05-01",  # Festa del Lavoro
    "06-02",  # Festa della Repubblica
    "08-15",  # Ferragosto
    "11-01",  # Ognissanti
    "12-08",  # Immacolata
    "12-25",  # Natale
    "12-26",  # Santo Stefano
]
EASTER_MONDAY = {2025: "04-21", 2026: "04-06", 2027: "03-29"}
ORTHODOX_EASTER_MONDAY = {2025: "04-21", 2026: "04-13", 2027: "05-03"}
ROMANIAN = [
    "01-01",
    "01-02",
    "01-24",
    "05-01",
    "06-01",
    "08-15",
    "11-30",
    "12-01",
    "12-25",
    "12-26",
]


def _day(year: int, month_day: str) -> dt.date:
    return dt.date(year, int(month_day[:2]), int(month_day[3:]))


def _closed_at_ten(calendar: BusinessCalendar, day: dt.date) -> bool:
    moment = dt.datetime.combine(day, dt.time(10, 0), tzinfo=ZoneInfo(calendar.time_zone))
    return not clock.is_open(calendar, moment)


@pytest.mark.parametrize("year", [2025, 2026, 2027])
def test_italian_public_holidays_close_the_italian_calendar(year):
    days = [_day(year, md) for md in [*ITALIAN, EASTER_MONDAY[year]]]
    known = schedule.holiday_dates("IT", "", year)
    for day in days:
        assert day in known, day
        assert _closed_at_ten(ITALIA, day), day
    # A Romanian calendar works on the Italian holidays that are not Romanian ones.
    republic = _day(year, "06-02")
    assert republic.weekday() >= 5 or not _closed_at_ten(ROMANIA, republic)


@pytest.mark.parametrize("year", [2025, 2026, 2027])
def test_romanian_public_holidays_close_the_romanian_calendar(year):
    days = [_day(year, md) for md in [*ROMANIAN, ORTHODOX_EASTER_MONDAY[year]]]
    known = schedule.holiday_dates("RO", "", year)
    for day in days:
        assert day in known, day
        assert _closed_at_ten(ROMANIA, day), day


def test_orthodox_and_catholic_easter_differ():
    """2026: Catholic Easter Monday 6 April, Orthodox Easter Monday 13 April."""
    assert _closed_at_ten(ITALIA, dt.date(2026, 4, 6))
    assert not _closed_at_ten(ROMANIA, dt.date(2026, 4, 6))
    assert _closed_at_ten(ROMANIA, dt.date(2026, 4, 13))
    assert not _closed_at_ten(ITALIA, dt.date(2026, 4, 13))
    assert not _closed_at_ten(ITALIA, dt.date(2026, 12, 1))  # Romania's national day
    assert _closed_at_ten(ROMANIA, dt.date(2026, 12, 1))


def test_the_year_closures_name_the_holidays_in_the_readers_language():
    days = {row["date"]: row for row in schedule.year_closures(ITALIA, 2026, "it")}
    assert days[dt.date(2026, 12, 25)]["name"] == "Natale"
    assert days[dt.date(2026, 12, 25)]["kind"] == "public"
    english = {row["date"]: row["name"] for row in schedule.year_closures(ITALIA, 2026, "en")}
    assert english[dt.date(2026, 12, 25)] == "Christmas Day"
    romanian = {row["date"]: row["name"] for row in schedule.year_closures(ROMANIA, 2026, "ro")}
    assert "Ziua Națională" in romanian[dt.date(2026, 12, 1)]


def test_the_year_closures_list_company_days_and_open_overrides():
    cal = BusinessCalendar(
        name="Milano",
        time_zone="Europe/Rome",
        country="IT",
        subdivision="MI",
        hours=weekly("09:00-18:00"),
        closed_days=[
            {"date": "08-14", "name": "Ponte"},
            {"date": "2027-01-07", "name": "Inventario"},
        ],
        open_days=[{"date": "2026-12-08", "name": "", "hours": []}],
    )
    days = {row["date"]: row for row in schedule.year_closures(cal, 2026, "en")}
    assert days[dt.date(2026, 8, 14)] == {
        "date": dt.date(2026, 8, 14),
        "name": "Ponte",
        "kind": "company",
        "open": False,
    }
    assert days[dt.date(2026, 12, 7)]["kind"] == "public"  # Sant'Ambrogio in Milan
    assert days[dt.date(2026, 12, 8)]["open"] is True
    assert dt.date(2027, 1, 7) not in days
    assert dt.date(2027, 1, 7) in {row["date"] for row in schedule.year_closures(cal, 2027)}
    assert schedule.year_closures(BusinessCalendar(country="", closed_days=[]), 2026) == []
