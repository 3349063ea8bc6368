"""Key rotation and re-encryption of sealed fields (``core.sealing``).

One job does all of it: every value of a sealable field ends in the state the
configuration asks for — sealed under the current key when its field is marked, plain
text when it is not. ``perno keys rotate`` starts it after a new key was put first in
``PERNO_ENCRYPTION_KEYS``; marking or unmarking a field starts it too. It runs in the
background, in batches of rows locked while they are rewritten (a row is always
readable: under its old key, or its new one), so it can fail or be stopped half-way and
simply be run again. Records whose fields became sealed or plain are re-indexed for
search (a sealed value is not searchable), and their earlier change history loses the
values of sealed fields."""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _

from perno.accounts.permissions import check
from perno.audit import trail
from perno.audit.models import AuditEvent, ChangeEntry
from perno.core import sealing
from perno.privacy.models import KeyRotation
from perno.privacy.tasks import rotate_keys_task
from perno.records.models import SealedField
from perno.search import indexer
from perno.search.registry import source_for_model

BATCH = 1000


class RotationError(Exception):
    """A rotation cannot start; the message says why and what to do."""


def sealable() -> list[tuple[type[models.Model], models.Field]]:
    """Every (model, field) whose values may be sealed."""
    found = []
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if getattr(field, "sealable", False):
                found.append((model, field))
    return found


def subject_of(model: type[models.Model]) -> str:
    return model._meta.model_name or ""


def field_choices(subject: str) -> list[tuple[str, str]]:
    """The fields of record type ``subject`` that can be marked sensitive: its free-text
    notes and its custom fields."""
    choices: list[tuple[str, str]] = []
    for model, field in sealable():
        if subject_of(model) != subject:
            continue
        if isinstance(field, models.JSONField):
            definitions = apps.get_model("contacts", "CustomFieldDefinition").objects.filter(
                entity=subject, is_active=True
            )
            choices.extend((f"{sealing.CUSTOM}{d.key}", d.label) for d in definitions)
        else:
            choices.append((field.name, str(field.verbose_name)))
    return choices


def subjects() -> list[tuple[str, str]]:
    seen: dict[str, str] = {}
    for model, _field in sealable():
        seen.setdefault(subject_of(model), str(model._meta.verbose_name_plural))
    return sorted(seen.items())


def _wanted(field: models.Field, subject: str) -> Any:
    marks = sealing.sealed_of(subject)
    if isinstance(field, models.JSONField):
        return sealing.sealed_custom_keys(subject)
    return field.name in marks


def _state(raw: str | None, field: models.Field, wanted: Any, current: str) -> tuple[bool, bool]:
    """(rewrite needed, sealed-or-plain changed) for one stored value."""
    if not raw:
        return False, False
    if isinstance(field, models.JSONField):
        try:
            values = json.loads(raw)
        except ValueError:
            return False, False
        if not isinstance(values, dict):
            return False, False
        rewrite = flipped = False
        for key, value in values.items():
            sealed = sealing.is_token(value)
            if key in wanted and value not in (None, ""):
                rewrite |= sealing.key_of(value) != current
                flipped |= not sealed
            elif sealed:
                rewrite = flipped = True
        return rewrite, flipped
    sealed = sealing.is_token(raw)
    if wanted:
        return sealing.key_of(raw) != current, not sealed
    return sealed, sealed


def _candidates(model: type[models.Model], field: models.Field) -> Any:
    manager = model._base_manager
    if isinstance(field, models.JSONField):
        return manager.exclude(**{field.name: {}}).exclude(**{f"{field.name}__isnull": True})
    return manager.exclude(**{field.name: ""})


def _batches(model: type[models.Model], field: models.Field) -> Iterator[list[tuple[int, str]]]:
    last = 0
    while True:
        rows = list(
            _candidates(model, field)
            .filter(pk__gt=last)
            .order_by("pk")
            .annotate(_raw=Cast(field.name, models.TextField()))
            .values_list("pk", "_raw")[:BATCH]
        )
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def count_by_key() -> dict[str, Counter]:
    """Per ``table.field``: how many values are plain text, and how many sealed under
    each key id (for ``perno keys status``)."""
    out: dict[str, Counter] = {}
    for model, field in sealable():
        counter: Counter = Counter()
        for rows in _batches(model, field):
            for _pk, raw in rows:
                if isinstance(field, models.JSONField):
                    try:
                        values = json.loads(raw or "{}")
                    except ValueError:
                        continue
                    for value in values.values() if isinstance(values, dict) else []:
                        counter[sealing.key_of(value) or "plain"] += 1
                else:
                    counter[sealing.key_of(raw) or "plain"] += 1
        out[f"{model._meta.db_table}.{field.name}"] = counter
    return out


def start(*, actor: Any) -> KeyRotation:
    """Queue a re-encryption run; refuse when one is already under way or when a field
    is marked and no key is configured."""

    keys = sealing.ring()
    if SealedField.objects.exists() and not keys.current:
        raise RotationError(
            _(
                "Fields are marked sensitive but PERNO_ENCRYPTION_KEYS is empty. Set it "
                "(generate a key with `perno keys generate`) and restart Perno."
            )
        )
    busy = KeyRotation.objects.filter(
        status__in=[KeyRotation.Status.QUEUED, KeyRotation.Status.RUNNING],
        started_at__gte=timezone.now() - timedelta(hours=6),
    )
    if busy.exists():
        raise RotationError(_("A re-encryption is already under way; wait until it has finished."))
    with transaction.atomic():
        trail.lock_chain()
        rotation = KeyRotation.objects.create(
            actor=actor if getattr(actor, "pk", None) else None, key_id=keys.current
        )
        trail.record(
            actor=actor,
            action=AuditEvent.Action.CONFIGURE,
            obj=rotation,
            detail={"rotation": rotation.pk, "key": keys.current},
        )
        transaction.on_commit(lambda: rotate_keys_task.delay(rotation.pk))
    return rotation


def run(rotation_id: int) -> KeyRotation:
    """Do the work of ``rotation_id``; record the outcome on it."""
    rotation = KeyRotation.objects.get(pk=rotation_id)
    if not settings.CELERY_TASK_ALWAYS_EAGER:
        # Let every process see a change of the marks before the stored values are read.
        wait = float(settings.PERNO_SEALED_REFRESH_SECONDS) + 0.5
        elapsed = (timezone.now() - rotation.started_at).total_seconds()
        time.sleep(max(0.0, min(wait, wait - elapsed)))
    sealing.forget_marks()
    current = sealing.ring().current
    rotation.status = KeyRotation.Status.RUNNING
    rotation.key_id = current
    rotation.total = sum(_candidates(m, f).count() for m, f in sealable())
    rotation.save(update_fields=["status", "key_id", "total"])
    counts: Counter = Counter()
    flipped: dict[type[models.Model], set[int]] = {}
    try:
        for model, field in sealable():
            _rotate_field(rotation, model, field, current, counts, flipped)
        _reindex(flipped, counts)
        _scrub_history(counts)
    except Exception as exc:
        rotation.status = KeyRotation.Status.FAILED
        rotation.error = str(exc)[:2000]
        rotation.counts = dict(counts)
        rotation.finished_at = timezone.now()
        rotation.save(update_fields=["status", "error", "counts", "finished_at"])
        raise
    with transaction.atomic():
        trail.lock_chain()
        rotation.status = KeyRotation.Status.DONE
        rotation.counts = dict(sorted(counts.items()))
        rotation.finished_at = timezone.now()
        rotation.save(update_fields=["status", "counts", "finished_at"])
        trail.record(
            actor=None,
            action=AuditEvent.Action.CONFIGURE,
            obj=rotation,
            detail={"rotation": rotation.pk, "key": current, "counts": rotation.counts},
        )
    return rotation


def _rotate_field(
    rotation: KeyRotation,
    model: type[models.Model],
    field: models.Field,
    current: str,
    counts: Counter,
    flipped: dict[type[models.Model], set[int]],
) -> None:
    subject = subject_of(model)
    wanted = _wanted(field, subject)
    label = f"{model._meta.db_table}.{field.name}"
    is_json = isinstance(field, models.JSONField)
    if is_json:
        apps.get_model("core", "SealedDigest").objects.filter(subject=subject).exclude(
            key__in=list(wanted)
        ).delete()
    for rows in _batches(model, field):
        states = {pk: _state(raw, field, wanted, current) for pk, raw in rows}
        rewrite = [pk for pk, (needed, _flip) in states.items() if needed]
        flipped.setdefault(model, set()).update(
            pk for pk, (_needed, flip) in states.items() if flip
        )
        if rewrite:
            with transaction.atomic():
                objs = list(
                    model._base_manager.select_for_update()
                    .filter(pk__in=rewrite)
                    .only("pk", field.name)
                )
                # Read decrypted (any listed key), written sealed under the current key
                # or plain: bulk_update leaves updated_at and retention clocks alone.
                model._base_manager.bulk_update(objs, [field.name], batch_size=500)
                if is_json:
                    sealing.refresh_digests(
                        subject, [(obj.pk, getattr(obj, field.name)) for obj in objs]
                    )
            counts[label] += len(objs)
        rotation.done += len(rows)
        KeyRotation.objects.filter(pk=rotation.pk).update(done=rotation.done)


def _reindex(flipped: dict[type[models.Model], set[int]], counts: Counter) -> None:
    """Rebuild the search entries of the records whose values became sealed (their text
    leaves the index) or plain (it comes back), once per record."""

    for model, ids in flipped.items():
        source = source_for_model(model)
        if source is None or not ids:
            continue
        ordered = sorted(ids)
        for start in range(0, len(ordered), BATCH):
            with transaction.atomic():
                indexer.reindex(source.kind, ordered[start : start + BATCH], access=False)
        counts[f"search entries rebuilt ({source.kind})"] += len(ordered)


def _scrub_history(counts: Counter) -> None:
    """Mask the values of sealed fields in earlier change-history entries."""
    for subject, names in sealing.sealed_fields().items():
        model = next((m for m, _f in sealable() if subject_of(m) == subject), None)
        if model is None:
            continue
        content_type = ContentType.objects.get_for_model(model)
        plain = [name for name in names if not name.startswith(sealing.CUSTOM)]
        condition = models.Q()
        for name in [*plain, "custom_fields"]:
            condition |= models.Q(changes__has_key=name)
        entries = ChangeEntry.objects.filter(condition, content_type=content_type)
        changed: list[ChangeEntry] = []
        for entry in entries.iterator(chunk_size=BATCH):
            masked = sealing.mask_changes(subject, entry.changes)
            if masked != entry.changes:
                entry.changes = masked
                changed.append(entry)
        ChangeEntry.objects.bulk_update(changed, ["changes"], batch_size=500)
        if changed:
            counts[f"audit_changeentry ({subject}, values masked)"] += len(changed)


def marks_set(*, actor: Any, subject: str, fields: list[str]) -> KeyRotation | None:
    """Replace the fields of record type ``subject`` marked sensitive; when that changes
    anything, queue the re-encryption that seals (or unseals) the stored values."""

    check(actor, "manage", "sealedfield")
    if subject not in dict(subjects()):
        raise ValidationError({"subject": [_("Unknown record type.")]})
    known = {name for name, _label in field_choices(subject)}
    unknown = set(fields) - known
    if unknown:
        raise ValidationError(
            {"fields": [_("Unknown field(s): %(names)s.") % {"names": ", ".join(sorted(unknown))}]}
        )
    if fields and not sealing.ring().current:
        raise ValidationError(
            {
                "fields": [
                    _(
                        "No encryption key is configured. Set PERNO_ENCRYPTION_KEYS (generate "
                        "a key with `perno keys generate`), restart Perno, then mark the fields."
                    )
                ]
            }
        )
    before = set(SealedField.objects.filter(subject=subject).values_list("field", flat=True))
    # A deactivated custom field is not offered, and stays as it was.
    fields = sorted(set(fields) | (before - known))
    if before == set(fields):
        return None
    if KeyRotation.objects.filter(
        status__in=[KeyRotation.Status.QUEUED, KeyRotation.Status.RUNNING],
        started_at__gte=timezone.now() - timedelta(hours=6),
    ).exists():
        raise ValidationError(
            {"fields": [_("A re-encryption is under way; change the fields when it has finished.")]}
        )
    with transaction.atomic():
        SealedField.objects.filter(subject=subject).exclude(field__in=fields).delete()
        SealedField.objects.bulk_create(
            [SealedField(subject=subject, field=name) for name in sorted(set(fields) - before)]
        )
        trail.record(
            actor=actor,
            action=AuditEvent.Action.CONFIGURE,
            record_type="core.sealedfield",
            fields=sorted(before ^ set(fields)),
            detail={"subject": subject, "sealed": sorted(fields)},
        )
        sealing.forget_marks()
        transaction.on_commit(sealing.forget_marks)
        try:
            return start(actor=actor)
        except RotationError as exc:
            raise ValidationError({"fields": [str(exc)]}) from exc
