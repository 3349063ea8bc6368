from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet
from django.utils import timezone
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
    todo = django_filters.BooleanFilter(method="filter_todo", label=_("To-dos"))
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("Overdue"))
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

    def filter_todo(self, qs: QuerySet, name: str, value: bool | None) -> QuerySet:
        """Tasks, calls and meetings (yes), or e-mails, notes and survey answers (no)."""
        if value is None:
            return qs
        kinds = Q(kind__in=Activity.TODO_KINDS)
        return qs.filter(kinds) if value else qs.exclude(kinds)

    def filter_overdue(self, qs: QuerySet, name: str, value: bool | None) -> QuerySet:
        """Open with a due time already past (yes), or not (no)."""
        if value is None:
            return qs
        late = Q(status=Activity.Status.OPEN, due_at__lt=timezone.now())
        return qs.filter(late) if value else qs.exclude(late)
