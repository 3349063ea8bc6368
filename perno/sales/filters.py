from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from perno.contacts.models import Company, Contact
from perno.records.filtering import RecordFilter, SearchFilter, SortFilter
from perno.sales.models import CURRENCY_CHOICES, Deal, Lead, Order, Pipeline, Product, Stage


class LeadFilter(RecordFilter):
    q = SearchFilter(fields=("first_name", "last_name", "company_name", "email", "phone"))
    status = django_filters.ChoiceFilter(choices=Lead.Status.choices, label=_("Status"))
    source = django_filters.ChoiceFilter(choices=Lead.Source.choices, label=_("Source"))
    sort = SortFilter(
        orderings={
            "name": ("last_name", "first_name", "id"),
            "company": ("company_name", "id"),
            "status": ("status", "id"),
            "created": ("created_at", "id"),
        },
        labels={
            "name": _("Name"),
            "company": _("Company"),
            "status": _("Status"),
            "created": _("Created"),
        },
    )

    class Meta:
        model = Lead
        fields: list[str] = []


class DealFilter(RecordFilter):
    q = SearchFilter(fields=("title", "company__name"))
    pipeline = django_filters.ModelChoiceFilter(
        queryset=Pipeline.objects.all(), label=_("Pipeline")
    )
    stage = django_filters.ModelChoiceFilter(queryset=Stage.objects.all(), label=_("Stage"))
    status = django_filters.ChoiceFilter(choices=Deal.Status.choices, label=_("Status"))
    currency = django_filters.ChoiceFilter(choices=CURRENCY_CHOICES, label=_("Currency"))
    company = django_filters.ModelChoiceFilter(queryset=Company.objects.all(), label=_("Company"))
    contact = django_filters.ModelChoiceFilter(queryset=Contact.objects.all(), label=_("Contact"))
    amount_min = django_filters.NumberFilter(
        field_name="amount", lookup_expr="gte", label=_("Amount from")
    )
    amount_max = django_filters.NumberFilter(
        field_name="amount", lookup_expr="lte", label=_("Amount to")
    )
    closing_after = django_filters.DateFilter(
        field_name="expected_close_date", lookup_expr="gte", label=_("Closing from")
    )
    closing_before = django_filters.DateFilter(
        field_name="expected_close_date", lookup_expr="lte", label=_("Closing until")
    )
    sort = SortFilter(
        orderings={
            "title": ("title", "id"),
            "amount": ("amount", "id"),
            "close": ("expected_close_date", "id"),
            "created": ("created_at", "id"),
            "probability": ("probability", "id"),
        },
        labels={
            "title": _("Title"),
            "amount": _("Amount"),
            "close": _("Expected close date"),
            "created": _("Created"),
            "probability": _("Probability"),
        },
    )

    class Meta:
        model = Deal
        fields: list[str] = []


class ProductFilter(RecordFilter):
    q = SearchFilter(fields=("name", "sku", "description"))
    is_active = django_filters.BooleanFilter(label=_("Active"))
    sort = SortFilter(
        orderings={"name": ("name", "id"), "sku": ("sku", "id"), "price": ("unit_price", "id")},
        labels={"name": _("Name"), "sku": _("Code"), "price": _("Unit price")},
    )

    class Meta:
        model = Product
        fields: list[str] = []


class OrderFilter(RecordFilter):
    q = SearchFilter(fields=("number", "contact__last_name", "company__name"))
    status = django_filters.ChoiceFilter(choices=Order.Status.choices, label=_("Status"))
    source = django_filters.ChoiceFilter(choices=Order.Source.choices, label=_("Source"))
    currency = django_filters.ChoiceFilter(choices=CURRENCY_CHOICES, label=_("Currency"))
    company = django_filters.ModelChoiceFilter(queryset=Company.objects.all(), label=_("Company"))
    contact = django_filters.ModelChoiceFilter(queryset=Contact.objects.all(), label=_("Contact"))
    ordered_after = django_filters.DateFilter(
        field_name="ordered_on", lookup_expr="gte", label=_("Ordered from")
    )
    ordered_before = django_filters.DateFilter(
        field_name="ordered_on", lookup_expr="lte", label=_("Ordered until")
    )
    sort = SortFilter(
        orderings={
            "date": ("ordered_on", "id"),
            "total": ("total", "id"),
            "number": ("number", "id"),
        },
        labels={"date": _("Date"), "total": _("Total"), "number": _("Order id")},
    )

    class Meta:
        model = Order
        fields: list[str] = []
