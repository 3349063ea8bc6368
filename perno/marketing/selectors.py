"""Every read of surveys and segments goes through these, with the user."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet

from perno.accounts.permissions import obtain, restrict, sees_all
from perno.contacts.models import Contact
from perno.marketing.filters import SegmentFilter, SurveyFilter
from perno.marketing.models import Response, Segment, Survey
from perno.records.filtering import apply_filters


def _people(user: Any) -> QuerySet[Contact] | None:
    """The contacts whose answers and invitations ``user`` may count: None when they see
    every contact (the aggregates rule of ``accounts.permissions.sees_all``)."""
    return None if sees_all(user, "contact") else restrict(Contact.objects.all(), user, "view")


def survey_list(*, user: Any, filters: Any = None) -> QuerySet[Survey]:
    people = _people(user)
    answered = Q() if people is None else Q(responses__contact__in=people)
    invited = Q() if people is None else Q(invitations__contact__in=people)
    qs = (
        restrict(Survey.objects.all(), user, "view")
        .select_related("owner", "team", "purpose")
        .annotate(
            response_count=Count("responses", filter=answered, distinct=True),
            invitation_count=Count("invitations", filter=invited, distinct=True),
        )
    )
    return apply_filters(SurveyFilter, filters, qs)


def survey_responses(*, user: Any, survey: Survey) -> QuerySet[Response]:
    """The answers to ``survey`` that count for ``user``: those of the contacts they may
    see (all answers, anonymous ones included, for who sees every contact)."""
    responses = Response.objects.filter(survey=survey)
    people = _people(user)
    return responses if people is None else responses.filter(contact__in=people)


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


def invitation_stats(survey: Survey, *, user: Any) -> dict[str, int]:
    invitations = survey.invitations.all()
    people = _people(user)
    if people is not None:
        invitations = invitations.filter(contact__in=people)
    return invitations.aggregate(
        total=Count("pk"),
        sent=Count("pk", filter=Q(sent_at__isnull=False)),
        failed=Count("pk", filter=~Q(send_error="")),
        answered=Count("pk", filter=Q(answered_at__isnull=False)),
    )
