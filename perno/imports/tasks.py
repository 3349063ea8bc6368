"""Background work of imports: run a queued import (the service queues it after its
transaction commits), and the daily purge of expired undo data and files. Thin: load by
id, call the engine; safe to run twice."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="perno.imports.tasks.run_import_task")
def run_import_task(job_id: int) -> bool:
    from perno.audit import trail
    from perno.audit.models import AuditEvent
    from perno.imports.engine import run_import

    with trail.origin(AuditEvent.Channel.TASK):
        return run_import(job_id)


@shared_task(name="perno.imports.tasks.purge_imports_task")
def purge_imports_task() -> dict[str, int]:
    from perno.imports.retention import purge_expired

    return purge_expired()
