"""Every read of surveys and segments goes through these, with the user."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet

from perno.accounts.permissions import obtain, restrict
from perno.marketing.filters import SegmentFilter, SurveyFilter
from perno.marketing.models import Segment, Survey
from perno.records.filtering import apply_filters


def survey_list(*, user: Any, filters: Any = None) -> QuerySet[Survey]:
    qs = (
        restrict(Survey.objects.all(), user, "view")
        .select_related("owner", "team", "purpose")
        .annotate(
            response_count=Count("responses", distinct=True),
            invitation_count=Count("invitations", distinct=True),
        )
    )
    return apply_filters(SurveyFilter, filters, qs)


def survey_get(*, user: Any, pk: Any, action: str = "view") -> Survey:
    return obtain(
        Survey.objects.select_related("owner", "team", "purpose").prefetch_related("tags"),
        user,
        pk,
        action,
    )


def segment_list(*, user: Any, filters: Any = None) -> QuerySet[Segment]:
    qs = restrict(Segment.objects.all(), user, "view").select_related("owner", "team")
    return apply_filters(SegmentFilter, filters, qs)


def segment_get(*, user: Any, pk: Any, action: str = "view") -> Segment:
    return obtain(
        Segment.objects.select_related("owner", "team").prefetch_related("tags"), user, pk, action
    )


def invitation_stats(survey: Survey) -> dict[str, int]:
    return survey.invitations.aggregate(
        total=Count("pk"),
        sent=Count("pk", filter=Q(sent_at__isnull=False)),
        failed=Count("pk", filter=~Q(send_error="")),
        answered=Count("pk", filter=Q(answered_at__isnull=False)),
    )
