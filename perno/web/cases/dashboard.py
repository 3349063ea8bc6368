"""The care dashboard page: open cases per queue and status, SLA compliance per week,
first-response and resolution times, the satisfaction trend and per-agent figures, for
a period (the last weeks) and a queue. The figures come from ``cases.dashboard``
(computed over the cases the user may see); this module draws them."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from perno.accounts.permissions import can
from perno.activities.calendar_time import calendar_zone
from perno.analytics import charts as analytics_charts
from perno.cases import config, dashboard, selectors
from perno.cases.models import Case
from perno.cases.states import ACTIVE_STATUSES
from perno.web.cases.charts import BREACHED, MET, STATUS_COLORS, stacked

PERIODS = {
    4: gettext_lazy("Last 4 weeks"),
    8: gettext_lazy("Last 8 weeks"),
    13: gettext_lazy("Last 13 weeks"),
    26: gettext_lazy("Last 26 weeks"),
    52: gettext_lazy("Last 52 weeks"),
}
DEFAULT_WEEKS = 8


def _weeks(value: str) -> int:
    try:
        weeks = int(value)
    except ValueError:
        return DEFAULT_WEEKS
    return weeks if weeks in PERIODS else DEFAULT_WEEKS


def _queue(value: str) -> Any:
    if not value.isdecimal() or len(value) > 12:
        return None
    return selectors.queue_list().filter(pk=int(value)).first()


def _week_label(week: Any) -> str:
    return date_format(week, "SHORT_DATE_FORMAT")


def _open_chart(figures: dict[str, Any], queue: Any) -> dict[str, Any]:
    queues: dict[Any, str] = {}
    for row in figures["rows"]:
        queues.setdefault(row["queue_id"], row["queue"])
    counts = {(r["queue_id"], r["status"]): r["count"] for r in figures["rows"]}
    labels = dict(Case.Status.choices)
    return stacked(
        list(queues.values()),
        [
            {
                "name": labels[status],
                "color": STATUS_COLORS[status],
                "values": [counts.get((pk, status), 0) for pk in queues],
            }
            for status in ACTIVE_STATUSES
        ],
    )


def _compliance_chart(weeks: list[dict[str, Any]], target: str) -> dict[str, Any]:
    return stacked(
        [_week_label(w["week"]) for w in weeks],
        [
            {"name": _("Met"), "color": MET, "values": [w[target]["met"] for w in weeks]},
            {
                "name": _("Breached"),
                "color": BREACHED,
                "values": [w[target]["breached"] for w in weeks],
            },
        ],
    )


def _csat_chart(weeks: list[dict[str, Any]]) -> dict[str, Any]:
    return analytics_charts.bars(
        [
            {
                "label": _week_label(w["week"]),
                "value": w["csat"] or 0,
                "text": f"{w['csat']:.2f}" if w["csat"] is not None else "—",
            }
            for w in weeks
        ],
        color="#6f42c1",
    )


def minutes_text(minutes: float | None) -> str:
    """A duration in minutes for people: "45 min", "3.5 h", "2.1 days"."""
    if minutes is None:
        return "—"
    if minutes < 60:
        return _("%(m)s min") % {"m": number_format(minutes, 0)}
    if minutes < 48 * 60:
        return _("%(h)s h") % {"h": number_format(minutes / 60, 1)}
    return _("%(d)s days") % {"d": number_format(minutes / 1440, 1)}


def _memberships(user: Any) -> list[Any]:
    """The user's own queue memberships (to say whether they take new cases)."""
    return [
        member
        for queue in selectors.queue_list().filter(memberships__user=user).distinct()
        for member in queue.memberships.all()
        if member.user_id == user.pk
    ]


def _list_url(**filters: Any) -> str:
    return f"{reverse('cases:case_list')}?{urlencode({k: v for k, v in filters.items() if v})}"


@login_required
def care_dashboard(request: HttpRequest) -> HttpResponse:
    """Every logged-in user may open it; the figures count the cases they may see
    (none for a role without cases, which the page says)."""
    user = request.user
    weeks = _weeks(request.GET.get("weeks", ""))
    queue = _queue(request.GET.get("queue", ""))
    zone = calendar_zone(user)
    period = dashboard.Period.last_weeks(weeks, zone=zone)
    figures = dashboard.dashboard(user=user, period=period, queue=queue)
    queue_id = queue.pk if queue else ""
    compliance = figures["compliance"]
    labels = dict(Case.SlaState.choices)
    context = {
        "figures": figures,
        "sees_cases": can(user, "view", "case"),
        "period": period,
        "weeks": weeks,
        "periods": list(PERIODS.items()),
        "memberships": _memberships(user),
        "queues": list(
            selectors.queue_list().select_related(None).prefetch_related(None).only("id", "name")
        ),
        "queue": queue,
        "open_chart": _open_chart(figures["open"], queue),
        "first_response_chart": _compliance_chart(compliance["weeks"], "first_response"),
        "resolution_chart": _compliance_chart(compliance["weeks"], "resolution"),
        "csat_chart": _csat_chart(figures["satisfaction"]["weeks"]),
        "status_labels": dict(Case.Status.choices),
        "open_url": _list_url(status="active", queue=queue_id),
        "sla_rows": [
            {
                "code": state,
                "label": labels[state],
                "count": figures["open"]["sla"][state],
                "url": _list_url(status="active", sla=state, queue=queue_id),
            }
            for state in dashboard.SLA_STATES
        ],
        "times": {
            kind: {key: minutes_text(values[key]) for key in ("median", "p90")}
            for kind, values in figures["times"].items()
        },
    }
    for row in figures["agents"]:
        row["url"] = _list_url(assignee=row["assignee_id"], status="active", queue=queue_id)
        row["first_response_text"] = minutes_text(row["first_response_median"])
        row["resolution_text"] = minutes_text(row["resolution_median"])
    with timezone.override(zone):
        return render(request, "cases/pages/dashboard.html", context)


@login_required
@require_POST
def queue_availability(request: HttpRequest, pk: int) -> HttpResponse:
    """A member says whether they take new cases of a queue now (round robin skips
    them while they are away); 404 for a queue they are not a member of."""
    queue = selectors.queue_get(pk=pk)
    available = request.POST.get("available") == "1"
    config.queue_availability_set(actor=request.user, queue=queue, available=available)
    if available:
        messages.success(request, _("You take new cases of “%(queue)s” again.") % {"queue": queue})
    else:
        messages.success(
            request, _("You are away for “%(queue)s”: new cases go to others.") % {"queue": queue}
        )
    return HttpResponseRedirect(reverse("cases:care_dashboard"))
