"""What the wizard shows about one import: its status in words, counts, whether it can
still be undone, and where its records are."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone

from perno.imports.models import ImportJob
from perno.web.imports.forms import ENTITY_LABELS

LISTS = {
    "company": "contacts:company_list",
    "contact": "contacts:contact_list",
    "lead": "sales:lead_list",
    "deal": "sales:deal_list",
    "product": "sales:product_list",
    "activity": "activities:activity_list",
    "order": "sales:order_list",
}
RUNNING = (ImportJob.Status.QUEUED, ImportJob.Status.RUNNING)


def job_context(job: ImportJob) -> dict[str, Any]:
    done = job.status == ImportJob.Status.DONE
    return {
        "job": job,
        "entity_label": ENTITY_LABELS.get(job.entity, job.entity),
        "running": job.status in RUNNING,
        "finished": job.status in (ImportJob.Status.DONE, ImportJob.Status.FAILED),
        "can_undo": bool(
            done
            and job.undo_until
            and job.undo_until > timezone.now()
            and (job.created or job.updated)
        ),
        "has_bad_rows": bool(job.errors_path),
    }


def result_links(job: ImportJob) -> list[tuple[str, str]]:
    """The list of the record type the import wrote."""
    name = LISTS.get(job.entity)
    if not name or not (job.created or job.updated):
        return []
    return [(reverse(name), str(ENTITY_LABELS.get(job.entity, job.entity)))]
