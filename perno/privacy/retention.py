"""Retention (Art. 5(1)(e)): each category of personal data is kept for the period the
register sets (``RetentionRule``); a daily job deletes or anonymizes what is past it.

A row is past retention when every category of personal data it holds is past its
period, counted from the row's retention date (``retain_from`` in the registry: its
last change, its creation...); a category without a period keeps the row. What happens
to it is the registry's erasure rule: deleted, or anonymized (the row kept without the
person). A contact past retention goes with everything about it, as in an erasure but
without a tombstone (nobody asked to be forgotten). Rows that live with a parent
(``retained_with``) go with it.

``run(dry_run=True)`` reports what would happen without changing anything. Every run
is logged (``RetentionRun``) with its counts, and audited."""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import timezone

from perno.audit import trail
from perno.audit.models import AuditEvent, ChangeEntry
from perno.contacts.models import Contact
from perno.core.privacy import ANONYMIZE, DELETE, ModelDeclaration, file_fields, registry
from perno.privacy.erasure import after_erasure, delete_rows, deleted_models, erase_found
from perno.privacy.models import RetentionRule, RetentionRun
from perno.privacy.redaction import Redaction
from perno.privacy.subject import Found, id_set, rows_about_many
from perno.search.indexing import deletes_deferred

logger = logging.getLogger(__name__)
BATCH = 5000


@dataclass
class Item:
    model: type[models.Model]
    declaration: ModelDeclaration
    days: int
    cutoff: datetime

    @property
    def label(self) -> str:
        return self.model._meta.label_lower

    def expired(self) -> Any:
        field = self.model._meta.get_field(self.declaration.retain_from)
        cutoff: Any = self.cutoff
        if not isinstance(field, models.DateTimeField):
            cutoff = timezone.localtime(self.cutoff).date()
        rows = self.model._default_manager.filter(**{f"{field.name}__lt": cutoff})
        if self.declaration.erasure == ANONYMIZE:
            rows = rows.exclude(self._anonymized())
        return rows

    def _anonymized(self) -> models.Q:
        """Rows already anonymized (every personal field holds its blank value)."""
        condition = models.Q()
        for name in self.declaration.personal:
            value = self.declaration.anonymous_value(name)
            if callable(value):
                return models.Q(pk__in=[])
            condition &= models.Q(**{f"{name}__isnull": True} if value is None else {name: value})
        return condition


def plan(now: datetime | None = None) -> list[Item]:
    """The models with a retention period, and from when their rows are past it."""
    now = now or timezone.now()
    periods = dict(RetentionRule.objects.values_list("category", "days"))
    items = []
    for model, declaration in registry().items():
        if declaration.erasure not in (DELETE, ANONYMIZE) or not declaration.retain_from:
            continue
        days = [periods.get(category) for category in set(declaration.personal.values())]
        if not days or any(d is None for d in days):
            continue  # a category without a period keeps the row
        longest = max(d for d in days if d is not None)
        items.append(Item(model, declaration, longest, now - timedelta(days=longest)))
    return sorted(items, key=lambda item: item.label)


def run(*, dry_run: bool, actor: Any = None, now: datetime | None = None) -> RetentionRun:
    """Apply retention (or, with ``dry_run``, only count what would happen)."""
    record = RetentionRun.objects.create(dry_run=dry_run, actor=actor if actor else None)
    report: list[dict[str, Any]] = []
    files: list[str] = []
    try:
        for item in plan(now):
            expired = item.expired()
            count = expired.count()
            entry = {
                "table": item.label,
                "name": str(item.model._meta.verbose_name_plural),
                "action": item.declaration.erasure,
                "days": item.days,
                "before": item.cutoff.isoformat(),
                "count": count,
            }
            if count and not dry_run:
                entry["done"] = _apply(item, expired, files)
            report.append(entry)
    except Exception as exc:
        logger.exception("retention run %s failed", record.pk)
        record.error = str(exc)[:2000] or exc.__class__.__name__
    record.counts = {"items": report}
    record.finished_at = timezone.now()
    record.save()
    with transaction.atomic():
        trail.record(
            actor=actor,
            action=AuditEvent.Action.RETENTION,
            obj=record,
            subject="",
            detail={
                "dry_run": dry_run,
                "counts": {e["table"]: e["count"] for e in report if e["count"]},
            },
        )
    if not dry_run and any(e["count"] for e in report):
        after_erasure(files)
    return record


def _apply(item: Item, expired: Any, files: list[str]) -> dict[str, int]:
    """Delete or anonymize the expired rows, in batches, each in its own transaction
    (a failure keeps what was already done and stops)."""

    done: Counter = Counter()
    handled: set[int] = set()
    while True:
        ids = list(expired.order_by("pk").values_list("pk", flat=True)[:BATCH])
        if not ids:
            break
        if handled.intersection(ids):
            raise RuntimeError(f"{item.label}: rows past retention were not changed")
        handled.update(ids)
        with transaction.atomic(), deletes_deferred():
            if item.model is Contact:
                found = list(rows_about_many(ids))
                people = Redaction.of(Contact.objects.filter(pk__in=id_set(ids)))
                files.extend(erase_found(found, done, people))
                done["contacts.contact"] += delete_rows(
                    Contact, Contact.objects.filter(pk__in=id_set(ids)), deleted_models(found)
                )
            else:
                if item.declaration.erasure == DELETE:
                    files.extend(_files_going_with(item.model, ids))
                files.extend(erase_found(rows_of(item.model, item.declaration, ids), done))
    return dict(done)


def _files_going_with(model: type[models.Model], ids: list[int]) -> list[str]:
    """The stored files of the rows that live and die with the deleted rows ``ids``
    (``retained_with`` them: a mail message's attachments), which their deletion
    removes by cascade without looking at their files."""
    names: list[str] = []
    for other, declaration in registry().items():
        link = declaration.retained_with
        if not link or other._meta.get_field(link).related_model is not model:
            continue
        fields = file_fields(other)
        if fields:
            rows = other._default_manager.filter(**{f"{link}__in": id_set(ids)})
            names += [value for row in rows.values_list(*fields) for value in row if value]
    return names


def rows_of(model: type[models.Model], declaration: ModelDeclaration, ids: list[int]) -> list[Any]:
    """The rows ``ids`` of ``model`` and their change history, as ``erase_found`` takes
    them."""

    rows = model._default_manager.filter(pk__in=ids)
    history = ChangeEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(model), object_id__in=ids
    )
    return [
        Found(ChangeEntry, registry()[ChangeEntry], history),
        Found(model, declaration, rows),
    ]
