from __future__ import annotations

from celery import shared_task


@shared_task(name="perno.records.tasks.bulk_job_task")
def bulk_job_task(job_id: int) -> str:
    """Run a bulk edit or delete queued by ``records.bulkjobs.bulk_start``."""
    from perno.records.bulkjobs import bulk_job_run

    return bulk_job_run(job_id)
