from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from perno.contacts.models import Company, Contact
from perno.core.filtering import RecordFilter, SearchFilter, SortFilter
from perno.privacy.models import Purpose
from perno.privacy.rules import processable


class CompanyFilter(RecordFilter):
    q = SearchFilter(fields=("name", "vat_number", "email", "industry"))
    country = django_filters.CharFilter(lookup_expr="iexact", label=_("Country"))
    industry = django_filters.CharFilter(lookup_expr="icontains", label=_("Industry"))
    sort = SortFilter(
        orderings={
            "name": ("name", "id"),
            "created": ("created_at", "id"),
            "updated": ("updated_at", "id"),
            "country": ("country", "name", "id"),
        },
        labels={
            "name": _("Name"),
            "created": _("Created"),
            "updated": _("Updated"),
            "country": _("Country"),
        },
    )

    class Meta:
        model = Company
        fields: list[str] = []


class ContactFilter(RecordFilter):
    q = SearchFilter(fields=("first_name", "last_name", "email", "phone", "mobile"))
    company = django_filters.ModelChoiceFilter(
        field_name="companies", queryset=Company.objects.all(), label=_("Company")
    )
    country = django_filters.CharFilter(lookup_expr="iexact", label=_("Country"))
    purpose = django_filters.ModelChoiceFilter(
        queryset=Purpose.objects.filter(is_active=True),
        to_field_name="code",
        method="filter_purpose",
        label=_("May be processed for"),
        help_text=_(
            "Only contacts with a valid basis for this purpose now (consent given, no objection or restriction)."
        ),
    )
    sort = SortFilter(
        orderings={
            "name": ("last_name", "first_name", "id"),
            "first_name": ("first_name", "last_name", "id"),
            "email": ("email", "id"),
            "created": ("created_at", "id"),
            "updated": ("updated_at", "id"),
        },
        labels={
            "name": _("Name"),
            "first_name": _("First name"),
            "email": _("E-mail"),
            "created": _("Created"),
            "updated": _("Updated"),
        },
    )

    class Meta:
        model = Contact
        fields: list[str] = []

    def filter_purpose(self, queryset: QuerySet, name: str, value: Purpose | None) -> QuerySet:
        """Purpose limitation for lists, exports and the API: one rule, in SQL."""
        return processable(queryset, value) if value is not None else queryset
