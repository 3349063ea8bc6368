"""Keep the index in step with the records: the handlers run inside the transaction that
saves or deletes a record, so the index changes commit (or roll back) with it.

Bulk ``QuerySet.update`` does not send signals; the services that use it call
``indexer`` themselves (``activities_relink_lead``, ``comment_update``,
``confidential_fields_set``)."""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from typing import Any

from django.db.models.signals import m2m_changed, post_delete, post_save

from perno.search import indexer
from perno.search.registry import sources

_connected = False
_deferred: contextvars.ContextVar[dict[str, list[int]] | None] = contextvars.ContextVar(
    "perno_search_deferred_deletes", default=None
)


@contextlib.contextmanager
def deletes_deferred() -> Iterator[None]:
    """Inside this block, deleted records leave the index in one batch per kind when
    the block ends (still inside the caller's transaction), instead of one by one: for
    erasing or expiring thousands of records, cascades included."""
    if _deferred.get() is not None:
        yield
        return
    pending: dict[str, list[int]] = {}
    token = _deferred.set(pending)
    try:
        yield
    finally:
        _deferred.reset(token)
    for kind, ids in pending.items():
        for start in range(0, len(ids), 5000):
            indexer.unindex(kind, ids[start : start + 5000])


def _saved(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    if raw:
        return
    source = next(s for s in sources().values() if s.model is sender and not s.manual)
    indexer.index_object(instance, source)
    if source.kind != "comment":
        indexer.update_access(instance, source.kind)


def _deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    pending = _deferred.get()
    for source in sources().values():
        if source.model is sender:
            if pending is not None:
                pending.setdefault(source.kind, []).append(instance.pk)
            else:
                indexer.unindex(source.kind, [instance.pk])


def _tags_changed(sender: Any, instance: Any, action: str, reverse: bool, **kwargs: Any) -> None:
    if reverse or action not in ("post_add", "post_remove", "post_clear"):
        return
    indexer.index_object(instance)


def _attachment_saved(
    sender: Any, instance: Any, created: bool, raw: bool = False, **kw: Any
) -> None:
    if raw or not created:
        return
    from perno.search import documents

    documents.queue(instance)


def connect() -> None:
    global _connected
    if _connected:
        return
    _connected = True
    for source in sources().values():
        if not source.manual:
            post_save.connect(
                _saved, sender=source.model, dispatch_uid=f"search-save-{source.kind}"
            )
            tags = getattr(source.model, "tags", None)
            if tags is not None:
                m2m_changed.connect(
                    _tags_changed, sender=tags.through, dispatch_uid=f"search-tags-{source.kind}"
                )
        post_delete.connect(
            _deleted, sender=source.model, dispatch_uid=f"search-delete-{source.kind}"
        )
    from perno.activities.models import Attachment

    post_save.connect(_attachment_saved, sender=Attachment, dispatch_uid="search-attachment")
