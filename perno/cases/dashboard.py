"""The care dashboard's figures, for the page (``web/cases/dashboard.py``) and the API.

The aggregates rule (docs/architecture.md §0): every figure is computed over the cases
the user may see (``restrict``), and the database does the work — counts, conditional
counts and, for the medians and 90th percentiles, window functions (nearest rank:
the value at rank ⌈p·n⌉ of the durations in order), on PostgreSQL and SQLite alike. No
figure is computed by looping over cases in Python; Python only fills the weeks that
had nothing with zeros and turns durations into minutes.

Cases merged into another are left out (they are the same request counted once, in
the case that was kept).

- ``open_cases``: the cases not resolved yet, per queue and status, and per SLA state;
- ``sla_compliance``: per week, the targets met and breached (first response and
  resolution). A target counts in the week it was decided: when it was done in time
  (met), or when its due time passed (breached: done late, never done while its
  clock ran, or recorded as breached by the SLA job);
- ``handling_times``: first-response and resolution times (median and 90th
  percentile) of the cases answered or resolved in the period, in elapsed minutes
  from the case's opening (the business clock, ``sla.clock``, works in Python per
  calendar; stored business durations would be needed to rank them in SQL);
- ``agent_figures``: per assignee, the open cases, those resolved in the period, the
  targets breached in the period and the median times;
- ``satisfaction``: per week, the CSAT average and the NPS of the answers to the
  satisfaction surveys sent after cases were resolved (``cases.satisfaction``; answers
  of contacts the user may see, about cases the user may see)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    Avg,
    Count,
    DateTimeField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
    Window,
)
from django.db.models import Case as Choose
from django.db.models.functions import RowNumber, TruncWeek
from django.utils import timezone

from perno.accounts.permissions import restrict, sees_all
from perno.cases.models import Case, Queue
from perno.cases.states import ACTIVE_STATUSES, TARGETS, sla_condition
from perno.contacts.models import Contact
from perno.marketing.models import Response

PROMOTER, DETRACTOR = 9, 6  # NPS: 9-10 promote, 0-6 detract
MAX_WEEKS = 104
TARGET_NAMES = ("first_response", "resolution")
SLA_STATES = ("on_track", "at_risk", "breached", "paused", "met", "none")


@dataclass(frozen=True)
class Period:
    """Whole weeks (Monday 00:00 in ``zone``) from ``start`` up to ``end`` (now)."""

    start: datetime.datetime
    end: datetime.datetime
    zone: datetime.tzinfo

    @classmethod
    def last_weeks(
        cls, weeks: int, *, zone: datetime.tzinfo, now: datetime.datetime | None = None
    ) -> Period:
        """The current week and the ``weeks - 1`` before it."""
        weeks = max(1, min(int(weeks), MAX_WEEKS))
        now = now or timezone.now()
        local = now.astimezone(zone)
        monday = (local - datetime.timedelta(days=local.weekday())).date()
        first = monday - datetime.timedelta(weeks=weeks - 1)
        start = datetime.datetime.combine(first, datetime.time.min, tzinfo=zone)
        return cls(start=start, end=now, zone=zone)

    def weeks(self) -> list[datetime.date]:
        """The Monday of every week of the period, oldest first."""
        first = self.start.astimezone(self.zone).date()
        last = self.end.astimezone(self.zone).date()
        out = []
        day = first - datetime.timedelta(days=first.weekday())
        while day <= last:
            out.append(day)
            day += datetime.timedelta(weeks=1)
        return out


def care_cases(*, user: Any, queue: Queue | None = None) -> QuerySet[Case]:
    """The cases the figures are computed over: those ``user`` may see (in ``queue``),
    without the cases merged into another."""
    qs = restrict(Case.objects.all(), user, "view").filter(merged_into__isnull=True)
    if queue is not None:
        qs = qs.filter(queue=queue)
    return qs


def _week_of(value: Any) -> datetime.date:
    return value.date() if isinstance(value, datetime.datetime) else value


# --- open cases ---------------------------------------------------------------------


def open_cases(*, user: Any, queue: Queue | None = None) -> dict[str, Any]:
    """The open cases per queue and status, and per SLA state now."""
    active = care_cases(user=user, queue=queue).filter(status__in=ACTIVE_STATUSES)
    rows = list(
        active.order_by()
        .values("queue_id", "queue__name", "status")
        .annotate(count=Count("id"))
        .order_by("queue__name", "queue_id", "status")
    )
    now = timezone.now()
    states = active.order_by().aggregate(
        **{state: Count("id", filter=sla_condition(state, now)) for state in SLA_STATES}
    )
    return {
        "rows": [
            {
                "queue_id": r["queue_id"],
                "queue": r["queue__name"],
                "status": r["status"],
                "count": r["count"],
            }
            for r in rows
        ],
        "total": sum(r["count"] for r in rows),
        "sla": {state: int(states[state] or 0) for state in SLA_STATES},
    }


# --- SLA compliance ------------------------------------------------------------------


def _target_conditions(target: str, now: datetime.datetime) -> tuple[Q, Q, str, str]:
    """(met, breached, due field, done field) of one target, as conditions."""
    due, done, flag, _warn = TARGETS[TARGET_NAMES.index(target)]
    has_due = Q(**{f"{due}__isnull": False})
    clock_runs = Q(status__in=ACTIVE_STATUSES, paused_since__isnull=True)
    met = has_due & Q(**{f"{done}__isnull": False, f"{done}__lte": F(due), f"{flag}__isnull": True})
    breached = has_due & (
        Q(**{f"{flag}__isnull": False})
        | Q(**{f"{done}__isnull": False, f"{done}__gt": F(due)})
        | (clock_runs & Q(**{f"{done}__isnull": True, f"{due}__lte": now}))
    )
    return met, breached, due, done


def _decided(target: str, now: datetime.datetime) -> tuple[Any, Q, Q]:
    """When a target was decided (done in time: when done; breached: its due time),
    with its met and breached conditions."""
    met, breached, due, done = _target_conditions(target, now)
    moment = Choose(
        When(met, then=F(done)),
        When(breached, then=F(due)),
        default=Value(None),
        output_field=DateTimeField(),
    )
    return moment, met, breached


def sla_compliance(*, user: Any, period: Period, queue: Queue | None = None) -> dict[str, Any]:
    """Per week of ``period``: the first-response and resolution targets met and
    breached, with the totals and the share met (None without decided targets)."""
    now = timezone.now()
    cases = care_cases(user=user, queue=queue)
    weeks: dict[datetime.date, dict[str, dict[str, int]]] = {
        week: {name: {"met": 0, "breached": 0} for name in TARGET_NAMES} for week in period.weeks()
    }
    for target in TARGET_NAMES:
        moment, met, breached = _decided(target, now)
        rows = (
            cases.order_by()
            .annotate(decided=moment)
            .filter(decided__gte=period.start, decided__lt=period.end)
            .annotate(week=TruncWeek("decided", tzinfo=period.zone))
            .values("week")
            .annotate(met=Count("id", filter=met), breached=Count("id", filter=breached))
            .order_by("week")
        )
        for row in rows:
            bucket = weeks.get(_week_of(row["week"]))
            if bucket is not None:
                bucket[target] = {"met": row["met"], "breached": row["breached"]}
    totals = {
        name: {
            "met": sum(w[name]["met"] for w in weeks.values()),
            "breached": sum(w[name]["breached"] for w in weeks.values()),
        }
        for name in TARGET_NAMES
    }
    for figures in totals.values():
        decided = figures["met"] + figures["breached"]
        figures["rate"] = round(100 * figures["met"] / decided, 1) if decided else None  # type: ignore[assignment]
    return {
        "weeks": [{"week": week, **values} for week, values in weeks.items()],
        "totals": totals,
    }


# --- handling times --------------------------------------------------------------------

TIMES = {
    "first_response": ("first_response_at", "created_at"),
    "resolution": ("resolved_at", "created_at"),
}


def _minutes(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, datetime.timedelta):
        return round(value.total_seconds() / 60, 1)
    return round(float(value) / 60_000_000, 1)  # microseconds (SQLite without a converter)


def _percentiles(qs: QuerySet[Case], kind: str, by: str | None = None) -> dict[Any, dict]:
    """The count, median and 90th percentile (nearest rank) of a duration, per ``by``
    (one group, key None, without it), from one query with window functions."""
    end, start = TIMES[kind]
    partition = [F(by)] if by else None
    took = ExpressionWrapper(F(end) - F(start), output_field=DurationField())
    ranked = qs.order_by().annotate(
        took=took,
        rank=Window(RowNumber(), partition_by=partition, order_by=[F("took").asc(), F("id").asc()]),
        total=Window(Count("id"), partition_by=partition),
    )
    half = ExpressionWrapper((F("total") + 1) / 2, output_field=IntegerField())
    ninety = ExpressionWrapper((F("total") * 9 + 9) / 10, output_field=IntegerField())
    rows = ranked.filter(Q(rank=half) | Q(rank=ninety)).values(by or "id", "rank", "total", "took")
    out: dict[Any, dict] = {}
    for row in rows:
        key = row[by] if by else None
        total = int(row["total"])
        entry = out.setdefault(key, {"count": total, "median": None, "p90": None})
        minutes = _minutes(row["took"])
        if row["rank"] == (total + 1) // 2:
            entry["median"] = minutes
        if row["rank"] == (total * 9 + 9) // 10:
            entry["p90"] = minutes
    return out


def _done_in(qs: QuerySet[Case], kind: str, period: Period) -> QuerySet[Case]:
    end, _start = TIMES[kind]
    return qs.filter(**{f"{end}__gte": period.start, f"{end}__lt": period.end})


def handling_times(*, user: Any, period: Period, queue: Queue | None = None) -> dict[str, Any]:
    """First-response and resolution times of the cases answered (resolved) in the
    period: count, median and 90th percentile in minutes."""
    cases = care_cases(user=user, queue=queue)
    empty = {"count": 0, "median": None, "p90": None}
    return {
        kind: _percentiles(_done_in(cases, kind, period), kind).get(None, dict(empty))
        for kind in TIMES
    }


# --- per agent -----------------------------------------------------------------------


def _breached_in(period: Period, now: datetime.datetime) -> Q:
    """Cases with a target breached that was due in the period."""
    condition = Q(pk__in=[])
    for target in TARGET_NAMES:
        _met, breached, due, _done = _target_conditions(target, now)
        condition |= breached & Q(**{f"{due}__gte": period.start, f"{due}__lt": period.end})
    return condition


def agent_figures(*, user: Any, period: Period, queue: Queue | None = None) -> list[dict]:
    """Per assignee: open cases, cases resolved in the period, cases with a target
    breached in the period, and the median first-response and resolution times."""
    now = timezone.now()
    cases = care_cases(user=user, queue=queue).filter(assignee__isnull=False)
    active = Q(status__in=ACTIVE_STATUSES)
    resolved = Q(resolved_at__gte=period.start, resolved_at__lt=period.end)
    breached = _breached_in(period, now)
    rows = list(
        cases.filter(active | resolved | breached)
        .order_by()
        .values(
            "assignee_id",
            "assignee__username",
            "assignee__first_name",
            "assignee__last_name",
        )
        .annotate(
            open=Count("id", filter=active),
            resolved=Count("id", filter=resolved),
            breaches=Count("id", filter=breached),
        )
        .order_by("assignee__username", "assignee_id")
    )
    medians = {
        kind: _percentiles(_done_in(cases, kind, period), kind, by="assignee_id") for kind in TIMES
    }
    out = []
    for row in rows:
        pk = row["assignee_id"]
        name = " ".join(
            part for part in (row["assignee__first_name"], row["assignee__last_name"]) if part
        )
        out.append(
            {
                "assignee_id": pk,
                "name": name or row["assignee__username"],
                "open": row["open"],
                "resolved": row["resolved"],
                "breaches": row["breaches"],
                "first_response_median": medians["first_response"].get(pk, {}).get("median"),
                "resolution_median": medians["resolution"].get(pk, {}).get("median"),
            }
        )
    return out


# --- satisfaction ----------------------------------------------------------------------


def satisfaction(*, user: Any, period: Period, queue: Queue | None = None) -> dict[str, Any]:
    """Per week: the answers to the surveys sent after cases were resolved, their CSAT
    average (1-5) and NPS (-100…100)."""
    after_case = care_cases(user=user, queue=queue).filter(
        satisfaction_invitation=OuterRef("invitation")
    )
    answers = Response.objects.filter(submitted_at__gte=period.start, submitted_at__lt=period.end)
    if not sees_all(user, "contact"):
        answers = answers.filter(contact__in=restrict(Contact.objects.all(), user, "view"))
    rows = (
        answers.filter(Exists(after_case))
        .annotate(week=TruncWeek("submitted_at", tzinfo=period.zone))
        .order_by()
        .values("week")
        .annotate(
            answered=Count("id"),
            csat_avg=Avg("csat"),
            csat_count=Count("csat"),
            nps_count=Count("nps"),
            promoters=Count("id", filter=Q(nps__gte=PROMOTER)),
            detractors=Count("id", filter=Q(nps__lte=DETRACTOR)),
        )
        .order_by("week")
    )
    found = {_week_of(row["week"]): row for row in rows}
    weeks = []
    totals = {"answers": 0, "csat_count": 0, "csat_sum": 0.0, "nps_count": 0, "nps_net": 0}
    for week in period.weeks():
        row = found.get(week)
        if row is None:
            weeks.append({"week": week, "answers": 0, "csat": None, "nps": None})
            continue
        nps = (
            round(100 * (row["promoters"] - row["detractors"]) / row["nps_count"])
            if row["nps_count"]
            else None
        )
        csat = round(float(row["csat_avg"]), 2) if row["csat_avg"] is not None else None
        weeks.append({"week": week, "answers": row["answered"], "csat": csat, "nps": nps})
        totals["answers"] += row["answered"]
        totals["csat_count"] += row["csat_count"]
        totals["csat_sum"] += float(row["csat_avg"] or 0) * row["csat_count"]
        totals["nps_count"] += row["nps_count"]
        totals["nps_net"] += row["promoters"] - row["detractors"]
    return {
        "weeks": weeks,
        "answers": totals["answers"],
        "csat": round(totals["csat_sum"] / totals["csat_count"], 2)
        if totals["csat_count"]
        else None,
        "nps": round(100 * totals["nps_net"] / totals["nps_count"])
        if totals["nps_count"]
        else None,
    }


def dashboard(*, user: Any, period: Period, queue: Queue | None = None) -> dict[str, Any]:
    """Every figure of the care dashboard."""
    return {
        "open": open_cases(user=user, queue=queue),
        "compliance": sla_compliance(user=user, period=period, queue=queue),
        "times": handling_times(user=user, period=period, queue=queue),
        "agents": agent_figures(user=user, period=period, queue=queue),
        "satisfaction": satisfaction(user=user, period=period, queue=queue),
    }
