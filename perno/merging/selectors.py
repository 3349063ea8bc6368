"""Reads for merging: the fields two records are compared on, what would move, a merge
as a user may see it, and where a merged record's old id leads now."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from django.core import serializers
from django.db import models
from django.http import Http404
from django.utils.translation import gettext as _

from perno.accounts.confidential import hidden_fields
from perno.accounts.permissions import can, obtain, restrict, sees_all
from perno.contacts.models import Company, Contact, CustomFieldDefinition
from perno.contacts.services import COMPANY_FIELDS, CONTACT_FIELDS
from perno.merging.models import Kind, Merge, MergeRedirect

MODELS: dict[str, type[models.Model]] = {Kind.CONTACT: Contact, Kind.COMPANY: Company}
CHOOSABLE: dict[str, set[str]] = {Kind.CONTACT: CONTACT_FIELDS, Kind.COMPANY: COMPANY_FIELDS}
CUSTOM = "custom_fields."
# How far a chain of redirects is followed (a record merged into one merged later...).
MAX_HOPS = 50


def model_for(kind: str) -> type[models.Model]:
    try:
        return MODELS[kind]
    except KeyError:
        raise Http404 from None


def field_names(kind: str, *records: Any) -> list[str]:
    """The fields a merge chooses a value for, in the form's order: the record's own
    fields, then the custom fields (defined ones, and keys either record holds)."""
    model = MODELS[kind]
    names = [f.name for f in model._meta.concrete_fields if f.name in CHOOSABLE[kind]]
    keys = [d.key for d in CustomFieldDefinition.objects.filter(entity=kind, is_active=True)]
    for record in records:
        keys += [key for key in (record.custom_fields or {}) if key not in keys]
    return names + [CUSTOM + key for key in keys]


def value_of(record: Any, name: str) -> Any:
    """The JSON value of a choosable field (a linked owner or team as its id)."""
    if name.startswith(CUSTOM):
        return (record.custom_fields or {}).get(name[len(CUSTOM) :])
    model_field = record._meta.get_field(name)
    value = getattr(record, model_field.attname)
    return "" if value is None and isinstance(model_field, models.CharField) else value


def display(record: Any, name: str) -> str:
    """A choosable field's value as the comparison shows it (a linked record by name)."""
    value = value_of(record, name)
    if empty(value):
        return ""
    if not name.startswith(CUSTOM):
        model_field = record._meta.get_field(name)
        if model_field.is_relation:
            return str(getattr(record, name))
        if model_field.choices:
            return str(getattr(record, f"get_{name}_display")())
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    return str(value)


def empty(value: Any) -> bool:
    return value in (None, "", [], {})


def default_choice(survivor: Any, merged: Any, name: str) -> str:
    """The survivor's value unless empty, else the other's."""
    if empty(value_of(survivor, name)) and not empty(value_of(merged, name)):
        return "merged"
    return "survivor"


def label_of(kind: str, name: str) -> str:
    if name.startswith(CUSTOM):
        key = name[len(CUSTOM) :]
        definition = CustomFieldDefinition.objects.filter(entity=kind, key=key).first()
        return definition.label if definition else key
    return str(getattr(MODELS[kind]._meta.get_field(name), "verbose_name", name))


@dataclass
class Row:
    name: str
    label: str
    survivor: Any
    merged: Any
    choice: str
    survivor_text: str = ""
    merged_text: str = ""
    hidden: bool = False
    same: bool = field(default=False)


def compare(*, user: Any, kind: str, survivor: Any, merged: Any) -> list[Row]:
    """One row per field, with the default choice; fields hidden from the user keep the
    survivor's value (they cannot see what they would choose)."""
    hidden = hidden_fields(user, kind)
    rows = []
    for name in field_names(kind, survivor, merged):
        mine, theirs = value_of(survivor, name), value_of(merged, name)
        rows.append(
            Row(
                name=name,
                label=label_of(kind, name),
                survivor=mine,
                merged=theirs,
                survivor_text="" if name in hidden else display(survivor, name),
                merged_text="" if name in hidden else display(merged, name),
                choice="survivor" if name in hidden else default_choice(survivor, merged, name),
                hidden=name in hidden,
                same=mine == theirs,
            )
        )
    return rows


def moving_counts(kind: str, merged: Any) -> list[tuple[str, int]]:
    """What would move, per kind of related record (counted over every row: the user
    sees the numbers, not the rows)."""
    counts = []
    related: Any
    for related in MODELS[kind]._meta.get_fields(include_hidden=True):
        if not (related.auto_created and not related.concrete) or related.many_to_many:
            continue
        model = related.related_model
        if model._meta.auto_created or model is Merge:
            continue
        count = model._default_manager.filter(**{related.field.name: merged.pk}).count()
        if count:
            counts.append((str(model._meta.verbose_name_plural), count))
    return sorted(counts)


def record_get(*, user: Any, kind: str, pk: Any) -> Any:
    """A record of ``kind`` the user may see (404 otherwise)."""
    return obtain(model_for(kind)._default_manager.all(), user, pk)


def visible(*, user: Any, kind: str, pk: Any) -> bool:
    return restrict(model_for(kind)._default_manager.all(), user).filter(pk=pk).exists()


def record_pair(*, user: Any, kind: str, survivor_id: Any, merged_id: Any) -> tuple[Any, Any]:
    """Both records, each one the user may see (404 otherwise)."""
    return (
        record_get(user=user, kind=kind, pk=survivor_id),
        record_get(user=user, kind=kind, pk=merged_id),
    )


def merge_get(*, user: Any, pk: Any) -> Merge:
    """A merge whose survivor the user may see."""
    try:
        merge = Merge.objects.select_related("actor", "undone_by").get(pk=int(pk))
    except (Merge.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None
    obtain(MODELS[merge.kind]._default_manager.all(), user, merge.survivor_id)
    return merge


def merges_of(*, user: Any, kind: str, survivor: Any, limit: int = 20) -> list[Merge]:
    """The merges into this record (the record page lists them with their undo), each
    with ``shown_name`` (``merged_shown``)."""
    rows = Merge.objects.filter(**{f"survivor_{kind}": survivor}).select_related("actor")
    return [merged_shown(user, merge) for merge in rows[:limit]]


def merged_shown(user: Any, merge: Merge) -> Merge:
    """``merge`` with ``shown_name``: the merged record's name for who could see that
    record as it was (its snapshot: owner, team, confidential), empty otherwise (pages
    show its number). Once retention has emptied the snapshot, only for who sees every
    record of the type."""
    merge.shown_name = merge.merged_repr if _could_see_merged(user, merge) else ""  # type: ignore[attr-defined]
    return merge


def _could_see_merged(user: Any, merge: Merge) -> bool:
    if sees_all(user, merge.kind):
        return True
    if not merge.snapshot:
        return False
    try:
        found = next(serializers.deserialize("json", json.dumps([merge.snapshot])))
    except (serializers.base.DeserializationError, StopIteration):
        return False
    return can(user, "view", found.object)


def redirect_target(*, user: Any, kind: str, pk: Any) -> int | None:
    """The record a merged record's id leads to now, if the user may see it."""
    try:
        current = int(pk)
    except (TypeError, ValueError, OverflowError):
        return None
    seen = set()
    for _hop in range(MAX_HOPS):
        step = (
            MergeRedirect.objects.filter(kind=kind, old_id=current)
            .values_list("new_id", flat=True)
            .first()
        )
        if step is None or step in seen:
            break
        seen.add(step)
        current = step
    if not seen:
        return None
    model = MODELS.get(kind)
    if (
        model is None
        or not restrict(model._default_manager.all(), user).filter(pk=current).exists()
    ):
        return None
    return current
