"""The ``health`` filter of the contact, company and deal lists: the rows with one
problem of the health check, by the same condition the check counts with (so the list
a figure links to has as many rows as the figure)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from perno.health.checks import Context, apply, checks_for, find


class HealthFilter(django_filters.ChoiceFilter):
    def __init__(self, subject: str, **kwargs: Any) -> None:
        self.subject = subject
        super().__init__(choices=lambda: self.choices_now(), label=_("Health check"), **kwargs)

    def choices_now(self) -> list[tuple[str, Any]]:
        out = []
        for check in checks_for(self.subject):
            if check.kind == "missing":
                label = _("Missing: %(field)s") % {"field": check.label}
            else:
                label = check.label
            out.append((check.key, label))
        return out

    def filter(self, qs: QuerySet, value: str) -> QuerySet:
        if not value:
            return qs
        check = find(self.subject, value)
        if check is None:  # the form's choices refuse it first; a field removed meanwhile
            return qs.none()
        return apply(qs, check, Context(scope={self.subject: qs}))


def health_filter(subject: str) -> HealthFilter:
    return HealthFilter(subject)
