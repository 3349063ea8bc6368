"""Privacy filters added to other apps' lists at start-up."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from perno.privacy.models import Purpose
from perno.privacy.rules import processable


def _processable(queryset: QuerySet, name: str, value: Purpose | None) -> QuerySet:
    """Purpose limitation for lists, exports and the API: one rule, in SQL."""
    return processable(queryset, value) if value is not None else queryset


def purpose_filter() -> Any:
    """ "May be processed for": only contacts with a valid basis for the purpose now."""
    return django_filters.ModelChoiceFilter(
        queryset=Purpose.objects.filter(is_active=True),
        to_field_name="code",
        method=_processable,
        label=_("May be processed for"),
        help_text=_(
            "Only contacts with a valid basis for this purpose now (consent given, no objection or restriction)."
        ),
    )
