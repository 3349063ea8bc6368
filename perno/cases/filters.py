"""The case list's filters, for the page and the API alike."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from perno.accounts.models import User
from perno.cases.models import Case, CaseCategory, Queue
from perno.cases.states import ACTIVE_STATUSES, sla_condition
from perno.records.filtering import RecordFilter, SearchFilter, SortFilter

ACTIVE = "active"


class CaseFilter(RecordFilter):
    q = SearchFilter(fields=("subject", "description"))
    status = django_filters.ChoiceFilter(
        choices=[(ACTIVE, _("Not resolved yet")), *Case.Status.choices],
        method="filter_status",
        label=_("Status"),
    )
    queue = django_filters.ModelChoiceFilter(queryset=Queue.objects.all(), label=_("Queue"))
    category = django_filters.ModelChoiceFilter(
        queryset=CaseCategory.objects.all(), label=_("Category")
    )
    priority = django_filters.ChoiceFilter(choices=Case.Priority.choices, label=_("Priority"))
    channel = django_filters.ChoiceFilter(choices=Case.Channel.choices, label=_("Channel"))
    assignee = django_filters.ModelChoiceFilter(
        queryset=User.objects.filter(is_active=True), label=_("Assignee")
    )
    unassigned = django_filters.BooleanFilter(
        field_name="assignee", lookup_expr="isnull", label=_("Unassigned")
    )
    sla = django_filters.ChoiceFilter(
        choices=Case.SlaState.choices, method="filter_sla", label=_("SLA")
    )
    contact = django_filters.NumberFilter(field_name="contact_id", label=_("Contact"))
    company = django_filters.NumberFilter(field_name="company_id", label=_("Company"))
    sort = SortFilter(
        orderings={
            "created": ("created_at", "id"),
            "number": ("number",),
            "subject": ("subject", "id"),
            "priority": ("priority", "created_at", "id"),
            "due": ("resolution_due", "id"),
            "updated": ("updated_at", "id"),
        },
        labels={
            "created": _("Opened"),
            "number": _("Number"),
            "subject": _("Subject"),
            "priority": _("Priority"),
            "due": _("Resolution due"),
            "updated": _("Changed"),
        },
    )

    class Meta:
        model = Case
        fields: list[str] = []

    def filter_status(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        """One status, or every status not resolved or closed yet ("active")."""
        if not value:
            return qs
        if value == ACTIVE:
            return qs.filter(status__in=ACTIVE_STATUSES)
        return qs.filter(status=value)

    def filter_sla(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        """The cases in this SLA state now."""
        if not value:
            return qs
        return qs.filter(sla_condition(value, timezone.now()))
