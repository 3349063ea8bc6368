from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from perno.marketing.models import Segment, Survey
from perno.records.filtering import RecordFilter, SearchFilter, SortFilter


class SurveyFilter(RecordFilter):
    q = SearchFilter(fields=("name",))
    status = django_filters.ChoiceFilter(choices=Survey.Status.choices, label=_("Status"))
    sort = SortFilter(
        orderings={"name": ("name", "id"), "created": ("created_at", "id")},
        labels={"name": _("Name"), "created": _("Created")},
    )

    class Meta:
        model = Survey
        fields: list[str] = []


class SegmentFilter(RecordFilter):
    q = SearchFilter(fields=("name", "description"))
    kind = django_filters.ChoiceFilter(choices=Segment.Kind.choices, label=_("Kind"))
    sort = SortFilter(
        orderings={
            "name": ("name", "id"),
            "count": ("count", "id"),
            "created": ("created_at", "id"),
        },
        labels={"name": _("Name"), "count": _("Contacts"), "created": _("Created")},
    )

    class Meta:
        model = Segment
        fields: list[str] = []
