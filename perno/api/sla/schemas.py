from __future__ import annotations

import datetime
from typing import Any

from ninja import Schema
from pydantic import Field

from perno.api.common import Ref
from perno.api.inputs import InputSchema
from perno.sla.models import MAX_MINUTES

HOURS_DESCRIPTION = (
    "Working hours per weekday (mon … sun) as ranges in the calendar's time zone, e.g. "
    '{"mon": ["09:00-13:00", "14:00-18:00"], "sat": []}. Missing weekdays are closed; '
    '"24:00" ends a range at midnight. Ranges must not overlap.'
)
DATE_DESCRIPTION = '"YYYY-MM-DD" for one day, or "MM-DD" for the same day every year.'


class DayIn(InputSchema):
    date: str = Field(..., max_length=10, description=DATE_DESCRIPTION)
    name: str = Field("", max_length=100)


class OpenDayIn(DayIn):
    hours: list[str] = Field(
        [],
        max_length=12,
        description="Working ranges of that day; empty: the hours of its weekday, or of the "
        "first weekday with hours.",
    )


class DayOut(Schema):
    date: str
    name: str = ""


class OpenDayOut(DayOut):
    hours: list[str] = []


class CalendarOut(Schema):
    id: int
    name: str
    time_zone: str
    country: str
    subdivision: str
    hours: dict[str, list[str]]
    closed_days: list[DayOut]
    open_days: list[OpenDayOut]
    updated_at: datetime.datetime


class CalendarIn(InputSchema):
    name: str = Field(..., min_length=1, max_length=100)
    time_zone: str | None = Field(
        None, max_length=64, description="IANA time zone; default: the installation's."
    )
    country: str = Field("", description='"IT", "RO", or "" for no public holidays.')
    subdivision: str = Field(
        "", max_length=40, description="A province or city of the holiday data, e.g. MI."
    )
    hours: dict[str, list[str]] = Field(..., description=HOURS_DESCRIPTION)
    closed_days: list[DayIn] = Field([], max_length=500)
    open_days: list[OpenDayIn] = Field([], max_length=500)


class CalendarPatch(InputSchema):
    name: str | None = Field(None, min_length=1, max_length=100)
    time_zone: str | None = Field(None, max_length=64)
    country: str | None = None
    subdivision: str | None = Field(None, max_length=40)
    hours: dict[str, list[str]] | None = Field(None, description=HOURS_DESCRIPTION)
    closed_days: list[DayIn] | None = Field(None, max_length=500)
    open_days: list[OpenDayIn] | None = Field(None, max_length=500)


class ClosureOut(Schema):
    date: datetime.date
    name: str
    kind: str = Field(..., description='"public" (holiday of the country) or "company".')
    open: bool = Field(..., description="An extra open day overrides it.")


class PolicyOut(Schema):
    id: int
    name: str
    active: bool
    priority: int | None = Field(None, description="1 low, 2 normal, 3 high, 4 urgent; null: any.")
    segment: Ref | None = Field(None, description="The customer group; null: any customer.")
    calendar: Ref
    first_response_minutes: int
    resolution_minutes: int
    warn_before_minutes: int
    rank: int
    updated_at: datetime.datetime


class PolicyIn(InputSchema):
    name: str = Field(..., min_length=1, max_length=100)
    active: bool = True
    priority: int | None = Field(None, ge=1, le=4, description="1 low … 4 urgent; null: any.")
    segment_id: int | None = Field(None, ge=1, description="A segment; null: any customer.")
    calendar_id: int = Field(..., ge=1)
    first_response_minutes: int = Field(..., ge=1, le=MAX_MINUTES)
    resolution_minutes: int = Field(..., ge=1, le=MAX_MINUTES)
    warn_before_minutes: int = Field(30, ge=0, le=MAX_MINUTES)
    rank: int = Field(100, ge=0, le=32_000)


class PolicyPatch(InputSchema):
    name: str | None = Field(None, min_length=1, max_length=100)
    active: bool | None = None
    priority: int | None = Field(None, ge=1, le=4)
    segment_id: int | None = Field(None, ge=1)
    calendar_id: int | None = Field(None, ge=1)
    first_response_minutes: int | None = Field(None, ge=1, le=MAX_MINUTES)
    resolution_minutes: int | None = Field(None, ge=1, le=MAX_MINUTES)
    warn_before_minutes: int | None = Field(None, ge=0, le=MAX_MINUTES)
    rank: int | None = Field(None, ge=0, le=32_000)


class YearParams(InputSchema):
    year: int | None = Field(None, ge=1900, le=2200, description="Default: the current year.")


def day_values(items: list[Any] | None) -> list[dict[str, Any]] | None:
    if items is None:
        return None
    return [item.dict() if hasattr(item, "dict") else dict(item) for item in items]
