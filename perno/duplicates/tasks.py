from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task

logger = logging.getLogger(__name__)

WEEK = timedelta(days=7)


@shared_task(name="perno.duplicates.tasks.find_task")
def find_task(run_id: int) -> str:
    """Run the finder for a run started from the queue page or the API."""
    from perno.duplicates import finder
    from perno.duplicates.models import FinderRun

    found = FinderRun.objects.filter(pk=run_id, status=FinderRun.Status.RUNNING).first()
    if found is None:
        return "gone"
    return finder.run(found).status


@shared_task(name="perno.duplicates.tasks.weekly_find_task")
def weekly_find_task() -> str:
    """The weekly run: checked every hour, run when the last run started a week ago."""
    from django.utils import timezone

    from perno.duplicates import finder, services
    from perno.duplicates.models import FinderRun

    if FinderRun.objects.filter(started_at__gt=timezone.now() - WEEK).exists():
        return "done this week"
    try:
        run = services.run_start(actor=None)
    except services.RunRefused:
        return "running"
    return finder.run(run).status
