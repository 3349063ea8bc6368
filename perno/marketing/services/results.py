"""Survey results: NPS and CSAT overall and per group, computed in SQL."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery

from perno.analytics.models import CustomerScore
from perno.analytics.refresh import latest
from perno.marketing.models import Response

FIGURES = {
    "n": Count("pk"),
    "nps_n": Count("pk", filter=Q(nps__isnull=False)),
    "promoters": Count("pk", filter=Q(nps__gte=9)),
    "detractors": Count("pk", filter=Q(nps__lte=6)),
    "csat_n": Count("pk", filter=Q(csat__isnull=False)),
    "satisfied": Count("pk", filter=Q(csat__gte=4)),
}


def _rates(figures: dict[str, Any]) -> dict[str, Any]:
    nps_n, csat_n = figures["nps_n"], figures["csat_n"]
    figures["nps"] = (figures["promoters"] - figures["detractors"]) * 100 / nps_n if nps_n else None
    figures["passives"] = nps_n - figures["promoters"] - figures["detractors"]
    figures["csat"] = figures["satisfied"] * 100 / csat_n if csat_n else None
    return figures


def nps_csat(responses: QuerySet[Response]) -> dict[str, Any]:
    """NPS (% answering 9-10 minus % answering 0-6) and CSAT (% answering 4-5), by SQL."""
    return _rates(responses.aggregate(**FIGURES))


GROUPS = ("audience", "language", "rfm_segment", "matrix")


def nps_csat_by(responses: QuerySet[Response], group: str) -> list[dict[str, Any]]:
    """NPS and CSAT per group: "audience" (B2B/B2C), "language", or the respondent's
    "rfm_segment" or "matrix" class in the latest analytics snapshot; one SQL query."""

    if group not in GROUPS:
        raise ValueError(group)
    if group in ("rfm_segment", "matrix"):
        snapshot = latest()
        if snapshot is None:
            return []
        key: Any = Subquery(
            CustomerScore.objects.filter(snapshot=snapshot, contact=OuterRef("contact")).values(
                group
            )[:1]
        )
    else:
        key = F(group)
    rows = (
        responses.order_by()
        .annotate(group=key)
        .values("group")
        .annotate(**FIGURES)
        .order_by("group")
    )
    return [_rates(dict(row)) for row in rows]
