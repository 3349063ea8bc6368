"""The customers behind the figures: the list of a segment, matrix class or journey
stage, and the insight panel of a contact or company page with its costs.

Pages read stored snapshots (``perno.analytics.refresh``); they never compute."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from perno.accounts.permissions import can, restrict
from perno.analytics import selectors
from perno.analytics.models import CustomerScore
from perno.audit import trail
from perno.contacts.models import Company, Contact
from perno.core.pagination import paginate
from perno.marketing import fans
from perno.marketing import moments as moments_module
from perno.sales.models import CustomerCost, Order
from perno.sales.services import customer_cost_add
from perno.web.analytics.common import gate, visible


def _customer(request: HttpRequest, record_type: str, pk: int) -> Any:
    """The contact or company ``pk`` if the user may view it, else 404."""

    model: Any = {"contact": Contact, "company": Company}.get(record_type)
    if model is None:
        raise Http404
    obj = restrict(model.objects.all(), request.user).filter(pk=pk).first()
    if obj is None:
        raise Http404
    return obj


FILTERS = {
    "segment": ("rfm_segment", CustomerScore.Segment),
    "matrix": ("matrix", CustomerScore.Matrix),
    "journey": ("journey", CustomerScore.Journey),
}


@login_required
def customers(request: HttpRequest) -> HttpResponse:
    """The customers of one segment, matrix class or journey stage, highest value first."""
    gate(request)
    snapshot = selectors.chosen(request.GET.get("snapshot"))
    if snapshot is None or not snapshot.scores_kept:
        raise Http404
    rows = CustomerScore.objects.filter(snapshot=snapshot).filter(visible(request.user))
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
