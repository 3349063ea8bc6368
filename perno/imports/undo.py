"""Undoing a whole import, for 30 days after it ran, in one transaction:

- the records it created are deleted through ``search.indexing.delete`` (what cascades
  from them goes too, the search index follows) with a deletion entry each in their
  change history, unless they were changed since (their version moved) or others have
  linked records to them since (an activity, a comment, a deal, a contact of another
  import...: deleting them would take those along): those are kept and listed;
- the records it updated get their values from before the import back (version + 1,
  a change entry each), unless they were changed since: kept and listed;
- records the user may no longer delete or edit are kept and listed too.

One audit-trail entry records the undo. The undo data (``ImportChange``) goes with it;
``retention.purge_expired`` deletes it after the 30 days."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from perno.accounts.permissions import can
from perno.audit import trail
from perno.audit.models import AuditEvent, ChangeEntry
from perno.contacts.models import Address, Affiliation, Contact
from perno.imports import writer
from perno.imports.entities import SPECS
from perno.imports.models import ImportChange, ImportJob
from perno.privacy.models import ConsentEvent, DataSource
from perno.sales.models import Order, OrderLine
from perno.search import indexing

BATCH = 1000


@dataclass
class Kept:
    kind: str
    object_id: int
    label: str
    url: str
    why: str


@dataclass
class UndoResult:
    removed: int = 0
    restored: int = 0
    kept_changed: list[Kept] = field(default_factory=list)


def _kept(record: Any, kind: str, why: str) -> Kept:
    url = record.get_absolute_url() if hasattr(record, "get_absolute_url") else ""
    return Kept(kind=kind, object_id=record.pk, label=str(record)[:200], url=url, why=why)


def _changed_since() -> str:
    return _("changed since the import; left as it is")


# Rows the import writes beside a record it creates, told from later ones by when they
# were recorded. A contact's company links and an order's lines are parts of the record;
# a company's links are another contact's once the import's own contacts are gone
# (they are removed first).
PARTS = {(Contact, Affiliation), (Order, OrderLine)}
RECORDED_AT: dict[type[Any], str] = {
    Address: "created_at",
    DataSource: "recorded_at",
    ConsentEvent: "recorded_at",
}


def _used_since(job: ImportJob, model: type[Any], ids: list[int]) -> dict[int, str]:
    """The records of ``ids`` that rows made since the import point at (record id ->
    what points at it): deleting them would delete or unlink those rows too."""
    used: dict[int, str] = {}
    for relation in model._meta.related_objects:
        if relation.many_to_many:
            continue  # through tables are relations of their own (company links)
        related = relation.related_model
        if (model, related) in PARTS:
            continue
        rows = related._default_manager.filter(**{f"{relation.field.name}__in": ids})
        if related in RECORDED_AT:
            rows = rows.filter(**{f"{RECORDED_AT[related]}__gt": job.finished_at})
        for pk in rows.values_list(relation.field.attname, flat=True).distinct():
            used.setdefault(pk, str(related._meta.verbose_name_plural))
    return used


def _remove(actor: Any, job: ImportJob, kind: str, ids: list[int], result: UndoResult) -> None:
    spec = SPECS[kind]
    content_type = ContentType.objects.get_for_model(spec.model)
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        going: list[int] = []
        entries: list[ChangeEntry] = []
        used = _used_since(job, spec.model, chunk)
        for record in (
            spec.model._default_manager.select_for_update().filter(pk__in=chunk).order_by("pk")
        ):
            if getattr(record, "version", 1) != 1:
                result.kept_changed.append(_kept(record, kind, _changed_since()))
            elif record.pk in used:
                result.kept_changed.append(
                    _kept(
                        record,
                        kind,
                        _("%(what)s were linked to it since the import; left as it is")
                        % {"what": used[record.pk]},
                    )
                )
            elif not can(actor, "delete", record):
                result.kept_changed.append(
                    _kept(record, kind, _("your roles do not allow you to delete it"))
                )
            else:
                going.append(record.pk)
                entries.append(
                    ChangeEntry(
                        content_type=content_type,
                        object_id=record.pk,
                        object_repr=str(record)[:200],
                        actor=actor,
                        action=ChangeEntry.Action.DELETE,
                        changes={},
                    )
                )
        ChangeEntry.objects.bulk_create(entries)
        if going:
            indexing.delete(spec.model._default_manager.filter(pk__in=going))
        result.removed += len(going)


def _restore(actor: Any, job: ImportJob, result: UndoResult) -> None:
    changes = list(job.changes.order_by("kind", "object_id"))
    by_kind: dict[str, list[ImportChange]] = {}
    for change in changes:
        by_kind.setdefault(change.kind, []).append(change)
    now = timezone.now()
    for kind, items in by_kind.items():
        spec = SPECS[kind]
        content_type = ContentType.objects.get_for_model(spec.model)
        records = spec.model._default_manager.select_for_update().in_bulk(
            [c.object_id for c in items]
        )
        restored, entries = [], []
        fields: set[str] = set()
        for change in items:
            record = records.get(change.object_id)
            if record is None:
                continue  # deleted since: nothing to restore
            if record.version != change.version:  # type: ignore[attr-defined]
                result.kept_changed.append(_kept(record, kind, _changed_since()))
                continue
            if not can(actor, "edit", record):
                result.kept_changed.append(
                    _kept(record, kind, _("your roles do not allow you to edit it"))
                )
                continue
            diff = {}
            for attname, value in change.before.items():
                field_ = next(f for f in spec.model._meta.concrete_fields if f.attname == attname)
                old = field_.to_python(value) if value is not None else None
                diff[field_.name] = [writer.plain(getattr(record, attname)), value]
                setattr(record, attname, old)
                fields.add(attname)
            record.version += 1  # type: ignore[attr-defined]
            record.updated_at = now  # type: ignore[attr-defined]
            restored.append(record)
            entries.append(
                ChangeEntry(
                    content_type=content_type,
                    object_id=record.pk,
                    object_repr=str(record)[:200],
                    actor=actor,
                    action=ChangeEntry.Action.UPDATE,
                    changes=diff,
                )
            )
        if restored:
            spec.model._default_manager.bulk_update(
                restored, [*sorted(fields), "version", "updated_at"]
            )
            ChangeEntry.objects.bulk_create(entries)
            writer.reindex(spec, [r.pk for r in restored])
        result.restored += len(restored)


def undo_job(*, actor: Any, job: ImportJob) -> UndoResult:
    with transaction.atomic(), indexing.deletes_deferred():
        trail.lock_chain()
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
        if job.status != ImportJob.Status.DONE:
            raise ValidationError(_("Only a finished import can be undone."))
        if job.undo_until is None or job.undo_until < timezone.now():
            raise ValidationError(
                _("This import can no longer be undone: imports can be undone for 30 days.")
            )
        result = UndoResult()
        main = job.entity
        # The import's own records first, then those it created for them (companies).
        for kind in sorted(job.created_ids, key=lambda k: k != main):
            _remove(actor, job, kind, list(job.created_ids[kind]), result)
        _restore(actor, job, result)
        job.changes.all().delete()
        job.status = ImportJob.Status.UNDONE
        job.undone_at = timezone.now()
        job.save(update_fields=["status", "undone_at"])
        trail.record(
            actor=actor,
            action=AuditEvent.Action.DELETE,
            record_type=SPECS[main].model._meta.label_lower,
            detail={
                "undo_import": job.pk,
                "removed": result.removed,
                "restored": result.restored,
                "kept": len(result.kept_changed),
            },
        )
    return result
