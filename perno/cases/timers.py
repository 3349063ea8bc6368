"""The SLA clocks of a case, on the business calendar of its policy (``perno.sla``).

The services call these on the locked row, inside their transaction; each returns the
fields it changed (a dict for ``record_update``) and sets them on the case too.

- ``apply_policy``: on create and when the priority or the contact changes: the policy
  for the case's priority and customer (``sla.selectors.policy_for``) and the due and
  warning times of the targets still running, counted from the case's creation plus
  the business minutes it spent paused so far;
- ``pause`` / ``resume``: waiting on the customer stops the clocks; on resume the due
  and warning times of the running targets move later by the business minutes paused;
- ``reopen``: a resolved case reopened: its resolution target runs again, moved later
  by the business minutes it stayed resolved (unless it had already been missed).

A calendar that has no working hours left gives no due time (the target is dropped)."""

from __future__ import annotations

import datetime
from typing import Any

from perno.sla.clock import add_business_minutes, business_minutes_between
from perno.sla.selectors import policy_for

FIELDS = (
    "sla_policy",
    "first_response_due",
    "resolution_due",
    "first_response_warn_at",
    "resolution_warn_at",
    "first_response_warned_at",
    "resolution_warned_at",
    "paused_since",
    "sla_paused_minutes",
)


DONE = {"first_response": "first_response_at", "resolution": "resolved_at"}


def _add(calendar: Any, start: datetime.datetime, minutes: int) -> datetime.datetime | None:
    try:
        return add_business_minutes(calendar, start, max(0, int(minutes)))
    except ValueError:
        return None  # the calendar never opens again: no deadline


def _between(calendar: Any, start: datetime.datetime, end: datetime.datetime) -> int:
    try:
        return int(business_minutes_between(calendar, start, end))
    except ValueError:
        return 0


def _set(case: Any, changes: dict[str, Any], name: str, value: Any) -> None:
    current = case.sla_policy_id if name == "sla_policy" else getattr(case, name)
    if current != getattr(value, "pk", value):
        changes[name] = value
    setattr(case, name, value)


def _targets(case: Any) -> list[tuple[str, str, int]]:
    """(target, done field, minutes) of the policy's targets."""
    policy = case.sla_policy
    return [
        ("first_response", DONE["first_response"], policy.first_response_minutes),
        ("resolution", DONE["resolution"], policy.resolution_minutes),
    ]


def _schedule(case: Any, changes: dict[str, Any], now: datetime.datetime) -> None:
    """Due and warning times of the running targets, from the creation time."""
    policy = case.sla_policy
    warn_before = int(policy.warn_before_minutes or 0)
    for target, done, minutes in _targets(case):
        if getattr(case, done) is not None:
            continue  # over: its due time stays what it was measured against
        total = int(minutes) + int(case.sla_paused_minutes or 0)
        due = _add(policy.calendar, case.created_at, total)
        warn = (
            _add(policy.calendar, case.created_at, total - warn_before)
            if warn_before and due is not None
            else None
        )
        _set(case, changes, f"{target}_due", due)
        _set(case, changes, f"{target}_warn_at", warn)
        if warn is not None and warn > now and getattr(case, f"{target}_warned_at"):
            _set(case, changes, f"{target}_warned_at", None)  # a new warning will be due


def apply_policy(case: Any, now: datetime.datetime) -> dict[str, Any]:
    """Find the case's policy and set its due times (create, priority or contact
    change)."""
    changes: dict[str, Any] = {}
    policy = policy_for(priority=int(case.priority), contact=case.contact_id)
    _set(case, changes, "sla_policy", policy)
    if policy is None:
        for target, done in DONE.items():
            if getattr(case, done) is not None:
                continue  # over: measured against the due time it had
            _set(case, changes, f"{target}_due", None)
            _set(case, changes, f"{target}_warn_at", None)
        return changes
    _schedule(case, changes, now)
    return changes


def pause(case: Any, now: datetime.datetime) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    if case.paused_since is None:
        _set(case, changes, "paused_since", now)
    return changes


def resume(case: Any, now: datetime.datetime) -> dict[str, Any]:
    """Leaving "waiting on customer": the clocks run again, the due times later by the
    business minutes paused."""
    changes: dict[str, Any] = {}
    since = case.paused_since
    if since is None:
        return changes
    _set(case, changes, "paused_since", None)
    policy = case.sla_policy
    if policy is not None:
        _shift_running(case, changes, _between(policy.calendar, since, now), now)
    return changes


def _shift_running(
    case: Any, changes: dict[str, Any], minutes: int, now: datetime.datetime
) -> None:
    policy = case.sla_policy
    if policy is None or minutes <= 0:
        return
    _set(case, changes, "sla_paused_minutes", int(case.sla_paused_minutes or 0) + minutes)
    for target, done, _minutes in _targets(case):
        if getattr(case, done) is not None:
            continue  # over: measured against the due time it had
        for name in (f"{target}_due", f"{target}_warn_at"):
            value = getattr(case, name)
            if value is not None:
                _set(case, changes, name, _add(policy.calendar, value, minutes))
        warn = getattr(case, f"{target}_warn_at")
        if warn is not None and warn > now and getattr(case, f"{target}_warned_at"):
            _set(case, changes, f"{target}_warned_at", None)


def reopen(case: Any, now: datetime.datetime) -> dict[str, Any]:
    """A resolved case reopened: the resolution target runs again. If it had been met,
    its due time moves later by the business minutes the case stayed resolved; a
    missed one stays missed."""
    changes: dict[str, Any] = {}
    resolved = case.resolved_at
    _set(case, changes, "resolved_at", None)
    policy = case.sla_policy
    due = case.resolution_due
    if policy is None or resolved is None or due is None or resolved > due:
        return changes
    if case.resolution_breached_at is not None:
        return changes
    _shift_running(case, changes, _between(policy.calendar, resolved, now), now)
    return changes
