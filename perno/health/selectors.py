"""Reads of the health check: the latest snapshot, its history and the chart."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from perno.analytics import charts
from perno.health.figures import GATED, may_see, visible
from perno.health.models import HealthSnapshot

HISTORY_DAYS = 365


def latest() -> HealthSnapshot | None:
    return HealthSnapshot.objects.order_by("-day").first()


def before(day: date, *, user: Any = None) -> HealthSnapshot | None:
    """The latest snapshot taken before ``day`` (its score as ``user`` may see it)."""
    found = HealthSnapshot.objects.filter(day__lt=day).order_by("-day").first()
    if found is not None and user is not None:
        found.score = visible(found.figures, user)["score"]
    return found


def history(days: int = HISTORY_DAYS, *, user: Any = None) -> list[HealthSnapshot]:
    """The snapshots of the last ``days``; for ``user``, each with the score of what they
    may see (``figures.visible``: without the privacy figures for who lacks the right),
    so the chart does not tell what the page leaves out."""
    since = timezone.localdate() - timedelta(days=days)
    rows = HealthSnapshot.objects.filter(day__gte=since).order_by("day")
    if user is None or all(may_see(user, group) for group in GATED):
        return list(rows.only("day", "score"))
    snapshots = list(rows)
    for snapshot in snapshots:
        snapshot.score = visible(snapshot.figures, user)["score"]
    return snapshots


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
