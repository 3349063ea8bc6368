from __future__ import annotations

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(name="perno.analytics.tasks.refresh_task")
def refresh_task(snapshot_id: int, actor_id: int | None = None) -> str:
    """Compute a snapshot started from the page or the API."""
    from perno.accounts.models import User
    from perno.analytics import refresh
    from perno.analytics.models import Snapshot

    snapshot = Snapshot.objects.filter(pk=snapshot_id, status=Snapshot.Status.RUNNING).first()
    if snapshot is None:
        return "gone"
    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    return refresh.run(snapshot, actor=actor).status


@shared_task(name="perno.analytics.tasks.daily_refresh_task")
def daily_refresh_task() -> str:
    """The refresh of the day: once a day (a day that has a completed or running snapshot
    is skipped). The schedule runs it through ``perno.marketing.tasks.daily_insight_task``,
    which then recounts the segments that follow the new scores."""
    from django.utils import timezone

    from perno.analytics import refresh
    from perno.analytics.models import Snapshot

    today = timezone.localdate()
    if Snapshot.objects.filter(as_of=today).exclude(status=Snapshot.Status.FAILED).exists():
        return "done today"
    try:
        status = refresh.refresh(today).status
    except refresh.RefreshRefused as exc:
        logger.info("scheduled analytics refresh skipped: %s", exc)
        return "skipped"
    return status
