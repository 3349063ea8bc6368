from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from perno.accounts.models import User
from perno.activities.models import Activity
from perno.records.filtering import RecordFilter, SearchFilter, SortFilter


class ActivityFilter(RecordFilter):
    q = SearchFilter(fields=("subject", "description"))
    kind = django_filters.ChoiceFilter(choices=Activity.Kind.choices, label=_("Kind"))
    status = django_filters.ChoiceFilter(choices=Activity.Status.choices, label=_("Status"))
    priority = django_filters.ChoiceFilter(choices=Activity.Priority.choices, label=_("Priority"))
    assignee = django_filters.ModelChoiceFilter(
        queryset=User.objects.filter(is_active=True), label=_("Assignee")
    )
    due_after = django_filters.DateFilter(
        field_name="due_at", lookup_expr="date__gte", label=_("Due from")
    )
    due_before = django_filters.DateFilter(
        field_name="due_at", lookup_expr="date__lte", label=_("Due until")
    )
    company = django_filters.NumberFilter(field_name="company_id", label=_("Company"))
    contact = django_filters.NumberFilter(field_name="contact_id", label=_("Contact"))
    deal = django_filters.NumberFilter(field_name="deal_id", label=_("Deal"))
    sort = SortFilter(
        orderings={
            "due": ("due_at", "id"),
            "subject": ("subject", "id"),
            "priority": ("priority", "id"),
            "created": ("created_at", "id"),
        },
        labels={
            "due": _("Due"),
            "subject": _("Subject"),
            "priority": _("Priority"),
            "created": _("Created"),
        },
    )

    class Meta:
        model = Activity
        fields: list[str] = []
