"""The service levels a new installation starts with: a calendar for Italy and one for
Romania, and a policy per priority. Data, not code: ``services.sla_ensure_defaults``
creates what is missing and never overwrites what an administrator changed. (Migration
``0002_defaults`` holds a frozen copy, so later changes here do not rewrite databases.)"""

from __future__ import annotations

from typing import Any

WORKDAYS = ("mon", "tue", "wed", "thu", "fri")
ALL_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def weekly(*ranges: str) -> dict[str, list[str]]:
    return {day: (list(ranges) if day in WORKDAYS else []) for day in ALL_DAYS}


CALENDARS: list[dict[str, Any]] = [
    {
        "name": "Italia",
        "time_zone": "Europe/Rome",
        "country": "IT",
        "hours": weekly("09:00-13:00", "14:00-18:00"),
    },
    {
        "name": "România",
        "time_zone": "Europe/Bucharest",
        "country": "RO",
        "hours": weekly("09:00-17:00"),
    },
]
# The calendar the default policies count on, per installation region.
CALENDAR_FOR_REGION = {"IT": "Italia", "RO": "România"}
WARNING = 30


def warning_for(first_response: int) -> int:
    """30 minutes before, or less when the first-response target is short."""
    return min(WARNING, first_response // 2)


# (priority, name, first response, resolution, rank); priorities as Activity.Priority.
POLICIES: list[tuple[int, str, int, int, int]] = [
    (4, "Urgent", 60, 240, 10),
    (3, "High", 240, 1440, 20),
    (2, "Normal", 480, 2880, 30),
    (1, "Low", 960, 4800, 40),
]
