from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from perno.contacts.models import Company, Contact
from perno.records.filtering import RecordFilter, SearchFilter, SortFilter


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
