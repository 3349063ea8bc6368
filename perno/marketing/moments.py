"""Moments of truth: interactions that strongly shaped how a customer feels.

Listed on the contact's page, newest first:

- activities a user flagged strongly positive or negative (a complaint call, a rescued
  delivery, praise);
- survey answers that are strongly positive (NPS 9-10 with S >= 90 or CSAT 5, or any
  of them when the others were not asked) or strongly negative (NPS 0-3, S <= 30 or
  CSAT 1-2)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from perno.accounts.permissions import restrict
from perno.activities.models import Activity
from perno.marketing.models import Response

POSITIVE_NPS, NEGATIVE_NPS = 9, 3
POSITIVE_S, NEGATIVE_S = 90, 30
POSITIVE_CSAT, NEGATIVE_CSAT = 5, 2

NEGATIVE = Q(nps__lte=NEGATIVE_NPS) | Q(satisfaction__lte=NEGATIVE_S) | Q(csat__lte=NEGATIVE_CSAT)
POSITIVE = (
    Q(nps__gte=POSITIVE_NPS) | Q(satisfaction__gte=POSITIVE_S) | Q(csat__gte=POSITIVE_CSAT)
) & ~NEGATIVE


def response_moment(response: Any) -> str:
    """ "negative", "positive" or "" for one response (the rule above, in Python)."""
    nps, s, csat = response.nps, response.satisfaction, response.csat
    if (
        (nps is not None and nps <= NEGATIVE_NPS)
        or (s is not None and s <= NEGATIVE_S)
        or (csat is not None and csat <= NEGATIVE_CSAT)
    ):
        return "negative"
    if (
        (nps is not None and nps >= POSITIVE_NPS)
        or (s is not None and s >= POSITIVE_S)
        or (csat is not None and csat >= POSITIVE_CSAT)
    ):
        return "positive"
    return ""


def for_contact(contact: Any, user: Any, limit: int = 20) -> list[dict[str, Any]]:

    found: list[dict[str, Any]] = []
    activities = (
        restrict(Activity.objects.all(), user)
        .filter(contact=contact)
        .exclude(moment="")
        .order_by("-created_at")[:limit]
    )
    for activity in activities:
        found.append(
            {
                "when": activity.completed_at or activity.created_at,
                "kind": activity.moment,
                "source": activity.get_kind_display(),
                "text": activity.subject,
                "url": activity.get_absolute_url(),
            }
        )
    responses = (
        Response.objects.filter(contact=contact)
        .filter(POSITIVE | NEGATIVE)
        .select_related("survey")
        .order_by("-submitted_at")[:limit]
    )
    for response in responses:
        parts = []
        if response.nps is not None:
            parts.append(f"NPS {response.nps}")
        if response.satisfaction is not None:
            parts.append(f"S {response.satisfaction:.0f}")
        if response.csat is not None:
            parts.append(f"CSAT {response.csat}")
        found.append(
            {
                "when": response.submitted_at,
                "kind": response_moment(response),
                "source": _("Survey"),
                "text": f"{response.survey.name}: {', '.join(parts)}",
                "url": "",
            }
        )
    found.sort(key=lambda m: m["when"], reverse=True)
    return found[:limit]
