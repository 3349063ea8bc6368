"""Bulk edit and bulk delete of a selection of records, through each record type's own
services (so validation, change history, search index, optimistic locking and the audit
trail apply to every record exactly as when it is edited alone).

A selection is either explicit ids (a page's ticked rows) or "everything matching this
filter" minus the rows unticked afterwards, resolved on the server through the list's
selector, which applies the gate: ids the user cannot see are dropped without a trace.

The rules of one bulk request:

- the gate decides per record: a record the user may see but not edit (or delete) is
  *skipped*, and so is one changed by someone else since it was selected (a stale
  version, or changed after the selection's ``as_of`` moment), and one that a rule keeps
  from being deleted (other records depend on it); the result says how many and why;
- a record whose new values are *invalid* (a stage of another pipeline, a custom field
  value of the wrong type) rolls the whole request back: nothing is changed, and the
  message names the record and the field. Invalid values are the user's mistake about
  the whole selection; a partial change would leave the selection half-edited;
- the request is one transaction; ``audit.trail.lock_chain`` comes first.

Higher apps register their record types (``register_bulk``) at start-up.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import ProtectedError, QuerySet, RestrictedError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from perno.accounts.models import Team, User
from perno.accounts.permissions import check, restrict
from perno.audit.trail import lock_chain
from perno.core.exceptions import ConflictError
from perno.search import indexing

CHUNK = 500
MAX_EXPLICIT_IDS = 10_000  # a page sends at most a few hundred; more is a filter selection
SKIP_REASONS: dict[str, Any] = {
    "rights": gettext_lazy("your roles do not allow it on these records"),
    "stale": gettext_lazy("someone else changed them after you selected them"),
    "protected": gettext_lazy("other records depend on them"),
}


@dataclass(frozen=True)
class BulkType:
    """How a record type is changed in bulk: its model, the list selector (``user=``,
    ``filters=``), its update and delete services (the record passed as ``arg``) and
    what may be set besides owner, team and tags."""

    model: type[models.Model]
    selector: Callable[..., QuerySet]
    update: Callable[..., Any]
    delete: Callable[..., Any]
    arg: str
    custom_fields: str = ""  # the custom-field entity, when the service takes them
    statuses: tuple[str, ...] = ()  # the statuses a bulk edit may set
    stage: Callable[[Any], Any] | None = None  # id -> stage, for record types with stages


_types: dict[str, BulkType] = {}


def register_bulk(subject: str, bulk_type: BulkType) -> None:
    _types[subject] = bulk_type


def bulk_type(subject: str) -> BulkType:
    try:
        return _types[subject]
    except KeyError:
        raise ValidationError(
            {"type": [_("Bulk changes are not available for “%(type)s”.") % {"type": subject}]}
        ) from None


@dataclass
class Selection:
    """Ticked ids, or every record matching ``filters`` except ``exclude``."""

    ids: list[int] = field(default_factory=list)
    everything: bool = False
    filters: dict[str, Any] = field(default_factory=dict)
    exclude: list[int] = field(default_factory=list)
    as_of: datetime.datetime | None = None  # when the user saw the list
    versions: dict[int, int] = field(default_factory=dict)  # id -> version the user saw

    def as_json(self) -> dict[str, Any]:
        return {
            "ids": self.ids,
            "everything": self.everything,
            "filters": self.filters,
            "exclude": self.exclude,
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "versions": {str(k): v for k, v in self.versions.items()},
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Selection:
        as_of = data.get("as_of")
        return cls(
            ids=[int(i) for i in data.get("ids") or []],
            everything=bool(data.get("everything")),
            filters=dict(data.get("filters") or {}),
            exclude=[int(i) for i in data.get("exclude") or []],
            as_of=datetime.datetime.fromisoformat(as_of) if as_of else None,
            versions={int(k): int(v) for k, v in (data.get("versions") or {}).items()},
        )


def resolve(subject: str, selection: Selection, user: Any) -> QuerySet:
    """The selected records the user may see (the gate is in the list selector)."""
    kind = bulk_type(subject)
    if not selection.everything and not selection.ids:
        raise ValidationError(
            {"selection": [_("Nothing is selected. Tick the records to change first.")]}
        )
    if len(selection.ids) > MAX_EXPLICIT_IDS:
        raise ValidationError(
            {
                "ids": [
                    _(
                        "At most %(max)s ids may be listed; select every record matching a filter instead."
                    )
                    % {"max": MAX_EXPLICIT_IDS}
                ]
            }
        )
    if selection.everything:
        queryset = kind.selector(user=user, filters=selection.filters or None)
        if selection.exclude:
            queryset = queryset.exclude(pk__in=selection.exclude)
    else:
        queryset = kind.selector(user=user, filters=None).filter(pk__in=selection.ids)
    return queryset.order_by("pk")


@dataclass
class Changes:
    """What a bulk edit sets. ``data`` holds owner, team, status and stage as the
    services take them; tags are added and removed by name."""

    data: dict[str, Any] = field(default_factory=dict)
    add_tags: list[str] = field(default_factory=list)
    remove_tags: list[str] = field(default_factory=list)
    custom_fields: dict[str, Any] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.data or self.add_tags or self.remove_tags or self.custom_fields)


EDITABLE = ("owner", "team", "add_tags", "remove_tags", "status", "stage", "custom_fields")


def _tag_names(value: Any, key: str) -> list[str]:
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise ValidationError({key: [_("Give the tags as a list of names.")]})
    return sorted({v.strip() for v in value if v.strip()})


def _pk(value: Any, key: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValidationError({key: [_("Give the id (a whole number).")]}) from None


def parse_changes(subject: str, raw: dict[str, Any]) -> Changes:
    """Validate the requested changes as a whole (before any record is touched):
    unknown fields, unknown owner, team or stage, a status the type does not have."""
    kind = bulk_type(subject)
    allowed = set(EDITABLE)
    if not kind.statuses:
        allowed.discard("status")
    if kind.stage is None:
        allowed.discard("stage")
    if not kind.custom_fields:
        allowed.discard("custom_fields")
    errors: dict[str, list[str]] = {}
    for key in sorted(set(raw) - allowed):
        errors[key] = [
            _("This field cannot be changed in bulk here. Fields that can: %(fields)s.")
            % {"fields": ", ".join(sorted(allowed))}
        ]
    changes = Changes()
    try:
        if "owner" in raw:
            pk = _pk(raw["owner"], "owner")
            owner = User.objects.filter(pk=pk, is_active=True).first() if pk else None
            if pk and owner is None:
                errors["owner"] = [_("There is no active user with this id.")]
            changes.data["owner"] = owner
        if "team" in raw:
            pk = _pk(raw["team"], "team")
            team = Team.objects.filter(pk=pk).first() if pk else None
            if pk and team is None:
                errors["team"] = [_("There is no team with this id.")]
            changes.data["team"] = team
        if "status" in raw and "status" in allowed:
            if raw["status"] not in kind.statuses:
                errors["status"] = [
                    _("Choose one of: %(choices)s.") % {"choices": ", ".join(kind.statuses)}
                ]
            changes.data["status"] = raw["status"]
        if "stage" in raw and kind.stage is not None:
            stage = kind.stage(_pk(raw["stage"], "stage"))
            if stage is None:
                errors["stage"] = [_("There is no stage with this id.")]
            changes.data["stage"] = stage
        if "add_tags" in raw:
            changes.add_tags = _tag_names(raw["add_tags"], "add_tags")
        if "remove_tags" in raw:
            changes.remove_tags = _tag_names(raw["remove_tags"], "remove_tags")
        if "custom_fields" in raw and kind.custom_fields:
            if not isinstance(raw["custom_fields"], dict):
                errors["custom_fields"] = [_("Custom fields must be an object of key: value.")]
            else:
                changes.custom_fields = dict(raw["custom_fields"])
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    if not changes:
        raise ValidationError({"changes": [_("Choose at least one change to apply.")]})
    return changes


@dataclass
class BulkResult:
    selected: int = 0
    changed: int = 0
    unchanged: int = 0
    skipped: dict[str, list[int]] = field(default_factory=dict)

    def skip(self, reason: str, pk: int) -> None:
        self.skipped.setdefault(reason, []).append(pk)

    @property
    def forbidden(self) -> bool:
        """Nothing done, and only because the user may not: the request as a whole is
        refused (403), as it would be for one record."""
        return not self.changed and not self.unchanged and set(self.skipped) == {"rights"}

    @property
    def skipped_count(self) -> int:
        return sum(len(ids) for ids in self.skipped.values())

    def as_json(self) -> dict[str, Any]:
        return {
            "selected": self.selected,
            "changed": self.changed,
            "unchanged": self.unchanged,
            "skipped": self.skipped_count,
            "skipped_by_reason": {
                reason: {"count": len(ids), "reason": str(SKIP_REASONS[reason]), "ids": ids[:100]}
                for reason, ids in self.skipped.items()
            },
        }

    def summary(self, *, deleted: bool = False) -> str:
        head = (
            _("Deleted %(n)s of %(total)s selected records.")
            if deleted
            else _("Changed %(n)s of %(total)s selected records.")
        ) % {"n": self.changed, "total": self.selected}
        parts = [head]
        if self.unchanged:
            parts.append(_("%(n)s already had these values.") % {"n": self.unchanged})
        for reason, ids in self.skipped.items():
            parts.append(
                _("Skipped %(n)s: %(why)s.") % {"n": len(ids), "why": SKIP_REASONS[reason]}
            )
        return " ".join(parts)


class BulkInvalid(ValidationError):
    """A record's new values are invalid: the whole request is rolled back."""


def _invalid(obj: models.Model, exc: ValidationError) -> BulkInvalid:
    problems = []
    for key, messages in exc.message_dict.items():
        label = key if key != "__all__" else _("record")
        problems.append(f"{label}: {' '.join(messages)}")
    return BulkInvalid(
        _(
            "Nothing was changed: %(type)s #%(id)s “%(name)s” would not be valid (%(problems)s). Change the values or leave that record out of the selection."
        )
        % {
            "type": obj._meta.verbose_name,
            "id": obj.pk,
            "name": str(obj)[:80],
            "problems": "; ".join(problems),
        }
    )


def _is_stale(obj: Any, selection: Selection) -> bool:
    seen = selection.versions.get(obj.pk)
    if seen is not None and getattr(obj, "version", seen) != seen:
        return True
    return bool(
        selection.as_of is not None
        and getattr(obj, "updated_at", None)
        and obj.updated_at > selection.as_of
    )


def _planned(obj: Any, changes: Changes) -> tuple[dict[str, Any], list[str] | None, bool]:
    """What this record's service is given, and whether anything would change."""
    data = {}
    for key, value in changes.data.items():
        current = getattr(obj, f"{key}_id" if key in {"owner", "team", "stage"} else key)
        wanted = getattr(value, "pk", value)
        if current != wanted:
            data[key] = value
    tags = None
    if changes.add_tags or changes.remove_tags:
        names = {t.name for t in obj.tags.all()}
        wanted_tags = (names | set(changes.add_tags)) - set(changes.remove_tags)
        if wanted_tags != names:
            tags = sorted(wanted_tags)
    custom = getattr(obj, "custom_fields", None) or {}
    custom_differs = any(custom.get(k) != v for k, v in changes.custom_fields.items())
    return data, tags, bool(data or tags is not None or custom_differs)


ProgressFn = Callable[[int, int], None]


def _rows(queryset: QuerySet, ids: list[int], *, tags: bool) -> Iterable[Any]:
    for start in range(0, len(ids), CHUNK):
        chunk = queryset.model._default_manager.filter(pk__in=ids[start : start + CHUNK])
        if tags:
            chunk = chunk.prefetch_related("tags")
        yield from chunk.order_by("pk")


def _allowed(
    actor: Any, subject: str, selection: Selection, action: str, result: BulkResult
) -> tuple[QuerySet, list[int]]:
    """The selected records the user sees, and the ids of those they may ``action``
    (in selection order); the others are counted as skipped for their rights."""
    visible = resolve(subject, selection, actor)
    ids = list(visible.values_list("pk", flat=True))
    allowed = set(restrict(visible, actor, action).values_list("pk", flat=True))
    result.selected = len(ids)
    for pk in ids:
        if pk not in allowed:
            result.skip("rights", pk)
    return visible, [pk for pk in ids if pk in allowed]


def bulk_update(
    *,
    actor: Any,
    subject: str,
    selection: Selection,
    changes: Changes,
    progress: ProgressFn | None = None,
) -> BulkResult:
    """Apply ``changes`` to every selected record the user may edit (see the module)."""
    kind = bulk_type(subject)
    check(actor, "edit", subject)
    result = BulkResult()
    with transaction.atomic(), indexing.bulk_changes():
        lock_chain()
        visible, todo = _allowed(actor, subject, selection, "edit", result)
        tags = bool(changes.add_tags or changes.remove_tags)
        for done, obj in enumerate(_rows(visible, todo, tags=tags), start=1):
            if _is_stale(obj, selection):
                result.skip("stale", obj.pk)
                continue
            data, tag_names, differs = _planned(obj, changes)
            if not differs:
                result.unchanged += 1
                continue
            extra: dict[str, Any] = {}
            if changes.custom_fields:
                extra["custom_fields"] = changes.custom_fields
            try:
                kind.update(
                    actor=actor,
                    **{kind.arg: obj},
                    data=data,
                    expected_version=getattr(obj, "version", None),
                    tags=tag_names,
                    **extra,
                )
            except PermissionDenied:
                result.skip("rights", obj.pk)
                continue
            except ConflictError:
                result.skip("stale", obj.pk)
                continue
            except ValidationError as exc:
                raise _invalid(obj, exc) from exc
            result.changed += 1
            if progress and done % 100 == 0:
                progress(done, len(todo))
    return result


def bulk_delete(
    *, actor: Any, subject: str, selection: Selection, progress: ProgressFn | None = None
) -> BulkResult:
    """Delete every selected record the user may delete, each by its type's delete
    service (history, search index and the rules that keep a record)."""
    kind = bulk_type(subject)
    check(actor, "delete", subject)
    result = BulkResult()
    with transaction.atomic(), indexing.bulk_changes():
        lock_chain()
        visible, todo = _allowed(actor, subject, selection, "delete", result)
        for done, obj in enumerate(_rows(visible, todo, tags=False), start=1):
            if _is_stale(obj, selection):
                result.skip("stale", obj.pk)
                continue
            try:
                kind.delete(actor=actor, **{kind.arg: obj})
            except PermissionDenied:
                result.skip("rights", obj.pk)
                continue
            except (ProtectedError, RestrictedError):
                result.skip("protected", obj.pk)
                continue
            result.changed += 1
            if progress and done % 100 == 0:
                progress(done, len(todo))
    return result


def count_selected(subject: str, selection: Selection, user: Any) -> int:
    return resolve(subject, selection, user).count()
