"""Product pages: list, detail, create, edit, delete."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from perno.records.reads import record_shown
from perno.sales import selectors, services
from perno.sales.models import Product
from perno.web.editing import RecordFormView
from perno.web.lists import RecordListView
from perno.web.sales.common import detail_page
from perno.web.sales.forms import ProductForm
from perno.web.sales.tables import PRODUCTS


class ProductListView(RecordListView):
    config = PRODUCTS


@login_required
def product_detail(request: HttpRequest, pk: int) -> HttpResponse:
    product = record_shown(selectors.product_get(user=request.user, pk=pk), user=request.user)
    return detail_page(request, product, "product", "sales/product_detail.html")


class ProductCreateView(RecordFormView):
    form_class = ProductForm
    model = Product
    title = gettext_lazy("New product")

    def save(self, request: HttpRequest, form: Any, obj: Any) -> Any:
        return services.product_create(
            actor=request.user, data=form.record_data(), tags=form.tag_names()
        )


class ProductUpdateView(RecordFormView):
    form_class = ProductForm
    get_object = selectors.product_get
    title = gettext_lazy("Edit product")

    def save(self, request: HttpRequest, form: Any, obj: Any) -> Any:
        return services.product_update(
            actor=request.user,
            product=obj,
            data=form.record_data(),
            expected_version=form.cleaned_data.get("version"),
            tags=form.tag_names(),
        )


@login_required
@require_POST
def product_delete(request: HttpRequest, pk: int) -> HttpResponse:
    services.product_delete(
        actor=request.user,
        product=record_shown(
            selectors.product_get(user=request.user, pk=pk, action="delete"),
            user=request.user,
            purpose="delete",
        ),
    )
    return HttpResponseRedirect("/products/")
