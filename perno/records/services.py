"""The generic part of every record service: ownership defaults, validation, optimistic
locking, tags and the change history, all inside the caller's transaction."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from perno.accounts.confidential import hidden_fields
from perno.accounts.permissions import check
from perno.audit.models import ChangeEntry
from perno.audit.services import change_record
from perno.audit.trail import lock_chain
from perno.core.diffs import diff, snapshot
from perno.core.exceptions import ConflictError
from perno.records.models import Tag
from perno.search import indexing


def tracked_fields(model: type[models.Model]) -> list[str]:
    skip = {"id", "created_at", "updated_at", "version", "custom_fields"}
    return [f.name for f in model._meta.concrete_fields if f.name not in skip and f.editable]


def _state(instance: models.Model, fields: list[str]) -> dict[str, Any]:
    state = snapshot(instance, fields)
    for key, value in (getattr(instance, "custom_fields", None) or {}).items():
        state[f"custom_fields.{key}"] = value
    if instance.pk and hasattr(instance, "tags"):
        state["tags"] = sorted(tag.name for tag in instance.tags.all())
    return state


def reject_unknown_fields(data: dict[str, Any], allowed: set[str]) -> None:
    """A service takes only the fields it knows; anything else is a field error."""
    unknown = set(data) - allowed
    if unknown:
        raise ValidationError({key: [_("Unknown field.")] for key in sorted(unknown)})


def _guard_hidden(actor: Any, instance: models.Model, before: dict[str, Any] | None) -> None:
    """A user may not write fields hidden from them (they cannot see what they'd replace)."""
    hidden = hidden_fields(actor, instance._meta.model_name or "")
    if not hidden:
        return
    state = _state(instance, tracked_fields(type(instance)))
    touched = []
    for name in hidden:
        now = state.get(name)
        was = (before or {}).get(name)
        if before is None and now in (None, "", False):
            continue
        if before is not None and now == was:
            continue
        touched.append(name)
    if touched:
        raise PermissionDenied(
            _(
                "These fields are confidential and your roles do not include the right to see confidential data: %(fields)s."
            )
            % {"fields": ", ".join(sorted(touched))}
        )


def tags_from_names(names: Iterable[str]) -> list[Tag]:
    """The tags of these names, created when new; a name longer than a tag's maximum is
    refused (a field error on ``tags``), never cut."""
    names = {n.strip() for n in names if n and n.strip()}
    limit = Tag._meta.get_field("name").max_length or 0
    too_long = sorted(name for name in names if len(name) > limit)
    if too_long:
        raise ValidationError(
            {
                "tags": [
                    _("A tag has at most %(max)s characters; “%(tag)s…” has %(length)s.")
                    % {"max": limit, "tag": name[:20], "length": len(name)}
                    for name in too_long[:5]
                ]
            }
        )
    lock_chain()  # it may insert tags: the chain comes first (see record_lock)
    tags = []
    for name in names:
        tag, _created = Tag.objects.get_or_create(name=name)
        tags.append(tag)
    return tags


def record_create[M: models.Model](
    *, actor: Any, instance: M, tags: Iterable[Tag] | None = None
) -> M:
    """Validate and insert ``instance`` owned by ``actor`` (unless set) and log it."""
    if hasattr(instance, "owner_id") and instance.owner_id is None and getattr(actor, "pk", None):
        instance.owner = actor  # type: ignore[attr-defined]
    if (
        hasattr(instance, "team_id")
        and instance.team_id is None
        and getattr(actor, "team_id", None)
    ):
        instance.team_id = actor.team_id
    check(actor, "create", instance)
    _guard_hidden(actor, instance, None)
    _refuse_nulls(
        instance,
        {
            f.name: None
            for f in instance._meta.concrete_fields
            if getattr(instance, f.attname) is None
        },
        strict=False,  # full_clean reports the other missing fields
    )
    instance.full_clean()
    with transaction.atomic():
        lock_chain()
        instance.save()
        if tags is not None:
            instance.tags.set(tags)  # type: ignore[attr-defined]
        indexing.saved(instance)
        state = _state(instance, tracked_fields(type(instance)))
        change_record(
            actor=actor,
            instance=instance,
            action=ChangeEntry.Action.CREATE,
            changes={k: [None, v] for k, v in state.items() if v not in (None, "", [], {}, False)},
        )
    return instance


def _refuse_nulls(instance: models.Model, data: dict[str, Any], *, strict: bool = True) -> None:
    """A null (JSON ``null``) for a text field clears it; for another field that cannot be
    empty it is an error. Django's full_clean lets None through for blank fields."""
    errors: dict[str, list[str]] = {}
    for key, value in data.items():
        if value is not None:
            continue
        try:
            field = instance._meta.get_field(key)
        except FieldDoesNotExist:
            continue
        if getattr(field, "null", True) or getattr(field, "primary_key", False):
            continue
        if isinstance(field, (models.CharField, models.TextField)):
            setattr(instance, field.attname, "")
        elif strict:
            errors[key] = [_("This field cannot be empty.")]
    if errors:
        raise ValidationError(errors)


def record_lock[M: models.Model](model: type[M], pk: Any) -> M:
    """The row, locked for the rest of the transaction, after the audit chain (the one
    lock order of every write, see ``audit.trail.lock_chain``). A row deleted meanwhile
    raises ``DoesNotExist``, which the API and the pages answer with 404."""
    lock_chain()
    return model._default_manager.select_for_update().get(pk=pk)


def record_update[M: models.Model](
    *,
    actor: Any,
    instance: M,
    data: dict[str, Any],
    expected_version: int | None,
    tags: Iterable[Tag] | None = None,
    action: str = ChangeEntry.Action.UPDATE,
) -> M:
    """Apply ``data`` to the locked row. ``expected_version`` is the version the user
    started from; a different stored version raises ConflictError and changes nothing."""
    if getattr(instance, "_perno_redacted", False):
        raise RuntimeError("a redacted (display-only) record was passed to a service")
    with transaction.atomic():
        locked = record_lock(type(instance), instance.pk)
        check(actor, "edit", locked)
        if expected_version is not None and getattr(locked, "version", None) != expected_version:
            raise ConflictError(
                _(
                    "Someone else changed this record while you were editing it (your version %(mine)s, stored version %(theirs)s). Review the stored values and apply your changes again."
                )
                % {"mine": expected_version, "theirs": locked.version},  # type: ignore[attr-defined]
                current=locked,
                current_version=locked.version,  # type: ignore[attr-defined]
            )
        fields = tracked_fields(type(locked))
        before = _state(locked, fields)
        for key, value in data.items():
            setattr(locked, key, value)
        _refuse_nulls(locked, data)
        _guard_hidden(actor, locked, before)
        if getattr(locked, "is_confidential", False) and not before.get("is_confidential"):
            check(actor, "view", locked)  # only who may see confidential data may mark it
        locked.full_clean()
        if hasattr(locked, "version"):
            locked.version += 1  # type: ignore[attr-defined]
        locked.save()
        if tags is not None:
            locked.tags.set(tags)  # type: ignore[attr-defined]
        indexing.saved(locked)
        change_record(
            actor=actor,
            instance=locked,
            action=action,
            changes=diff(before, _state(locked, fields)),
        )
    return locked


def record_delete(*, actor: Any, instance: models.Model) -> None:
    with transaction.atomic():
        instance = record_lock(type(instance), instance.pk)
        check(actor, "delete", instance)
        change_record(actor=actor, instance=instance, action=ChangeEntry.Action.DELETE, changes={})
        indexing.delete(instance)
