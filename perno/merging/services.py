"""Merge two contacts or two companies, undo a merge, purge old undo data.

The path of a merge (one transaction): the audit chain, both rows locked (lowest id
first), the rights (edit the survivor, delete the merged record, see both), the
versions the user started from, the chosen values (each one of the two records'),
then every record pointing at the merged one moves to the survivor (the relinkers
registered as ``merge:<kind>``, see ``records.relinking``; the consent history keeps
the strictest answer, ``merging.consents``), the merged record is deleted through the
record services (search index, change history), the survivor takes the chosen values
and both records' tags, a redirect is left and the merge is recorded with everything
its undo needs for ``UNDO_DAYS`` days."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from perno.accounts.confidential import hidden_fields
from perno.accounts.permissions import check
from perno.audit import trail
from perno.audit.models import AuditEvent, ChangeEntry
from perno.audit.services import change_record
from perno.core.exceptions import ConflictError
from perno.merging import selectors
from perno.merging.models import UNDO_DAYS, Merge, MergeRedirect
from perno.records import extensions
from perno.records.models import Tag
from perno.records.relinking import new_journal, restore, serialize
from perno.records.services import record_delete, record_update
from perno.search import indexer, indexing
from perno.search.models import SearchVisit

SURVIVOR, MERGED = "survivor", "merged"
TAGS = "tags"  # the survivor's tag ids before and after, next to its field values


def _conflict(record: Any, expected: Any, which: str) -> ConflictError:
    return ConflictError(
        _(
            "The %(which)s record was changed after you opened the comparison (your version "
            "%(mine)s, stored version %(theirs)s). Compare them again and repeat the merge."
        )
        % {"which": which, "mine": expected, "theirs": record.version},
        current=record,
        current_version=record.version,
    )


def resolve_choices(
    *, actor: Any, kind: str, survivor: Any, merged: Any, choices: dict[str, Any] | None
) -> dict[str, Any]:
    """The value of every field after the merge. ``choices`` maps a field to
    ``{"from": "survivor"|"merged"}`` or to ``{"value": v}`` where ``v`` must be one of
    the two records' values; fields not named keep the default (the survivor's value
    unless empty). Errors name the field."""
    names = selectors.field_names(kind, survivor, merged)
    hidden = hidden_fields(actor, kind)
    errors: dict[str, list[str]] = {}
    result: dict[str, Any] = {}
    choices = choices or {}
    if not isinstance(choices, dict):
        raise ValidationError({"choices": [_("Give an object: field name -> choice.")]})
    for name in choices:
        if name not in names:
            errors[name] = [
                _("Neither record has a field of this name; the fields are: %(names)s.")
                % {"names": ", ".join(names)}
            ]
    for name in names:
        mine, theirs = (
            selectors.value_of(survivor, name),
            selectors.value_of(merged, name),
        )
        choice = choices.get(name)
        if choice is None:
            pick = selectors.default_choice(survivor, merged, name)
            result[name] = mine if pick == SURVIVOR or name in hidden else theirs
            continue
        if isinstance(choice, str):
            choice = {"from": choice}
        if not isinstance(choice, dict) or not ({"from", "value"} & set(choice)):
            errors[name] = [_('Give {"from": "survivor"} or "merged", or {"value": ...}.')]
            continue
        if "from" in choice:
            if choice["from"] not in (SURVIVOR, MERGED):
                errors[name] = [_('Choose "survivor" or "merged".')]
                continue
            value = mine if choice["from"] == SURVIVOR else theirs
        else:
            value = choice["value"]
            if value not in (mine, theirs):
                errors[name] = [
                    _("This value is neither record's: choose one of the two records' values.")
                ]
                continue
        if name in hidden and value != mine:
            errors[name] = [
                _(
                    "This field is confidential and your roles do not include the right to "
                    "see confidential data: it keeps the surviving record's value."
                )
            ]
            continue
        result[name] = value
    if errors:
        raise ValidationError(errors)
    return result


def _attname(model: type[models.Model], name: str) -> str:
    return str(getattr(model._meta.get_field(name), "attname", name))


def _lock_pair(model: type[models.Model], first: Any, second: Any) -> tuple[Any, Any]:
    rows = {
        row.pk: row
        for row in model._default_manager.select_for_update().filter(pk__in=[first, second])
    }
    if first not in rows or second not in rows:
        raise model.DoesNotExist  # type: ignore[attr-defined]  # deleted meanwhile: 404
    return rows[first], rows[second]


def _move_visits(*, kind: str, source: Any, target: Any, journal: dict[str, list[Any]]) -> None:
    """Users' recent visits follow the record (once per user)."""
    visits = SearchVisit.objects.filter(kind=kind, object_id=source.pk)
    both = SearchVisit.objects.filter(kind=kind, object_id=target.pk).values("user_id")
    dropped = list(visits.filter(user_id__in=both))
    if dropped:
        journal["dropped"].extend(serialize(dropped))
        SearchVisit.objects.filter(pk__in=[v.pk for v in dropped]).delete()
    ids = list(visits.values_list("pk", flat=True))
    SearchVisit.objects.filter(pk__in=ids).update(object_id=target.pk)
    if ids:
        journal["moved"].append([SearchVisit._meta.label, "object_id", sorted(ids)])


def _reindex(journal: dict[str, Any]) -> None:
    """Moved and restored rows that are searchable are indexed again (their entries
    carry the rights of the record they belong to)."""
    indexer.reindex_moved(
        [
            *((label, ids) for label, _field, ids in journal.get("moved", [])),
            *((row["model"], [row["pk"]]) for row in journal.get("dropped", [])),
        ]
    )


def record_merge(
    *,
    actor: Any,
    kind: str,
    survivor: Any,
    merged: Any,
    choices: dict[str, Any] | None = None,
    survivor_version: int | None = None,
    merged_version: int | None = None,
) -> Merge:
    """Merge ``merged`` into ``survivor`` (records of ``kind``: contact or company)."""
    model = selectors.model_for(kind)
    if survivor.pk == merged.pk:
        raise ValidationError({"merged": [_("A record cannot be merged with itself.")]})
    with transaction.atomic():
        trail.lock_chain()
        first, second = sorted([survivor.pk, merged.pk])
        rows = dict(zip((first, second), _lock_pair(model, first, second), strict=True))
        survivor, merged = rows[survivor.pk], rows[merged.pk]
        check(actor, "view", survivor)
        check(actor, "view", merged)
        ensure_may_merge(actor=actor, survivor=survivor, merged=merged)
        if survivor_version is not None and survivor.version != survivor_version:
            raise _conflict(survivor, survivor_version, _("surviving"))
        if merged_version is not None and merged.version != merged_version:
            raise _conflict(merged, merged_version, _("merged"))
        values = resolve_choices(
            actor=actor, kind=kind, survivor=survivor, merged=merged, choices=choices
        )
        before = {name: selectors.value_of(survivor, name) for name in values}
        snapshot = serialize([merged])[0]
        merged_repr = str(merged)[:200]
        tags_before = sorted(tag.pk for tag in survivor.tags.all())
        tags = {tag.pk: tag for tag in survivor.tags.all()} | {
            tag.pk: tag for tag in merged.tags.all()
        }
        journal = new_journal()
        extensions.relink(
            f"merge:{kind}", source=merged, actor=actor, target=survivor, journal=journal
        )
        _move_visits(kind=kind, source=merged, target=survivor, journal=journal)
        merged_pk = merged.pk
        record_delete(actor=actor, instance=merged)
        data = {}
        custom = dict(survivor.custom_fields or {})
        for name, value in values.items():
            if name.startswith(selectors.CUSTOM):
                key = name[len(selectors.CUSTOM) :]
                if selectors.empty(value):
                    custom.pop(key, None)
                else:
                    custom[key] = value
            elif value != before[name]:
                data[_attname(model, name)] = value
        if custom != (survivor.custom_fields or {}):
            data["custom_fields"] = custom
        survivor = record_update(
            actor=actor,
            instance=survivor,
            data=data,
            expected_version=None,
            tags=list(tags.values()),
        )
        after = {name: selectors.value_of(survivor, name) for name in values}
        merge = Merge.objects.create(
            kind=kind,
            **{f"survivor_{kind}": survivor},
            merged_id=merged_pk,
            actor=actor if getattr(actor, "pk", None) else None,
            snapshot=snapshot,
            merged_repr=merged_repr,
            journal=journal,
            chosen=sorted(name for name in values if after[name] != before[name]),
            survivor_before={**serialize_values(before), TAGS: tags_before},
            survivor_after={**serialize_values(after), TAGS: sorted(tags)},
        )
        MergeRedirect.objects.create(kind=kind, old_id=merged_pk, new_id=survivor.pk, merge=merge)
        _reindex(journal)
        change_record(
            actor=actor,
            instance=survivor,
            action=ChangeEntry.Action.UPDATE,
            # The number only: whoever reads the survivor's history may not have seen
            # the merged record (its name is on the merge's page, for who could).
            changes={"merged": [None, f"{kind}:{merged_pk}"]},
        )
        trail.record(
            actor=actor,
            action=AuditEvent.Action.UPDATE,
            obj=survivor,
            fields=merge.chosen,
            detail={"merge": merge.pk, "merged": merged_pk, "moved": moved_counts(journal)},
        )
    return merge


def serialize_values(values: dict[str, Any]) -> dict[str, Any]:
    """Values as JSON keeps them (dates and decimals as text, as the API shows them)."""
    out = {}
    for name, value in values.items():
        plain = value is None or isinstance(value, (str, int, float, bool, list, dict))
        out[name] = value if plain else str(value)
    return out


def moved_counts(journal: dict[str, Any]) -> dict[str, int]:
    """How many rows moved, per table (``app_label.Model``)."""
    counts: dict[str, int] = {}
    for label, _field, ids in journal.get("moved", []):
        counts[label] = counts.get(label, 0) + len(ids)
    return counts


def merge_undo(*, actor: Any, merge: Merge) -> Merge:
    """Undo ``merge``: the merged record comes back with its id, what moved goes back,
    the survivor gets its earlier values where they were not changed since (the others
    are listed in ``merge.not_restored``), the redirect goes."""
    model = selectors.model_for(merge.kind)
    with transaction.atomic():
        trail.lock_chain()
        merge = Merge.objects.select_for_update().get(pk=merge.pk)
        if not merge.undoable:
            raise ValidationError(
                _(
                    "This merge can no longer be undone (undone already, or more than %(days)s days ago)."
                )
                % {"days": UNDO_DAYS}
            )
        survivor: Any = model._default_manager.select_for_update().get(pk=merge.survivor_id)
        check(actor, "edit", survivor)
        check(actor, "create", merge.kind)
        if model._default_manager.filter(pk=merge.merged_id).exists():
            raise ValidationError(_("A record with the merged record's id exists again."))
        restored = restore([merge.snapshot])[0]
        check(actor, "view", restored)
        indexing.saved(restored)
        journal = merge.journal or {}
        not_restored: list[str] = []
        for row in journal.get("created", []):
            apps.get_model(row[0])._default_manager.filter(pk__in=row[1]).delete()
        for label, field, ids in journal.get("moved", []):
            related = apps.get_model(label)
            back = related._default_manager.filter(pk__in=ids, **{field: survivor.pk})
            moved = back.update(**{field: merge.merged_id})
            if moved < len(ids):
                not_restored.append(
                    _("%(count)s of %(total)s %(what)s had moved on or gone since the merge.")
                    % {
                        "count": len(ids) - moved,
                        "total": len(ids),
                        "what": related._meta.verbose_name_plural,
                    }
                )
        restore(
            [
                row
                for row in journal.get("dropped", [])
                if not apps.get_model(row["model"])._default_manager.filter(pk=row["pk"]).exists()
            ]
        )
        data, custom = {}, dict(survivor.custom_fields or {})
        before, after = dict(merge.survivor_before), dict(merge.survivor_after)
        tags_before, tags_after = before.pop(TAGS, None), after.pop(TAGS, None)
        tags = None
        if tags_before is not None:
            if sorted(survivor.tags.values_list("pk", flat=True)) == tags_after:
                tags = list(Tag.objects.filter(pk__in=tags_before))
            else:
                not_restored.append(
                    _("The tags were changed after the merge and keep their new values.")
                )
        for name, old in before.items():
            now = serialize_values({name: selectors.value_of(survivor, name)})[name]
            if now == old:
                continue
            if now == after.get(name):  # as the merge left it: back to its earlier value
                if name.startswith(selectors.CUSTOM):
                    key = name[len(selectors.CUSTOM) :]
                    if old is None:
                        custom.pop(key, None)
                    else:
                        custom[key] = old
                else:
                    data[_attname(model, name)] = old
            else:
                not_restored.append(
                    _("%(field)s was changed after the merge and keeps its new value.")
                    % {"field": selectors.label_of(merge.kind, name)}
                )
        if custom != (survivor.custom_fields or {}):
            data["custom_fields"] = custom
        survivor = record_update(
            actor=actor, instance=survivor, data=data, expected_version=None, tags=tags
        )
        merge.redirects.all().delete()
        _reindex(journal)
        change_record(
            actor=actor,
            instance=restored,
            action=ChangeEntry.Action.CREATE,
            changes={"merged": [f"{merge.kind}:{survivor.pk} {survivor}", None]},
        )
        trail.record(
            actor=actor,
            action=AuditEvent.Action.CREATE,
            obj=restored,
            detail={"merge_undone": merge.pk, "survivor": survivor.pk},
        )
        merge.undone_at = timezone.now()
        merge.undone_by = actor if getattr(actor, "pk", None) else None
        merge.not_restored = not_restored
        merge.snapshot, merge.journal = {}, {}
        merge.survivor_before, merge.survivor_after = {}, {}
        merge.save()
    return merge


def merges_purge(*, now: Any = None) -> int:
    """Empty the undo data of merges older than ``UNDO_DAYS`` days (retention): the
    merge and its redirect stay, with ids only."""
    cutoff = (now or timezone.now()) - timedelta(days=UNDO_DAYS)
    with transaction.atomic():
        trail.lock_chain()
        expired = Merge.objects.filter(created_at__lt=cutoff, purged_at__isnull=True)
        ids = list(expired.values_list("pk", flat=True))
        Merge.objects.filter(pk__in=ids).update(
            snapshot={},
            journal={},
            survivor_before={},
            survivor_after={},
            merged_repr="",
            chosen=[],
            purged_at=timezone.now(),
        )
        if ids:
            trail.record(
                actor=None,
                action=AuditEvent.Action.RETENTION,
                record_type=Merge._meta.label_lower,
                subject="",
                detail={"merges_purged": len(ids)},
            )
    return len(ids)


def ensure_may_merge(*, actor: Any, survivor: Any, merged: Any) -> None:
    """The rights a merge needs, checked before the comparison is shown."""
    try:
        check(actor, "edit", survivor)
        check(actor, "delete", merged)
    except PermissionDenied as exc:
        raise PermissionDenied(
            _(
                "To merge you need the right to edit the surviving record and to delete the other: %(why)s"
            )
            % {"why": exc}
        ) from exc
