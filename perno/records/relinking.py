"""Moving what points at one record to another (a merge), written down so that it can be
moved back (the merge's undo).

A relinker registered with ``records.extensions.register_relinker("merge:<kind>", ...)``
is called as ``relink(source=merged, actor=user, target=survivor, journal=journal)``,
inside the merge's transaction, after both rows are locked. It moves rows with set-based
statements and notes in ``journal`` (a JSON-able dict kept by the merge) what it did:

- ``moved``: ``[label, field, ids]``: rows whose ``field`` now points at the target;
- ``dropped``: rows deleted because the target already had their like (a company link
  both contacts had), serialized with Django's serializer so the undo can put them back;
- ``created``: ``[label, ids]``: rows the merge added (a consent step that keeps a
  withdrawal, a tag link);
- ``updated``: ``[label, pk, {field: old value}]``: fields the merge changed on a moved row.

``moving(model, field)`` builds the usual relinker: every row pointing at the source
moves, except, with ``unique_with``, rows whose like (the same value of those fields)
already points at the target, which are dropped; ``drop=True`` drops every row (derived
rows that are computed again, such as analytics scores)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from django.core import serializers
from django.db import models


def new_journal() -> dict[str, list[Any]]:
    return {"moved": [], "dropped": [], "created": [], "updated": []}


def serialize(rows: Iterable[models.Model]) -> list[dict[str, Any]]:
    """Rows as JSON-able dicts (Django's serializer: model, pk, fields, m2m ids)."""
    return json.loads(serializers.serialize("json", list(rows)))


def restore(rows: list[dict[str, Any]]) -> list[models.Model]:
    """Insert serialized rows again with their ids (and many-to-many links)."""
    restored = []
    for item in serializers.deserialize("json", json.dumps(rows)):
        item.save()
        restored.append(item.object)
    return restored


def note_moved(
    journal: dict[str, list[Any]], model: type[models.Model], field: str, ids: list[Any]
) -> None:
    if ids:
        journal["moved"].append([model._meta.label, field, sorted(ids)])


def note_created(journal: dict[str, list[Any]], model: type[models.Model], ids: list[Any]) -> None:
    if ids:
        journal["created"].append([model._meta.label, sorted(ids)])


def drop(journal: dict[str, list[Any]], queryset: models.QuerySet) -> int:
    """Delete these rows, keeping them in the journal."""
    rows = list(queryset)
    if not rows:
        return 0
    journal["dropped"].extend(serialize(rows))
    queryset.model._default_manager.filter(pk__in=[row.pk for row in rows]).delete()
    return len(rows)


def moving(
    model: type[models.Model],
    field: str,
    *,
    unique_with: tuple[str, ...] = (),
    drop_all: bool = False,
) -> Callable[..., int]:
    """A relinker moving ``model.field`` from the source to the target."""

    def relink(*, source: Any, actor: Any, target: Any, journal: dict[str, list[Any]]) -> int:
        rows = model._default_manager.filter(**{field: source.pk})
        if drop_all:
            return drop(journal, rows)
        count = 0
        if unique_with:
            taken = model._default_manager.filter(**{field: target.pk}).values(*unique_with)
            duplicate = models.Q()
            for values in taken:
                duplicate |= models.Q(**values)
            if taken:
                count += drop(journal, rows.filter(duplicate))
        ids = list(rows.values_list("pk", flat=True))
        model._default_manager.filter(pk__in=ids).update(**{field: target.pk})
        note_moved(journal, model, field, ids)
        return count + len(ids)

    return relink


def handles(model: type[models.Model], *fields: str) -> tuple[str, ...]:
    """The ``handles`` names of these links, for ``register_relinker``."""
    return tuple(f"{model._meta.label}.{name}" for name in fields)
