"""The analytics pages: the overview and one page per model (RFM, lifetime value, loyalty
x profitability, Pareto, journey, fan portfolio) with charts and snapshot history.

Pages read stored snapshots (``perno.analytics.refresh``); they never compute."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from perno.accounts.permissions import can, restrict
from perno.analytics import charts, selectors
from perno.analytics.models import CustomerScore, Snapshot
from perno.contacts.models import Contact
from perno.marketing import fans
from perno.web.analytics.common import gate_aggregates, visible

PAGES = ("rfm", "clv", "matrix", "pareto", "journey", "fans")


def _base(request: HttpRequest, page: str) -> dict[str, Any]:
    snapshot = selectors.chosen(request.GET.get("snapshot"))
    if request.GET.get("snapshot") and snapshot is None:
        raise Http404
    before = selectors.previous(snapshot) if snapshot else None
    return {
        "page": page,
        "snapshot": snapshot,
        "before": before,
        "results": snapshot.results if snapshot else {},
        "history": list(selectors.completed()[:24]),
        "running": selectors.running(),
        "last_failed": Snapshot.objects.filter(status=Snapshot.Status.FAILED).first(),
        "may_refresh": can(request.user, "manage"),
        "tabs": [
            ("home", _("Overview")),
            ("rfm", "RFM"),
            ("clv", _("Lifetime value")),
            ("matrix", _("Loyalty × profitability")),
            ("pareto", _("Pareto")),
            ("journey", _("Journey")),
            ("fans", _("Fan portfolio")),
        ],
    }


def _list_url(snapshot: Snapshot | None, **filters: str) -> str:
    if snapshot is None:
        return ""
    query = "&".join(f"{k}={v}" for k, v in filters.items())
    return f"{reverse('analytics:customers')}?snapshot={snapshot.pk}&{query}"


def _segment_bars(context: dict[str, Any]) -> dict[str, Any]:
    results, snapshot = context["results"], context["snapshot"]
    counts = results.get("rfm_segments", {})
    labels = dict(CustomerScore.Segment.choices)
    return charts.bars(
        [
            {
                "label": labels[code],
                "value": counts.get(code, 0),
                "color": selectors.SEGMENT_COLORS[code],
                "url": _list_url(snapshot, segment=code),
            }
            for code in selectors.SEGMENT_COLORS
        ]
    )


def _changes(context: dict[str, Any], key: str, choices: list[tuple[str, Any]]) -> list[dict]:
    def counts(results: dict[str, Any]) -> dict[str, int]:
        return (
            results.get("matrix", {}).get("counts", {}) if key == "matrix" else results.get(key, {})
        )

    current = counts(context["results"])
    before = context["before"]
    old = counts(before.results) if before is not None else None
    moved = selectors.movement(current, old)
    total = sum(current.values()) or 1
    return [
        {
            "code": code,
            "label": label,
            "count": current.get(code, 0),
            "share": current.get(code, 0) / total * 100,
            "change": moved.get(code),
        }
        for code, label in choices
    ]


@login_required
def home(request: HttpRequest) -> HttpResponse:
    gate_aggregates(request)
    context = _base(request, "home")
    if context["snapshot"] is not None:
        context["segment_chart"] = _segment_bars(context)
        pareto = context["results"].get("pareto", {})
        if pareto.get("curve"):
            context["lorenz"] = charts.line(pareto["curve"], size=220)
    return render(request, "analytics/home.html", context)


@login_required
def model_page(request: HttpRequest, page: str) -> HttpResponse:
    gate_aggregates(request)
    if page not in PAGES:
        raise Http404
    context = _base(request, page)
    snapshot, results = context["snapshot"], context["results"]
    if page == "fans":
        context.update(_fans(request))
    elif snapshot is not None:
        if page == "rfm":
            context["segment_chart"] = _segment_bars(context)
            context["grid"] = charts.heatmap(results.get("rfm_grid", [[0] * 5] * 5))
            context["rows"] = _changes(context, "rfm_segments", list(CustomerScore.Segment.choices))
            descriptions = selectors.segment_descriptions()
            for row in context["rows"]:
                row["why"] = descriptions[row["code"]]
                row["url"] = _list_url(snapshot, segment=row["code"])
        elif page == "clv":
            histogram = results.get("p_alive_histogram", [])
            context["alive_chart"] = charts.bars(
                [
                    {"label": f"{i * 10}–{i * 10 + 10}%", "value": count}
                    for i, count in enumerate(histogram)
                ],
                color="#198754",
            )
            context["top"] = (
                CustomerScore.objects.filter(snapshot=snapshot, clv__isnull=False)
                .order_by("-clv")
                .filter(visible(request.user))[:20]
                .select_related("contact", "company")
            )
        elif page == "matrix":
            rows = _changes(context, "matrix", list(CustomerScore.Matrix.choices))
            treatments = selectors.matrix_treatments()
            for row in rows:
                row["treatment"] = treatments[row["code"]]
                row["url"] = _list_url(snapshot, matrix=row["code"])
                row["color"] = selectors.MATRIX_COLORS[row["code"]]
            context["quadrants"] = {row["code"]: row for row in rows}
            context["rows"] = rows
        elif page == "pareto":
            pareto = results.get("pareto", {})
            context["lorenz"] = charts.line(pareto.get("curve") or [[0, 0], [1, 1]], size=320)
        elif page == "journey":
            rows = _changes(context, "journey", list(CustomerScore.Journey.choices))
            rules = selectors.journey_rules()

            prospects = restrict(Contact.objects.all(), request.user).exclude(
                pk__in=CustomerScore.objects.filter(
                    snapshot=snapshot, contact__isnull=False
                ).values("contact_id")
            )
            for row in rows:
                row["why"] = rules[row["code"]]
                row["url"] = _list_url(snapshot, journey=row["code"])
                if row["code"] == "attraction":
                    row["count"] = prospects.count()
                    row["url"] = ""
            context["rows"] = rows
            context["journey_chart"] = charts.bars(
                [
                    {
                        "label": row["label"],
                        "value": row["count"],
                        "color": selectors.JOURNEY_COLORS[row["code"]],
                    }
                    for row in rows
                ]
            )
    return render(request, f"analytics/{page}.html", context)


def _fans(request: HttpRequest) -> dict[str, Any]:
    """The fan portfolio: satisfaction x bond scatter over the five regions, share per
    type, fan quota, movement since the previous period; a region lists its contacts."""

    try:
        period = max(1, min(int(request.GET.get("period", "90")), 3650))
    except ValueError:
        period = 90
    data = fans.portfolio(period_days=period)
    t = data["thresholds"]
    names, colors = fans.TYPES, fans.COLORS
    regions = [
        {"code": "fan", "x0": t.satisfied, "x1": 100, "y0": t.fan, "y1": 100},
        {"code": "sympathizer", "x0": t.satisfied, "x1": 100, "y0": t.sympathizer, "y1": t.fan},
        {"code": "mercenary", "x0": t.satisfied, "x1": 100, "y0": 0, "y1": t.sympathizer},
        {"code": "captive", "x0": 0, "x1": t.satisfied, "y0": t.sympathizer, "y1": 100},
        {"code": "opponent", "x0": 0, "x1": t.satisfied, "y0": 0, "y1": t.sympathizer},
    ]
    for region in regions:
        region.update(
            {
                "label": names[region["code"]],
                "color": colors[region["code"]],
                "url": f"{reverse('analytics:page', args=['fans'])}?type={region['code']}#members",
            }
        )
    chart = charts.scatter(
        [
            (p["satisfaction"], p["bond"], f"S {p['satisfaction']:.0f}, B {p['bond']:.0f}")
            for p in data["points"][:5000]
        ],
        regions,
    )
    treatments = fans.treatments()
    rows = [
        {
            "code": code,
            "label": names[code],
            "count": data["counts"][code],
            "share": data["shares"][code],
            "change": data["change"][code] if data["before_total"] else None,
            "treatment": treatments[code],
            "color": colors[code],
        }
        for code in names
    ]
    chosen = request.GET.get("type", "")
    members = None
    if chosen in names:
        members = (
            restrict(Contact.objects.all(), request.user)
            .filter(pk__in=fans.contacts_of_type(chosen))
            .order_by("last_name", "first_name", "pk")[:200]
        )
    return {
        "portfolio": data,
        "chart": chart,
        "rows": rows,
        "chosen": chosen if chosen in names else "",
        "chosen_label": names.get(chosen, ""),
        "members": members,
        "moves": [
            {**m, "from_label": names[m["from"]], "to_label": names[m["to"]]} for m in data["moves"]
        ],
        "may_segment": can(request.user, "create", "segment"),
    }
