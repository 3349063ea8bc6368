"""Each user's history with records, for ranking: a decayed "frecency" per user and
record. Record pages and API reads note what they showed (through
``perno.records.reads.record_shown``, called where a record is shown); the middleware writes the notes after the
response has been sent, so reading a record is not slowed down."""

from __future__ import annotations

import contextvars
import logging
import math
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import DatabaseError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from perno.search.models import SearchVisit
from perno.search.registry import KINDS

logger = logging.getLogger(__name__)

HALF_LIFE_DAYS = 14.0
DECAY = math.log(2) / HALF_LIFE_DAYS  # per day
VIEW, EDIT = 1.0, 2.0

_pending: contextvars.ContextVar[list[tuple[int, str, int, float]] | None] = contextvars.ContextVar(
    "perno_search_visits", default=None
)


def _days(moment: Any) -> float:
    return moment.timestamp() / 86400.0


def note(user: Any, obj: Any, weight: float = VIEW) -> None:
    """Remember that ``user`` opened (or edited) ``obj``; written after the response."""
    pending = _pending.get()
    kind = obj._meta.model_name
    if pending is None or kind not in KINDS or not getattr(user, "pk", None):
        return
    pending.append((user.pk, kind, obj.pk, weight))


def record(user_id: int, kind: str, object_id: int, weight: float = VIEW, now: Any = None) -> None:
    """Add one visit: score = score decayed to now + weight; rank = ln(score) + λ·t."""

    now = now or timezone.now()
    with transaction.atomic():
        visit, _created = SearchVisit.objects.select_for_update().get_or_create(
            user_id=user_id, kind=kind, object_id=object_id, defaults={"last_at": now}
        )
        elapsed = max(0.0, _days(now) - _days(visit.last_at))
        visit.score = visit.score * math.exp(-DECAY * elapsed) + weight
        visit.rank = math.log(visit.score) + DECAY * _days(now)
        visit.visits += 1
        visit.last_at = now
        visit.save()


def purge_expired(now: Any = None) -> int:
    """Delete visits whose last moment is older than PERNO_SEARCH_HISTORY_DAYS."""

    cutoff = (now or timezone.now()) - timedelta(days=settings.PERNO_SEARCH_HISTORY_DAYS)
    deleted, _rows = SearchVisit.objects.filter(last_at__lt=cutoff).delete()
    return deleted


def flush(visits: list[tuple[int, str, int, float]]) -> None:
    seen: dict[tuple[int, str, int], float] = {}
    for user_id, kind, object_id, weight in visits:
        key = (user_id, kind, object_id)
        seen[key] = max(seen.get(key, 0.0), weight)
    for (user_id, kind, object_id), weight in seen.items():
        try:
            record(user_id, kind, object_id, weight)
        except DatabaseError:  # the record may be gone; history is best effort
            logger.warning("could not record a visit to %s %s", kind, object_id)


class HistoryMiddleware:
    """Collects the records a request hands out and writes the visits once the response
    is closed (after its body has been sent)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        visits: list[tuple[int, str, int, float]] = []
        token = _pending.set(visits)
        try:
            response = self.get_response(request)
        finally:
            _pending.reset(token)
        if visits and response.status_code < 400:
            response._resource_closers.append(lambda: flush(visits))  # type: ignore[attr-defined]
        return response
