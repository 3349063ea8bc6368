from __future__ import annotations

from celery import shared_task


@shared_task(name="perno.merging.tasks.merges_purge_task")
def merges_purge_task() -> int:
    """Merges older than the undo period lose their undo data (snapshot, what moved)."""
    from perno.merging.services import merges_purge

    return merges_purge()
