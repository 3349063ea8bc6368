"""Field-level confidentiality. An administrator marks fields of a record type (built-in
or custom) as confidential; users whose roles lack "see confidential data" get them
hidden everywhere: pages, forms, API, exports, timelines and the change history.

Only optional fields can be confidential (a required name cannot be hidden; mark the
whole record confidential instead)."""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from typing import Any

from django.db import models
from django.utils.translation import gettext as _

from perno.accounts.models import ConfidentialField
from perno.accounts.permissions import access_for, can
from perno.accounts.rights import SUBJECTS

CUSTOM_PREFIX = "custom_fields."
NEVER_CONFIDENTIAL = {
    "id",
    "owner",
    "team",
    "tags",
    "version",
    "is_confidential",
    "created_at",
    "updated_at",
}
CUSTOM_FIELD_SUBJECTS = {"company", "contact", "deal"}

# The user a request acts for, so API schemas can hide fields without each endpoint
# remembering to (set by the middleware and by token authentication).
current_user: contextvars.ContextVar[Any] = contextvars.ContextVar("perno_user", default=None)


# Filled at start-up by the apps that own the record types (``register_subject``), so the
# gate never names a domain app.
_SUBJECT_MODELS: dict[str, type[models.Model]] = {}
_CUSTOM_FIELDS: list[Callable[[str], list[tuple[str, str]]]] = []


def register_subject(model: type[models.Model]) -> None:
    """``model`` is the record type named by its model name in the rights (SUBJECTS)."""
    _SUBJECT_MODELS[model._meta.model_name or ""] = model


def register_custom_fields(choices: Callable[[str], list[tuple[str, str]]]) -> None:
    """``choices(subject)``: the active custom fields of a record type, (key, label)."""
    if choices not in _CUSTOM_FIELDS:
        _CUSTOM_FIELDS.append(choices)


def subject_model(subject: str) -> type[models.Model]:
    try:
        return _SUBJECT_MODELS[subject]
    except KeyError:
        raise LookupError(subject) from None


def _optional(field: models.Field) -> bool:
    if field.null:
        return True
    return isinstance(field, models.CharField | models.TextField) and field.blank


def field_choices(subject: str) -> list[tuple[str, str]]:
    """The fields of a record type that may be marked confidential: (name, label)."""
    model = subject_model(subject)
    choices: list[tuple[str, str]] = []
    for field in model._meta.concrete_fields:
        if field.name in NEVER_CONFIDENTIAL or not field.editable or field.is_relation:
            continue
        if field.name == "custom_fields" or not _optional(field):
            continue
        choices.append((field.name, str(field.verbose_name)))
    if subject in CUSTOM_FIELD_SUBJECTS:
        for provider in _CUSTOM_FIELDS:
            choices.extend((f"{CUSTOM_PREFIX}{key}", label) for key, label in provider(subject))
    return choices


def hidden_fields(user: Any, subject: str) -> frozenset[str]:
    """The fields of ``subject`` that ``user`` may not read (cached per request)."""
    if subject not in SUBJECTS:
        return frozenset()
    access = access_for(user)
    if access.see_confidential:
        return frozenset()
    cache = access.__dict__.setdefault("_hidden", {})
    if not cache:
        for subj, name in ConfidentialField.objects.values_list("subject", "field"):
            cache.setdefault(subj, set()).add(name)
        cache.setdefault("__loaded__", set())
    return frozenset(cache.get(subject, ()))


class HiddenText(str):
    """What a hidden text field shows in pages and files."""

    __slots__ = ()


def marker() -> HiddenText:
    return HiddenText(_("(confidential)"))


class HiddenReference(HiddenText):
    """What a record shows in place of a record it points at that the user may not
    open: a neutral placeholder (no name, no link, no snippet)."""

    __slots__ = ()


def _placeholders() -> dict[str, str]:
    return {
        "company": _("a company you cannot see"),
        "contact": _("a contact you cannot see"),
        "lead": _("a lead you cannot see"),
        "deal": _("a deal you cannot see"),
        "product": _("a product you cannot see"),
        "activity": _("an activity you cannot see"),
        "order": _("an order you cannot see"),
        "survey": _("a survey you cannot see"),
        "segment": _("a segment you cannot see"),
        "case": _("a case you cannot see"),
        "mailbox": _("a mailbox you cannot see"),
        "article": _("an article you cannot see"),
    }


def placeholder(subject: str) -> HiddenReference:
    return HiddenReference(_placeholders().get(subject, _("a record you cannot see")))


def reference(user: Any, obj: Any) -> Any:
    """``obj``, a record that another record points at, as ``user`` may see it: the
    record itself when they may open it, else a placeholder. Records that are not
    gated by scope (users, teams, stages...) are returned as they are. Decided in
    memory from the record's owner, team and confidentiality (no query)."""
    if not isinstance(obj, models.Model):
        return obj
    subject = obj._meta.model_name or ""
    if subject not in SUBJECTS or can(user, "view", obj):
        return obj
    return placeholder(subject)


def redact(user: Any, obj: Any, *, text: str | None = None) -> Any:
    """Blank the fields of ``obj`` that ``user`` may not read, in memory only (never
    saved: services always reload the row). Returns ``obj``; ``obj.hidden_fields`` lists
    what was hidden."""
    if obj is None or getattr(obj, "_perno_redacted", False):
        return obj
    subject = obj._meta.model_name
    hidden = hidden_fields(user, subject)
    obj._perno_redacted = True
    obj.hidden_fields = sorted(hidden)
    if not hidden:
        return obj
    shown = marker() if text is None else text
    custom = dict(getattr(obj, "custom_fields", None) or {})
    for name in hidden:
        if name.startswith(CUSTOM_PREFIX):
            key = name.removeprefix(CUSTOM_PREFIX)
            if key in custom:
                custom[key] = None
            continue
        field = obj._meta.get_field(name)
        value = shown if isinstance(field, models.CharField | models.TextField) else None
        obj.__dict__[field.attname] = value
    if hasattr(obj, "custom_fields"):
        obj.custom_fields = custom
    return obj


def redact_changes(user: Any, subject: str, changes: dict[str, Any]) -> dict[str, Any]:
    """A change-history entry with hidden fields' values replaced by the marker."""
    hidden = hidden_fields(user, subject)
    if not hidden:
        return changes
    return {
        key: ([str(marker()), str(marker())] if key in hidden else value)
        for key, value in changes.items()
    }
