"""Order pages: list, detail, create and edit with their lines, delete."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from perno.records.reads import record_shown
from perno.sales import selectors, services
from perno.sales.models import Order
from perno.web.editing import RecordFormView
from perno.web.lists import RecordListView
from perno.web.sales.common import detail_page
from perno.web.sales.forms import OrderForm, order_line_rows, order_lines_from_post
from perno.web.sales.tables import ORDERS


class OrderListView(RecordListView):
    config = ORDERS


@login_required
def order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    order = record_shown(selectors.order_get(user=request.user, pk=pk), user=request.user)
    return detail_page(request, order, "order", "sales/order_detail.html", lines=order.lines.all())


class _OrderFormView(RecordFormView):
    form_class = OrderForm
    template_name = "sales/order_form.html"

    def form(self, request: HttpRequest, obj: Any, data: Any = None, files: Any = None) -> Any:
        built = super().form(request, obj, data, files)
        built.line_rows = order_line_rows(data, obj)
        built.products = selectors.product_list(user=request.user).filter(is_active=True)[:500]
        return built


class OrderCreateView(_OrderFormView):
    model = Order
    title = gettext_lazy("New order")

    def initial(self, request: HttpRequest) -> dict[str, Any]:

        return {
            "contact": request.GET.get("contact"),
            "company": request.GET.get("company"),
            "ordered_on": timezone.localdate(),
        }

    def save(self, request: HttpRequest, form: Any, obj: Any) -> Any:
        return services.order_create(
            actor=request.user,
            data=form.record_data(),
            lines=order_lines_from_post(request.POST),
            tags=form.tag_names(),
        )


class OrderUpdateView(_OrderFormView):
    get_object = selectors.order_get
    title = gettext_lazy("Edit order")

    def save(self, request: HttpRequest, form: Any, obj: Any) -> Any:
        return services.order_update(
            actor=request.user,
            order=obj,
            data=form.record_data(),
            expected_version=form.cleaned_data.get("version"),
            lines=order_lines_from_post(request.POST),
            tags=form.tag_names(),
        )


@login_required
@require_POST
def order_delete(request: HttpRequest, pk: int) -> HttpResponse:
    services.order_delete(
        actor=request.user,
        order=record_shown(
            selectors.order_get(user=request.user, pk=pk, action="delete"),
            user=request.user,
            purpose="delete",
        ),
    )
    messages.success(request, _("Order deleted."))
    return HttpResponseRedirect("/orders/")
