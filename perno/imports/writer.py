"""The import's writes, in bulk, inside the engine's one transaction:

- new records: ids reserved from the table's sequence, rows through
  ``records.bulk.insert`` (COPY on PostgreSQL, executemany on SQLite), sealed fields
  sealed as the model fields would, their sealed-value digests, tags, one creation entry
  each in the change history (one bulk insert), then the search index
  (``search.indexer.reindex``) by batches;
- updated records: locked, only the fields the file fills and that differ, version + 1,
  their values before kept as ``ImportChange`` rows for the undo, one change entry each.

Nothing here checks rights or values: the engine has done it for every row."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone

from perno.audit.models import ChangeEntry
from perno.core import sealing
from perno.core.diffs import REF
from perno.imports.entities import Spec
from perno.imports.models import ImportChange, ImportJob
from perno.records import bulk
from perno.records.models import Tag
from perno.search import indexer

BATCH = 5000


def plain(value: Any) -> Any:
    """A value as the change history stores it (JSON)."""
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _default(field: models.Field) -> Any:
    if field.has_default():
        return field.get_default()
    db_default: Any = getattr(field, "db_default", models.NOT_PROVIDED)
    if db_default is not models.NOT_PROVIDED:
        return getattr(db_default, "value", db_default)  # a Value() or a constant
    text = isinstance(field, models.CharField | models.TextField)
    return None if field.null else ("" if text else None)


def _sealer(spec: Spec) -> dict[str, Any]:
    """Column -> function sealing its value, for the fields the administrator sealed."""
    subject = spec.entity
    out: dict[str, Any] = {}
    for name in sealing.sealed_of(subject):
        field = spec.fields.get(name)
        if field is not None and not isinstance(field, models.JSONField):
            context = sealing.context_of(spec.model._meta.db_table, name)
            out[name] = lambda v, c=context: sealing.seal(str(v), c) if v not in (None, "") else v
    keys = sealing.sealed_custom_keys(subject)
    if keys and "custom_fields" in spec.fields:
        table = spec.model._meta.db_table

        def seal_custom(value: dict[str, Any]) -> dict[str, Any]:
            return {
                k: sealing.seal_json(v, sealing.context_of(table, f"custom_fields.{k}"))
                if k in keys and v not in (None, "")
                else v
                for k, v in value.items()
            }

        out["custom_fields"] = seal_custom
    return out


def create(
    spec: Spec, *, actor: Any, rows: list[dict[str, Any]], tags: list[list[str]] | None = None
) -> list[int]:
    """Insert ``rows`` (field name -> value, foreign keys as ``<name>_id``); returns
    their new ids in the same order."""
    if not rows:
        return []
    model = spec.model
    now = timezone.now()
    ids = bulk.reserve_ids(model, len(rows))
    owner = actor.pk if getattr(actor, "pk", None) else None
    managed = {
        "owner_id": owner,
        "team_id": getattr(actor, "team_id", None) if owner else None,
        "version": 1,
        "created_at": now,
        "updated_at": now,
        "is_confidential": False,
    }
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    columns = ["id"] + [f.attname for f in fields]
    defaults = {f.attname: _default(f) for f in fields}
    defaults.update(managed)
    sealers = _sealer(spec)
    sealed = {f.attname: sealers[f.name] for f in fields if f.name in sealers}
    attnames = [f.attname for f in fields]

    def values() -> Iterable[list[Any]]:
        for pk, row in zip(ids, rows, strict=True):
            merged = {**defaults, **{k: v for k, v in row.items() if k not in managed}}
            for attname, seal in sealed.items():
                merged[attname] = seal(merged[attname])
            yield [pk, *(merged[a] for a in attnames)]

    bulk.insert(model, columns, values())
    if "custom_fields" in sealers:
        for start in range(0, len(ids), BATCH):
            sealing.refresh_digests(
                spec.entity,
                [
                    (pk, row.get("custom_fields") or {})
                    for pk, row in zip(
                        ids[start : start + BATCH], rows[start : start + BATCH], strict=False
                    )
                ],
            )
    if tags:
        set_tags(model, list(zip(ids, tags, strict=True)))
    history(spec, actor=actor, ids=ids, rows=rows, when=now)
    return ids


def set_tags(model: type[models.Model], pairs: list[tuple[int, list[str]]]) -> None:
    """Add tags (by name, created when new) to records."""
    names = {name for _pk, row_tags in pairs for name in row_tags}
    if not names:
        return
    known = dict(Tag.objects.filter(name__in=names).values_list("name", "pk"))
    Tag.objects.bulk_create([Tag(name=n) for n in sorted(names - set(known))])
    known = dict(Tag.objects.filter(name__in=names).values_list("name", "pk"))
    through = model.tags.through  # type: ignore[attr-defined]
    source = f"{model._meta.model_name}_id"
    existing = set(
        through.objects.filter(**{f"{source}__in": [pk for pk, _t in pairs]}).values_list(
            source, "tag_id"
        )
    )
    links = {(pk, known[name]) for pk, row_tags in pairs for name in row_tags} - existing
    through.objects.bulk_create(
        [through(**{source: pk, "tag_id": tag}) for pk, tag in sorted(links)], batch_size=BATCH
    )


def history(
    spec: Spec, *, actor: Any, ids: list[int], rows: list[dict[str, Any]], when: Any
) -> None:
    """One creation entry per record in the change history, in one bulk insert."""
    content_type = ContentType.objects.get_for_model(spec.model).pk
    actor_id = actor.pk if getattr(actor, "pk", None) else None
    masked = bool(sealing.sealed_of(spec.entity) or sealing.sealed_custom_keys(spec.entity))
    name_fields = spec.name_fields
    links = {f.attname: f.name for f in spec.fields.values() if isinstance(f, models.ForeignKey)}

    def entries() -> Iterable[list[Any]]:
        for pk, row in zip(ids, rows, strict=True):
            changes: dict[str, Any] = {}
            for key, value in row.items():
                if value in (None, "", [], {}, False):
                    continue
                if key == "custom_fields":
                    for custom, item in value.items():
                        changes[f"custom_fields.{custom}"] = [None, plain(item)]
                elif key in links:
                    target = spec.fields[links[key]].related_model._meta.model_name  # type: ignore[union-attr]
                    changes[links[key] + REF] = [None, f"{target}:{value}"]
                else:
                    changes[key] = [None, plain(value)]
            if masked:
                changes = sealing.mask_changes(spec.entity, changes)
            label = " ".join(str(row.get(n) or "") for n in name_fields).strip()
            yield [
                content_type,
                pk,
                label[:200],
                actor_id,
                ChangeEntry.Action.CREATE,
                changes,
                when,
            ]

    bulk.insert(
        ChangeEntry,
        [
            "content_type_id",
            "object_id",
            "object_repr",
            "actor_id",
            "action",
            "changes",
            "created_at",
        ],
        entries(),
    )


def reindex(spec: Spec, ids: list[int], *, fresh: bool = False) -> None:
    """The search entries of ``ids`` (``fresh``: created by this import, so without
    entries yet)."""
    if not spec.searchable:
        return
    for start in range(0, len(ids), BATCH):
        indexer.reindex(spec.kind, ids[start : start + BATCH], access=False, fresh=fresh)


def update(
    spec: Spec, *, actor: Any, job: ImportJob, changes: dict[int, dict[str, Any]]
) -> list[int]:
    """Apply ``changes`` (record id -> field -> new value) to the locked records; keep
    what they held before for the undo. Returns the ids that changed."""
    model = spec.model
    changed: list[int] = []
    undo: list[ImportChange] = []
    entries: list[ChangeEntry] = []
    content_type = ContentType.objects.get_for_model(model)
    now = timezone.now()
    ids = sorted(changes)
    for start in range(0, len(ids), 1000):
        records = model._default_manager.select_for_update().filter(
            pk__in=ids[start : start + 1000]
        )
        dirty: list[models.Model] = []
        fields: set[str] = set()
        for record in records.order_by("pk"):
            before: dict[str, Any] = {}
            diff: dict[str, list[Any]] = {}
            for key, value in changes[record.pk].items():
                if key == "custom_fields":
                    current = dict(record.custom_fields or {})  # type: ignore[attr-defined]
                    merged = {**current, **value}
                    if merged != current:
                        before["custom_fields"] = current
                        for custom, item in value.items():
                            if current.get(custom) != item:
                                diff[f"custom_fields.{custom}"] = [
                                    plain(current.get(custom)),
                                    plain(item),
                                ]
                        record.custom_fields = merged  # type: ignore[attr-defined]
                        fields.add("custom_fields")
                    continue
                attname = spec.fields[key].attname if key in spec.fields else key
                old = getattr(record, attname)
                if old != value:
                    before[attname] = plain(old)
                    diff[key] = [plain(old), plain(value)]
                    setattr(record, attname, value)
                    fields.add(attname)
            if not before:
                continue
            record.version += 1  # type: ignore[attr-defined]
            record.updated_at = now  # type: ignore[attr-defined]
            dirty.append(record)
            changed.append(record.pk)
            undo.append(
                ImportChange(
                    job=job,
                    kind=spec.kind,
                    object_id=record.pk,
                    before=before,
                    version=record.version,  # type: ignore[attr-defined]
                    contact_id=record.pk if spec.kind == "contact" else None,
                )
            )
            entries.append(
                ChangeEntry(
                    content_type=content_type,
                    object_id=record.pk,
                    object_repr=str(record)[:200],
                    actor=actor if getattr(actor, "pk", None) else None,
                    action=ChangeEntry.Action.UPDATE,
                    changes=sealing.mask_changes(spec.entity, diff),
                    created_at=now,
                )
            )
        if dirty:
            model._default_manager.bulk_update(dirty, [*sorted(fields), "version", "updated_at"])
    ImportChange.objects.bulk_create(undo, batch_size=1000)
    ChangeEntry.objects.bulk_create(entries, batch_size=1000)
    if "custom_fields" in _sealer(spec) and changed:
        rows = model._default_manager.filter(pk__in=changed).values_list("pk", "custom_fields")
        sealing.refresh_digests(spec.entity, list(rows))
    return changed
