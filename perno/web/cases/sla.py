"""A case's SLA state as the pages show it: a coloured badge with the time left to the
next due time (or how long it is overdue), and the SLA panel of the case page (each
target's due time, and whether it was met, breached, is at risk or paused).

Everything is read from the case's own row (no query): the list shows a badge per row.
Times are shown in the time zone the view activated (the user's)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.timesince import timeuntil
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from perno.cases.models import Case
from perno.cases.states import ACTIVE_STATUSES, TARGETS

STATE_CLASSES = {
    "on_track": "text-bg-success",
    "at_risk": "text-bg-warning",
    "breached": "text-bg-danger",
    "paused": "text-bg-secondary",
    "met": "text-bg-light border",
    "none": "text-bg-light border",
}
TARGET_LABELS = {
    "first_response": gettext_lazy("First response"),
    "resolution": gettext_lazy("Resolution"),
}
TARGET_STATES = {
    "met": gettext_lazy("Met"),
    "breached": gettext_lazy("Breached"),
    "at_risk": gettext_lazy("At risk"),
    "on_track": gettext_lazy("On track"),
    "paused": gettext_lazy("Paused"),
    "none": gettext_lazy("No target"),
}


def duration_text(delta: datetime.timedelta) -> str:
    """A span of time in words, at most two units ("2 hours, 15 minutes"), translated
    by Django's own catalogue."""
    now = timezone.now()
    text = timeuntil(now + abs(delta), now, depth=2)
    return str(text).replace("\xa0", " ")


def _clock_runs(case: Case) -> bool:
    return case.status in ACTIVE_STATUSES and case.paused_since is None


def next_due(case: Case) -> datetime.datetime | None:
    """The earliest due time of a target still running (not done yet)."""
    dues = [
        getattr(case, due)
        for due, done, _flag, _warn in TARGETS
        if getattr(case, due) is not None and getattr(case, done) is None
    ]
    return min(dues) if dues else None


def badge_text(case: Case, state: str, now: datetime.datetime) -> str:
    """The badge's words: the state, and the time left or overdue when a clock runs."""
    label = str(dict(Case.SlaState.choices).get(state, state))
    due = next_due(case)
    if due is None or not _clock_runs(case) or state in ("met", "none"):
        return label
    if due > now:
        return _("%(state)s · %(time)s left") % {
            "state": label,
            "time": duration_text(due - now),
        }
    return _("%(state)s · overdue by %(time)s") % {
        "state": label,
        "time": duration_text(now - due),
    }


def badge(case: Case, now: datetime.datetime | None = None) -> SafeString:
    """The SLA badge of a list row or a page: coloured by state, the due time in the
    title (in the active time zone)."""
    now = now or timezone.now()
    state = case.sla_state
    due = next_due(case)
    title = (
        _("Due %(when)s") % {"when": date_format(timezone.localtime(due), "SHORT_DATETIME_FORMAT")}
        if due is not None
        else ""
    )
    return format_html(
        '<span class="badge {}" data-sla="{}" title="{}">{}</span>',
        STATE_CLASSES.get(state, STATE_CLASSES["none"]),
        state,
        title,
        badge_text(case, state, now),
    )


@dataclass
class TargetView:
    """One target of the SLA panel."""

    key: str
    label: str
    due: datetime.datetime | None
    done: datetime.datetime | None
    state: str
    state_label: str
    css: str
    remaining: str  # "2 hours left" / "overdue by 3 hours" / ""


def target_state(case: Case, index: int, now: datetime.datetime) -> str:
    due_name, done_name, flag_name, warn_name = TARGETS[index]
    due, done = getattr(case, due_name), getattr(case, done_name)
    if due is None:
        return "none"
    if getattr(case, flag_name) is not None or (done is not None and done > due):
        return "breached"
    if done is not None:
        return "met"
    if case.status not in ACTIVE_STATUSES:
        return "met"
    if case.paused_since is not None:
        return "paused"
    if due <= now:
        return "breached"
    warn = getattr(case, warn_name)
    if warn is not None and warn <= now:
        return "at_risk"
    return "on_track"


def targets(case: Case, now: datetime.datetime | None = None) -> list[TargetView]:
    """The first-response and resolution targets of ``case`` for the SLA panel."""
    now = now or timezone.now()
    out = []
    for index, key in enumerate(("first_response", "resolution")):
        due_name, done_name, _flag, _warn = TARGETS[index]
        due, done = getattr(case, due_name), getattr(case, done_name)
        state = target_state(case, index, now)
        remaining = ""
        if due is not None and done is None and state in ("on_track", "at_risk", "breached"):
            if due > now:
                remaining = _("%(time)s left") % {"time": duration_text(due - now)}
            else:
                remaining = _("overdue by %(time)s") % {"time": duration_text(now - due)}
        out.append(
            TargetView(
                key=key,
                label=str(TARGET_LABELS[key]),
                due=due,
                done=done,
                state=state,
                state_label=str(TARGET_STATES[state]),
                css=STATE_CLASSES.get(state, STATE_CLASSES["none"]),
                remaining=remaining,
            )
        )
    return out


def sla_context(case: Case) -> dict[str, Any]:
    """What the SLA panel shows."""
    return {
        "sla_badge": badge(case),
        "sla_targets": targets(case),
        "sla_paused": case.paused_since is not None,
    }
