"""Shared filter pieces: one FilterSet per record type serves the UI and the API."""

from __future__ import annotations

from typing import Any

import django_filters
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from perno.accounts.models import Team, User
from perno.core.inputs import moment_problem
from perno.records.models import Tag


class SortFilter(django_filters.ChoiceFilter):
    """``sort=name`` / ``sort=-name``: each key maps to a full, stable ordering."""

    def __init__(
        self, orderings: dict[str, tuple[str, ...]], labels: dict[str, Any], **kwargs: Any
    ):
        self.orderings = orderings
        choices = []
        for key in orderings:
            label = labels.get(key, key)
            choices += [(key, label), (f"-{key}", label)]
        super().__init__(choices=choices, label=_("Sort"), **kwargs)

    def filter(self, qs: QuerySet, value: str) -> QuerySet:
        if not value:
            return qs
        descending = value.startswith("-")
        fields = self.orderings[value.lstrip("-")]
        if descending:
            fields = tuple(f[1:] if f.startswith("-") else f"-{f}" for f in fields)
        return qs.order_by(*fields)


class SearchFilter(django_filters.CharFilter):
    """Search-as-filter: every word must appear in one of the fields."""

    def __init__(self, fields: tuple[str, ...], **kwargs: Any):
        self.search_fields = fields
        super().__init__(label=_("Search"), **kwargs)

    def filter(self, qs: QuerySet, value: str) -> QuerySet:
        for word in (value or "").split()[:8]:
            condition = Q()
            for field in self.search_fields:
                condition |= Q(**{f"{field}__icontains": word})
            qs = qs.filter(condition)
        return qs


class RecordFilter(django_filters.FilterSet):
    owner = django_filters.ModelChoiceFilter(
        queryset=User.objects.filter(is_active=True), label=_("Owner")
    )
    team = django_filters.ModelChoiceFilter(queryset=Team.objects.all(), label=_("Team"))
    tag = django_filters.ModelChoiceFilter(
        field_name="tags", queryset=Tag.objects.all(), label=_("Tag")
    )
    created_after = django_filters.DateFilter(
        field_name="created_at", lookup_expr="date__gte", label=_("Created from")
    )
    created_before = django_filters.DateFilter(
        field_name="created_at", lookup_expr="date__lte", label=_("Created until")
    )


def apply_filters(
    filterset_class: type[django_filters.FilterSet], data: Any, queryset: QuerySet
) -> QuerySet:
    """Apply a FilterSet; invalid input raises ValidationError with a message per field."""
    if not data:
        return queryset
    filterset = filterset_class(data=data, queryset=queryset)
    if not filterset.is_valid():
        raise ValidationError(
            {key: [str(m) for m in messages] for key, messages in filterset.errors.items()}
        )
    # Dates in the range every stored date keeps to (perno.core.inputs), for every filter.
    out_of_range = {
        key: [problem]
        for key, value in filterset.form.cleaned_data.items()
        if (problem := moment_problem(value))
    }
    if out_of_range:
        raise ValidationError(out_of_range)
    return filterset.qs
