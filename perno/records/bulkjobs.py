"""Starting a bulk change: small selections run in the request; larger ones (more than
``PERNO_BULK_SYNC_ROWS``, 1,000 by default) run as a background task whose progress the
page polls. The task runs the same ``bulkedit`` functions in one transaction, so a
background change is as all-or-nothing as one done in the request."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from perno.accounts.models import User
from perno.accounts.permissions import check
from perno.audit.trail import lock_chain
from perno.records.bulkedit import (
    BulkResult,
    Selection,
    bulk_delete,
    bulk_update,
    count_selected,
    parse_changes,
)
from perno.records.models import BulkJob
from perno.records.tasks import bulk_job_task

logger = logging.getLogger(__name__)
ACTIONS = ("edit", "delete")


def sync_limit() -> int:
    return int(getattr(settings, "PERNO_BULK_SYNC_ROWS", 1000))


@dataclass
class Started:
    """A bulk change that ran (``result``) or was queued (``job``)."""

    result: BulkResult | None = None
    job: BulkJob | None = None


def _progress_key(job_id: int) -> str:
    return f"perno:bulk:{job_id}"


def bulk_start(
    *,
    actor: Any,
    subject: str,
    action: str,
    selection: Selection,
    changes: dict[str, Any] | None = None,
) -> Started:
    """Check the request as a whole (rights on the type, the changes, a non-empty
    selection), then run it or queue it. Invalid input raises ValidationError."""
    if action not in ACTIONS:
        raise ValidationError({"action": [_("Choose edit or delete.")]})
    raw = changes or {}
    parsed = parse_changes(subject, raw) if action == "edit" else None
    count = count_selected(subject, selection, actor)
    if count == 0:
        raise ValidationError(
            {"selection": [_("None of the selected records is there for you to change.")]}
        )
    check(actor, action, subject)  # after the count: a hidden record is not "forbidden"
    if count <= sync_limit():
        if parsed is not None:
            result = bulk_update(actor=actor, subject=subject, selection=selection, changes=parsed)
        else:
            result = bulk_delete(actor=actor, subject=subject, selection=selection)
        if result.forbidden:
            raise PermissionDenied(result.summary(deleted=parsed is None))
        return Started(result=result)
    if selection.as_of is None:
        selection.as_of = timezone.now()  # what changes later is someone else's change
    with transaction.atomic():
        lock_chain()
        job = BulkJob.objects.create(
            actor=actor,
            subject=subject,
            action=action,
            selection=selection.as_json(),
            changes=raw,
            status=BulkJob.Status.RUNNING,
            total=count,
        )
        cache.set(_progress_key(job.pk), 0, timeout=24 * 3600)
        transaction.on_commit(lambda: bulk_job_task.delay(job.pk))
    return Started(job=job)


def bulk_job_run(job_id: int) -> str:
    """Run a queued bulk change (the task); the job records the result or the error."""
    job = BulkJob.objects.filter(pk=job_id, status=BulkJob.Status.RUNNING).first()
    if job is None:
        return "gone"
    actor = User.objects.get(pk=job.actor_id)
    selection = Selection.from_json(job.selection)

    def progress(done: int, total: int) -> None:
        cache.set(_progress_key(job_id), done, timeout=24 * 3600)

    try:
        if job.action == "edit":
            changes = parse_changes(job.subject, job.changes)
            result = bulk_update(
                actor=actor,
                subject=job.subject,
                selection=selection,
                changes=changes,
                progress=progress,
            )
        else:
            result = bulk_delete(
                actor=actor, subject=job.subject, selection=selection, progress=progress
            )
    except ValidationError as exc:
        message = " ".join(exc.messages)
        BulkJob.objects.filter(pk=job_id).update(
            status=BulkJob.Status.FAILED, message=message, finished_at=timezone.now()
        )
        return "failed"
    except Exception:
        logger.exception("bulk change %s failed", job_id)
        BulkJob.objects.filter(pk=job_id).update(
            status=BulkJob.Status.FAILED,
            message=_("The bulk change failed; nothing was changed. Try again."),
            finished_at=timezone.now(),
        )
        return "failed"
    BulkJob.objects.filter(pk=job_id).update(
        status=BulkJob.Status.DONE,
        result=result.as_json(),
        message=result.summary(deleted=job.action == "delete"),
        finished_at=timezone.now(),
    )
    cache.delete(_progress_key(job_id))
    return "done"


def bulk_job_get(*, user: Any, pk: Any) -> BulkJob:
    """The user's own job (another user's is not found)."""
    try:
        job = BulkJob.objects.filter(pk=int(pk), actor_id=user.pk).first()
    except (TypeError, ValueError):
        job = None
    if job is None:
        raise Http404
    return job


def bulk_job_progress(job: BulkJob) -> dict[str, Any]:
    done = job.total if job.status != BulkJob.Status.RUNNING else cache.get(_progress_key(job.pk))
    return {
        "id": job.pk,
        "status": job.status,
        "total": job.total,
        "done": int(done or 0),
        "percent": int(100 * int(done or 0) / job.total) if job.total else 100,
        "message": job.message,
        "result": job.result,
    }
