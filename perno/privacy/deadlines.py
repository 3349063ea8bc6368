"""Deadlines of the GDPR: one month to answer a request (Art. 12(3)), extendable by two
further months; 72 hours to notify a breach (Art. 33(1)).

A period in months ends on the same day of the month as it started; when that month
has no such day (31 January + 1 month), on its last day (Regulation 1182/71, art. 3)."""

from __future__ import annotations

import calendar
from datetime import date


def add_months(day: date, months: int) -> date:
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def request_due(received_on: date) -> date:
    """When a data subject request must be answered: one month after receipt."""
    return add_months(received_on, 1)


def latest_extension(due_on: date) -> date:
    """The furthest an answer may be postponed: two further months."""
    return add_months(due_on, 2)
