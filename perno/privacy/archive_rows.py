"""What the access archive shows of each row: the subject's data only (Art. 15(4): a
copy must not disclose other people), in the subject's language.

- A link to another contact (a deal's earlier contact in its change history, a list
  or search that showed the person among others) is cut: the id goes, a name becomes
  "another person".
- Column names stay as they are in ``data.json`` (a stable, machine-readable format),
  with their labels in the subject's language next to them (``fields``); the CSV files,
  made for people, have the labels as headings and the choices' labels as values.
  The caller translates everything under one ``translation.override``."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext as _

from perno.audit.models import AuditEvent, ChangeEntry
from perno.contacts.models import Contact
from perno.core.diffs import REF
from perno.privacy.subject import NOT_EXPORTED


def only_the_subject(model: type[models.Model], row: dict[str, Any], pk: int) -> dict[str, Any]:
    """``row`` (a ``row_dict``) without what identifies other contacts."""

    for field in model._meta.concrete_fields:
        if (
            isinstance(field, models.ForeignKey)
            and field.related_model is Contact
            and row.get(field.attname) not in (None, pk)
        ):
            row[field.attname] = None
    if model is AuditEvent and isinstance(row.get("detail"), dict):
        detail = dict(row["detail"])
        shown = detail.get("shown")
        if isinstance(shown, list):
            if row.get("action") == AuditEvent.Action.LIST:
                mine = row.get("object_type") == "contacts.contact" and pk in shown
                detail["shown"] = [pk] if mine else []
            else:
                detail["shown"] = [s for s in shown if s == f"contact:{pk}"]
        row["detail"] = detail
    if model is ChangeEntry and isinstance(row.get("changes"), dict):
        row["changes"] = _changes(row["changes"], pk)
    return row


def _changes(changes: dict[str, Any], pk: int) -> dict[str, Any]:
    out = dict(changes)
    for key, refs in changes.items():
        if not key.endswith(REF) or not isinstance(refs, list):
            continue
        name = key[: -len(REF)]
        current = out.get(name)
        values = list(current) if isinstance(current, list) else [None] * len(refs)
        cut = list(refs)
        for position, target in enumerate(refs):
            if (
                isinstance(target, str)
                and target.startswith("contact:")
                and target != f"contact:{pk}"
            ):
                cut[position] = None
                if position < len(values):
                    values[position] = _("another person")
        out[key], out[name] = cut, values
    return out


def labels(model: type[models.Model]) -> dict[str, str]:
    """Column -> its label in the active language."""
    return {f.attname: str(f.verbose_name) for f in model._meta.concrete_fields}


def localized(model: type[models.Model], rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows for people: labels as keys, choices by their label, secrets marked in
    the active language."""

    heads = labels(model)
    seen: dict[str, int] = {}
    for column, label in list(heads.items()):
        seen[label] = seen.get(label, 0) + 1
        if seen[label] > 1 or not label.strip():
            heads[column] = f"{label} ({column})"
    choices = {
        f.attname: {str(k): str(v) for k, v in f.flatchoices}
        for f in model._meta.concrete_fields
        if f.choices
    }
    secret = _("[secret: kept, not exported]")
    out = []
    for row in rows:
        shown: dict[str, Any] = {}
        for column, value in row.items():
            if value == NOT_EXPORTED:
                value = secret
            elif column in choices and value is not None:
                value = choices[column].get(str(value), value)
            shown[heads.get(column, column)] = value
        out.append(shown)
    return out
