from __future__ import annotations

from celery import shared_task

from perno.search import documents, history


@shared_task(name="perno.search.tasks.purge_search_history_task")
def purge_search_history_task() -> int:
    """Visits older than PERNO_SEARCH_HISTORY_DAYS are deleted."""
    return history.purge_expired()


@shared_task(name="perno.search.tasks.extract_document_task")
def extract_document_task(attachment_id: int) -> str | None:
    state = documents.extract(attachment_id)
    return state.status if state else None
