"""The change history of a record as a user may read it: values of fields hidden from
them (confidential) replaced by a marker, and the names of records the entries point at
that they may not open replaced by a placeholder (decided by the gate)."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db import models

from perno.accounts.confidential import placeholder, redact_changes, subject_model
from perno.accounts.permissions import check, restrict, sees_all
from perno.accounts.rights import SUBJECTS
from perno.audit.models import ChangeEntry
from perno.core.diffs import REF


def change_history(*, user: Any, instance: models.Model, limit: int = 50) -> list[ChangeEntry]:
    """Newest first, as ``user`` may read it."""
    check(user, "view", instance)
    entries = list(
        ChangeEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(instance), object_id=instance.pk
        )
        .select_related("actor")
        .order_by("-created_at", "-id")[:limit]
    )
    subject = instance._meta.model_name or ""
    visible = _visible_refs(user, entries)
    for entry in entries:
        changes = redact_changes(user, subject, entry.changes or {})
        entry.changes = _references(user, type(instance), changes, visible)
    return entries


def _parse(value: Any) -> tuple[str, int] | None:
    if not isinstance(value, str) or ":" not in value:
        return None
    subject, _sep, pk = value.partition(":")
    return (subject, int(pk)) if pk.isdecimal() else None


def _visible_refs(user: Any, entries: list[ChangeEntry]) -> set[tuple[str, int]]:
    """The referenced records (subject, id) the user may open: one query per type."""
    wanted: dict[str, set[int]] = {}
    for entry in entries:
        for key, values in (entry.changes or {}).items():
            if key.endswith(REF) and isinstance(values, list):
                for parsed in filter(None, map(_parse, values)):
                    if parsed[0] in SUBJECTS:
                        wanted.setdefault(parsed[0], set()).add(parsed[1])
    visible: set[tuple[str, int]] = set()
    for subject, ids in wanted.items():
        model = subject_model(subject)
        rows = restrict(model._default_manager.filter(pk__in=ids), user, "view")
        visible.update((subject, pk) for pk in rows.values_list("pk", flat=True))
    return visible


def _link_subject(model: type[models.Model], key: str) -> str | None:
    """The gated record type a field of ``model`` points at, if any."""
    try:
        field = model._meta.get_field(key)
    except FieldDoesNotExist:  # a key that is not a field (companies, comment...)
        return None
    target = getattr(field, "related_model", None)
    name = target._meta.model_name if target is not None and field.many_to_one else None
    return name if name in SUBJECTS else None


def _references(
    user: Any,
    model: type[models.Model],
    changes: dict[str, Any],
    visible: set[tuple[str, int]],
) -> dict[str, Any]:
    refs = {key.removesuffix(REF): value for key, value in changes.items() if key.endswith(REF)}
    out: dict[str, Any] = {}
    for key, values in changes.items():
        if key.endswith(REF):
            continue
        if key in refs and isinstance(values, list) and isinstance(refs[key], list):
            shown = []
            for value, target in zip(values, refs[key], strict=False):
                parsed = _parse(target)
                if value is None or parsed is None or parsed[0] not in SUBJECTS:
                    shown.append(value)
                else:
                    shown.append(value if parsed in visible else str(placeholder(parsed[0])))
            values = shown
        elif (
            (subject := _link_subject(model, key))
            and not sees_all(user, subject)
            and isinstance(values, list)
        ):
            # An entry written before links recorded their target: shown only to who
            # sees every record of that type.
            values = [None if v is None else str(placeholder(subject)) for v in values]
        out[key] = values
    return out
