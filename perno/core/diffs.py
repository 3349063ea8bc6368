"""Snapshots and field-by-field diffs for the change history."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db import models

# A change to a link also records which record it points at ("contact#ref":
# ["contact:12", "contact:15"]), so the history shows a placeholder instead of the name
# to a reader who may not open that record.
REF = "#ref"


def ref(related: models.Model | None) -> str | None:
    return f"{related._meta.model_name}:{related.pk}" if related is not None else None


def _plain(value: Any) -> Any:
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict | list | str | int | float | bool) or value is None:
        return value
    return str(value)


def snapshot(instance: models.Model, fields: list[str]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name in fields:
        field = instance._meta.get_field(name)
        if isinstance(field, models.ForeignKey):
            related = getattr(instance, name)
            data[name] = str(related) if related is not None else None
            data[name + REF] = ref(related)
        else:
            data[name] = _plain(getattr(instance, name))
    return data


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """Changed fields only: {field: [old, new]}."""
    return {
        key: [before.get(key), after.get(key)] for key in after if before.get(key) != after.get(key)
    }
