"""A case's SLA state, decided once and used twice: on one case in Python
(``sla_state``: pages, the API, the timeline) and as a condition over many cases in SQL
(``sla_condition``: the list filter). The tests check that both agree.

The two targets of a case, first response and resolution, each have a due time (none
when no policy applies). A target is

- *met* when done (first response given, case resolved) by its due time;
- *breached* when done late, when its due time passed while its clock ran, or when the
  SLA job recorded the breach (a breach stays one);
- *at risk* while running past its warning time (``*_warn_at``, the policy's "warn
  before" in business minutes ahead of the due time).

The case's state: **none** without due times; **breached** when any target is;
otherwise **met** once the case is resolved or closed, or when no target is still
running; **paused** while waiting on the customer (the clocks stop and the due times
move on resume); **at risk** when a running target is past its warning time; else
**on track**."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import F, Q

# The statuses of a case not resolved or closed yet.
ACTIVE_STATUSES = ("new", "open", "waiting", "reopened")
ON_TRACK, AT_RISK, BREACHED, MET, PAUSED, NONE = (
    "on_track",
    "at_risk",
    "breached",
    "met",
    "paused",
    "none",
)
# (due field, done field, breach flag, warning time) per target.
TARGETS = (
    (
        "first_response_due",
        "first_response_at",
        "first_response_breached_at",
        "first_response_warn_at",
    ),
    ("resolution_due", "resolved_at", "resolution_breached_at", "resolution_warn_at"),
)


def _breached(case: Any, now: datetime.datetime, running: bool) -> bool:
    for due_name, done_name, flag_name, _warn in TARGETS:
        due, done = getattr(case, due_name), getattr(case, done_name)
        if due is None:
            continue
        if getattr(case, flag_name) is not None:
            return True
        if done is not None and done > due:
            return True
        if done is None and running and due <= now:
            return True
    return False


def sla_state(case: Any, now: datetime.datetime) -> str:
    """The state of ``case`` at ``now``."""
    if all(getattr(case, due) is None for due, _done, _flag, _warn in TARGETS):
        return NONE
    active = case.status in ACTIVE_STATUSES
    paused = case.paused_since is not None
    if _breached(case, now, active and not paused):
        return BREACHED
    if not active:
        return MET
    if paused:
        return PAUSED
    running = [
        warn_name
        for due_name, done_name, _flag, warn_name in TARGETS
        if getattr(case, due_name) is not None and getattr(case, done_name) is None
    ]
    if not running:
        return MET
    for warn_name in running:
        warn = getattr(case, warn_name)
        if warn is not None and warn <= now:
            return AT_RISK
    return ON_TRACK


def _conditions(now: datetime.datetime) -> dict[str, Q]:
    active = Q(status__in=ACTIVE_STATUSES)
    clock_runs = active & Q(paused_since__isnull=True)
    none = Q(first_response_due__isnull=True, resolution_due__isnull=True)
    breached = Q(pk__in=[])
    pending = Q(pk__in=[])
    warned = Q(pk__in=[])
    for due, done, flag, warn in TARGETS:
        has_due = Q(**{f"{due}__isnull": False})
        breached |= has_due & (
            Q(**{f"{flag}__isnull": False})
            | Q(**{f"{done}__isnull": False, f"{done}__gt": F(due)})
            | (clock_runs & Q(**{f"{done}__isnull": True, f"{due}__lte": now}))
        )
        running = has_due & Q(**{f"{done}__isnull": True})
        pending |= running
        warned |= running & Q(**{f"{warn}__isnull": False, f"{warn}__lte": now})
    counted = ~none & ~breached
    return {
        NONE: none,
        BREACHED: ~none & breached,
        MET: counted & (~active | (Q(paused_since__isnull=True) & ~pending)),
        PAUSED: counted & active & Q(paused_since__isnull=False),
        AT_RISK: counted & clock_runs & warned,
        ON_TRACK: counted & clock_runs & pending & ~warned,
    }


def sla_condition(state: str, now: datetime.datetime) -> Q:
    """The cases in ``state`` at ``now``, as a filter."""
    return _conditions(now)[state]
