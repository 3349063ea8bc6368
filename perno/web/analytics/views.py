"""The analytics pages: one per model (RFM, lifetime value, loyalty x profitability,
Pareto, journey) with charts, the customers of a segment, snapshot history, the refresh
with its progress, and the settings.

Pages read stored snapshots (``perno.analytics.refresh``); they never compute. The
aggregates are not personal data and are shown to everyone who may view contacts; the
customer lists are limited to the contacts and companies the user may see."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from perno.accounts.permissions import can, check, restrict, sees_all
from perno.analytics import charts, refresh, selectors
from perno.analytics.models import AnalyticsSettings, CustomerScore, Snapshot
from perno.analytics.tasks import refresh_task
from perno.audit import trail
from perno.audit.models import AuditEvent
from perno.contacts.models import Company, Contact
from perno.core.pagination import paginate
from perno.marketing import fans
from perno.marketing import moments as moments_module
from perno.sales.models import CustomerCost, Order
from perno.sales.services import customer_cost_add

PAGES = ("rfm", "clv", "matrix", "pareto", "journey", "fans")


def may_view(user: Any) -> bool:
    return can(user, "view", "contact") or can(user, "view", "company")


# The snapshots are computed over every customer: they are shown only to roles that see
# every contact, company and order (the aggregates rule, accounts.permissions.sees_all).
EVERYTHING = ("contact", "company", "order")


def _gate(request: HttpRequest) -> None:
    if not may_view(request.user):
        raise PermissionDenied(
            _(
                "The analytics are for people who may view contacts or companies: ask an administrator."
            )
        )


def _gate_aggregates(request: HttpRequest) -> None:
    """The pages of a snapshot (counts, charts and totals over every customer)."""
    _gate(request)
    if not sees_all(request.user, *EVERYTHING):
        raise PermissionDenied(
            _(
                "These figures cover every customer, so they are shown only to roles that see all contacts, companies and orders, confidential ones included. Your customers' scores are on the Customers page."
            )
        )


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
    _gate_aggregates(request)
    context = _base(request, "home")
    if context["snapshot"] is not None:
        context["segment_chart"] = _segment_bars(context)
        pareto = context["results"].get("pareto", {})
        if pareto.get("curve"):
            context["lorenz"] = charts.line(pareto["curve"], size=220)
    return render(request, "analytics/home.html", context)


@login_required
def model_page(request: HttpRequest, page: str) -> HttpResponse:
    _gate_aggregates(request)
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
                .filter(_visible(request.user))[:20]
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


def _customer(request: HttpRequest, record_type: str, pk: int) -> Any:
    """The contact or company ``pk`` if the user may view it, else 404."""

    model: Any = {"contact": Contact, "company": Company}.get(record_type)
    if model is None:
        raise Http404
    obj = restrict(model.objects.all(), request.user).filter(pk=pk).first()
    if obj is None:
        raise Http404
    return obj


def _visible(user: Any) -> Any:
    """Scores of the contacts and companies ``user`` may view."""

    return Q(contact__in=restrict(Contact.objects.all(), user)) | Q(
        company__in=restrict(Company.objects.all(), user)
    )


FILTERS = {
    "segment": ("rfm_segment", CustomerScore.Segment),
    "matrix": ("matrix", CustomerScore.Matrix),
    "journey": ("journey", CustomerScore.Journey),
}


@login_required
def customers(request: HttpRequest) -> HttpResponse:
    """The customers of one segment, matrix class or journey stage, highest value first."""
    _gate(request)
    snapshot = selectors.chosen(request.GET.get("snapshot"))
    if snapshot is None or not snapshot.scores_kept:
        raise Http404
    rows = CustomerScore.objects.filter(snapshot=snapshot).filter(_visible(request.user))
    shown: list[str] = []
    for name, (column, choices) in FILTERS.items():
        value = request.GET.get(name)
        if value:
            if value not in choices.values:
                messages.error(
                    request,
                    _("Unknown %(name)s “%(value)s”; use one of: %(known)s.")
                    % {"name": name, "value": value, "known": ", ".join(choices.values)},
                )
                return HttpResponseRedirect(reverse("analytics:overview"))
            rows = rows.filter(**{column: value})
            shown.append(choices(value).label)
    rows = rows.select_related("contact", "company").order_by("-revenue", "pk")
    try:
        number = int(request.GET.get("page", "1"))
    except ValueError:
        number = 1
    page = paginate(rows, number, 50)
    trail.record_list(actor=request.user, model=CustomerScore, ids=[s.pk for s in page.items])
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "analytics/customers.html",
        {
            "snapshot": snapshot,
            "page_obj": page,
            "shown": shown,
            "query": query.urlencode(),
        },
    )


class SettingsForm(forms.ModelForm):
    class Meta:
        model = AnalyticsSettings
        fields = [
            "clv_months",
            "discount_rate",
            "min_history_days",
            "profit_days",
            "loyalty_split",
            "alive_split",
            "profit_split",
            "active_days",
            "fan_satisfaction",
            "fan_bond",
            "sympathizer_bond",
            "fan_recent_days",
            "keep_scores",
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        fan, sympathizer = data.get("fan_bond"), data.get("sympathizer_bond")
        if fan is not None and sympathizer is not None and sympathizer > fan:
            self.add_error(
                "sympathizer_bond",
                _("The sympathizer threshold must not be above the fan threshold (%(fan)s).")
                % {"fan": fan},
            )
        return data


@login_required
def settings_edit(request: HttpRequest) -> HttpResponse:
    check(request.user, "manage")
    config = AnalyticsSettings.current()
    form = SettingsForm(request.POST or None, instance=config)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            form.save()
            trail.record(
                actor=request.user,
                action=AuditEvent.Action.UPDATE,
                obj=config,
                subject="",
                fields=form.changed_data,
            )
        messages.success(request, _("Saved. The next refresh uses the new settings."))
        return HttpResponseRedirect(reverse("analytics:settings"))
    return render(
        request,
        "analytics/settings.html",
        {"form": form, "page": "settings"},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def refresh_start(request: HttpRequest) -> HttpResponse:
    check(request.user, "manage")

    raw = request.POST.get("as_of", "").strip()
    as_of = None
    if raw:
        try:
            as_of = date.fromisoformat(raw)
        except ValueError:
            messages.error(
                request, _("“%(value)s” is not a date: use YYYY-MM-DD.") % {"value": raw}
            )
            return HttpResponseRedirect(reverse("analytics:overview"))
    try:
        snapshot = refresh.start(as_of, actor=request.user)
    except refresh.RefreshRefused as exc:
        messages.error(request, str(exc))
        return HttpResponseRedirect(reverse("analytics:overview"))
    transaction.on_commit(lambda: refresh_task.delay(snapshot.pk, request.user.pk))
    messages.info(request, _("The refresh has started; this page shows its progress."))
    return HttpResponseRedirect(reverse("analytics:overview"))


@login_required
def status(request: HttpRequest) -> HttpResponse:
    """The progress of the running refresh, polled by the page."""
    _gate(request)
    return render(
        request,
        "analytics/partials/status.html",
        {
            "running": selectors.running(),
            "last_failed": Snapshot.objects.filter(status=Snapshot.Status.FAILED).first(),
            "snapshot": selectors.chosen(),
        },
    )


@login_required
def customer_panel(request: HttpRequest, record_type: str, pk: int) -> HttpResponse:
    """The scores of a contact or company, with why, its score history and its latest
    orders: loaded into the record's page."""

    obj = _customer(request, record_type, pk)
    costs = CustomerCost.objects.filter(**{record_type: obj})
    scores = selectors.scores_for(record_type, obj.pk)
    orders = restrict(Order.objects.all(), request.user).filter(**{record_type: obj})
    latest = scores[0] if scores else None
    fan_history: list[dict[str, Any]] = []
    moments: list[dict[str, Any]] = []
    if record_type == "contact":
        fan_history = fans.history(obj.pk)
        for row in fan_history:
            row["label"] = fans.TYPES.get(row["type"], "")
        moments = moments_module.for_contact(obj, request.user)
    return render(
        request,
        "analytics/partials/customer_panel.html",
        {
            "object": obj,
            "record_type": record_type,
            "latest": latest,
            "reasons": selectors.explain(latest) if latest else [],
            "scores": scores[:12],
            "orders": list(orders.order_by("-ordered_on", "-id")[:10]),
            "order_count": orders.count(),
            "has_orders": orders.exists(),
            "may_view_orders": can(request.user, "view", "order"),
            "fan_history": fan_history,
            "moments": moments,
            "costs": list(costs[:10]),
            "may_edit": can(request.user, "edit", obj),
        },
    )


@login_required
@require_POST
def customer_cost(request: HttpRequest, record_type: str, pk: int) -> HttpResponse:
    """Add a cost of serving a contact or company (for its contribution)."""

    obj = _customer(request, record_type, pk)
    try:
        customer_cost_add(
            actor=request.user,
            customer=obj,
            data={k: request.POST.get(k, "") for k in ("incurred_on", "amount", "description")},
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Cost recorded; the next refresh counts it."))
    return HttpResponseRedirect(obj.get_absolute_url() + "#insight")
