"""The one way records reach the search index: the record services call these functions
explicitly, inside the transaction that writes the record, so the index commits (or rolls
back) with it. Nothing is indexed from model signals.

- ``saved(obj)``: a record was created or changed (its fields, tags or access);
- ``delete(target)``: delete a record or a queryset through Django's collector and remove
  the entries of every indexed row that went with it (cascades included); indexed rows
  that only lost a link to it (``SET_NULL``) are indexed again, as their access or
  text may have come from the deleted record;
- ``removed(kind, ids)``: rows already deleted by plain statements (erasure, retention);
- ``attachment_added(attachment)``: a new file, findable by name at once, by its text
  after extraction;
- ``deletes_deferred()``: inside the block, removals are batched per kind;
- ``bulk_changes()``: for many records changed or deleted one by one through their
  services, the typo vocabulary is pruned once, at the end.

Bulk paths (seed, import, re-encryption) call ``indexer.reindex`` / ``indexer.rebuild``;
no module outside ``perno.search`` writes the index tables."""

from __future__ import annotations

import contextlib
import contextvars
from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any, cast

from django.db import models, router, transaction
from django.db.models.deletion import Collector

from perno.search import backends, documents, indexer
from perno.search.registry import source_for_model, sources

_deferred: contextvars.ContextVar[dict[str, list[int]] | None] = contextvars.ContextVar(
    "perno_search_deferred_deletes", default=None
)
BATCH = 5000


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
        for start in range(0, len(ids), BATCH):
            indexer.unindex(kind, ids[start : start + BATCH])


@contextlib.contextmanager
def bulk_changes() -> Iterator[None]:
    """Many records changed or deleted one by one through their services (bulk edit
    and delete): the words their old entries leave the vocabulary with are pruned once
    when the block ends (``backends.prunes_deferred``), not after every record."""
    with backends.prunes_deferred():
        yield


def saved(obj: models.Model, *, created: bool = False) -> None:
    """Index ``obj`` (no-op for a model that is not searchable); when its owner,
    assignee, team or confidentiality may have changed, its comments and documents
    follow. ``created``: ``obj`` was created in this transaction, so it has no entries
    to replace and nothing follows its rights yet."""
    source = source_for_model(type(obj))
    if source is None:
        return
    indexer.index_object(obj, source, fresh=created)
    if source.kind != "comment" and not created:
        indexer.update_access(obj, source.kind)


def removed(kind: str, ids: Iterable[int]) -> None:
    """Rows of ``kind`` deleted by plain statements."""
    ids = list(ids)
    pending = _deferred.get()
    if pending is not None:
        pending.setdefault(kind, []).extend(ids)
        return
    for start in range(0, len(ids), BATCH):
        indexer.unindex(kind, ids[start : start + BATCH])


def _kinds_of(model: type[models.Model]) -> list[str]:
    return [s.kind for s in sources().values() if s.model is model]


def delete(target: models.Model | models.QuerySet) -> tuple[int, dict[str, int]]:
    """Delete ``target`` (a record or a queryset) with everything that cascades from it,
    and their search entries, in one transaction; returns what ``delete()`` returns."""
    if isinstance(target, models.QuerySet):
        model, objs = target.model, list(target)
    else:
        model, objs = type(target), [target]
    if not objs:
        return 0, {}
    using = router.db_for_write(model, instance=objs[0])
    with transaction.atomic(using=using):
        collector = Collector(using=using, origin=target)
        collector.collect(objs)
        gone: dict[str, list[int]] = defaultdict(list)
        for each_model, instances in collector.data.items():
            for kind in _kinds_of(each_model):
                gone[kind].extend(obj.pk for obj in instances)
        for queryset in collector.fast_deletes:
            kinds = _kinds_of(queryset.model)
            if kinds:
                ids = list(queryset.values_list("pk", flat=True))
                for kind in kinds:
                    gone[kind].extend(ids)
        unlinked = _unlinked(collector, gone)
        result = collector.delete()
        for kind, ids in gone.items():
            removed(kind, ids)
        for kind, rows in unlinked.items():
            indexer.reindex_following(kind, rows)
    return result


def _unlinked(collector: Collector, gone: dict[str, list[int]]) -> dict[str, set[int]]:
    """The indexed rows the collector will set a link of to NULL (``on_delete=SET_NULL``)
    and that do not go themselves: a mail message of a deleted case falls back to its
    mailbox's rules, a deal of a deleted company loses its company. Read
    before the delete, as the collector's querysets match nothing after it."""
    unlinked: dict[str, set[int]] = defaultdict(set)
    for (field, _value), batches in collector.field_updates.items():
        kinds = _kinds_of(field.model)
        if not kinds:
            continue
        ids: set[int] = set()
        for batch in batches:  # a queryset, or a list of instances
            if isinstance(batch, models.QuerySet):
                ids.update(batch.values_list("pk", flat=True))
            else:
                ids.update(obj.pk for obj in cast(Iterable[models.Model], batch))
        for kind in kinds:
            unlinked[kind].update(ids - set(gone.get(kind, ())))
    return unlinked


def attachment_added(attachment: Any) -> None:
    documents.queue(attachment)
