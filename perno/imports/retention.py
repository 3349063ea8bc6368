"""Retention of imports: 30 days after an import ran (its undo deadline), its undo data
(``ImportChange``: values from before the import) and its file of refused rows are
deleted, and it can no longer be undone; the undo data of a record deleted since (a
lead erased or past its retention) goes within the hour. An upload never started is
deleted with its stored table after a day; a job still queued or running after
``STALE_AFTER`` (its worker died, or the queue was down when it was started) is marked
failed and its stored table deleted, so the same file can be imported again. The job
itself stays as a summary (counts, who, when) without the files. Runs hourly
(``tasks.purge_imports_task``)."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from perno.audit import trail
from perno.audit.models import AuditEvent
from perno.imports import storage
from perno.imports.entities import SPECS
from perno.imports.models import ImportChange, ImportJob

ABANDONED_AFTER = timedelta(days=1)
STALE_AFTER = timedelta(hours=12)  # an import of 1,000,000 rows takes minutes


def purge_expired() -> dict[str, int]:
    now = timezone.now()
    files: list[str] = []
    with transaction.atomic():
        trail.lock_chain()
        expired = ImportJob.objects.select_for_update().filter(
            undo_until__lt=now, status__in=[ImportJob.Status.DONE, ImportJob.Status.UNDONE]
        )
        expired_ids = list(expired.values_list("pk", flat=True))
        changes, _by = ImportChange.objects.filter(job_id__in=expired_ids).delete()
        # The values kept to undo an update of a record deleted since (a lead erased
        # with its contact, or by its retention; a contact's go with it): nothing to
        # restore them to, and they are personal data.
        for kind in ImportChange.objects.values_list("kind", flat=True).distinct():
            model = SPECS[kind].model
            stored = model._default_manager.filter(pk=OuterRef("object_id"))
            orphans, _by = ImportChange.objects.filter(kind=kind).filter(~Exists(stored)).delete()
            changes += orphans
        files += list(expired.exclude(errors_path="").values_list("errors_path", flat=True))
        expired.update(errors_path="", undo_until=None)
        failed = ImportJob.objects.filter(
            status=ImportJob.Status.FAILED, finished_at__lt=now - timedelta(days=30)
        ).exclude(errors_path="")
        files += list(failed.values_list("errors_path", flat=True))
        failed.update(errors_path="")
        abandoned = ImportJob.objects.filter(
            status__in=[ImportJob.Status.UPLOADED, ImportJob.Status.MAPPED],
            created_at__lt=now - ABANDONED_AFTER,
        )
        files += list(abandoned.values_list("table_path", flat=True))
        dropped, _by = abandoned.delete()
        stale = ImportJob.objects.select_for_update().filter(
            status__in=[ImportJob.Status.QUEUED, ImportJob.Status.RUNNING],
            created_at__lt=now - STALE_AFTER,
        )
        files += [path for path in stale.values_list("table_path", flat=True) if path]
        died = stale.update(
            status=ImportJob.Status.FAILED,
            table_path="",
            finished_at=now,
            message=_(
                "The import did not finish (its background worker stopped) and nothing was stored; start it again from the file."
            ),
        )
        if changes or files or dropped or died:
            trail.record(
                actor=None,
                action=AuditEvent.Action.RETENTION,
                record_type="imports.importjob",
                detail={
                    "undo_data": changes,
                    "files": len(files),
                    "uploads": dropped,
                    "stopped": died,
                },
            )
        transaction.on_commit(lambda: storage.remove(*files))
    return {"undo_data": changes, "files": len(files), "uploads": dropped, "stopped": died}
