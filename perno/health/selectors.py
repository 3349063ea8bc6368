"""Reads of the health check: the latest snapshot, its history and the chart."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from perno.analytics import charts
from perno.health.models import HealthSnapshot

HISTORY_DAYS = 365


def latest() -> HealthSnapshot | None:
    return HealthSnapshot.objects.order_by("-day").first()


def before(day: date) -> HealthSnapshot | None:
    """The latest snapshot taken before ``day``."""
    return HealthSnapshot.objects.filter(day__lt=day).order_by("-day").first()


def history(days: int = HISTORY_DAYS) -> list[HealthSnapshot]:
    since = timezone.localdate() - timedelta(days=days)
    return list(HealthSnapshot.objects.filter(day__gte=since).order_by("day").only("day", "score"))


def chart(snapshots: list[HealthSnapshot]) -> dict[str, Any] | None:
    """The score over time as a line (the analytics charts' geometry), with the points
    for the dots and the table."""
    if not snapshots:
        return None
    first, last = snapshots[0].day, snapshots[-1].day
    span = max((last - first).days, 1)
    points = [[(s.day - first).days / span, s.score / 100] for s in snapshots]
    drawn = charts.line(points, size=320)
    pad, inner = drawn["pad"], drawn["inner"]
    drawn["dots"] = [
        {
            "x": round(pad + x * inner, 1),
            "y": round(pad + (1 - y) * inner, 1),
            "day": s.day,
            "score": s.score,
        }
        for (x, y), s in zip(points, snapshots, strict=True)
    ]
    drawn["first"], drawn["last"] = first, last
    return drawn
