"""Merge fields in e-mail templates: ``{{ contact.first_name }}``, ``{{ case.number }}``.

A deliberately small language, not Django's templates: a field is an object and one of
its allowed attributes, nothing else (no filters, tags, method calls or attribute
chains), so a template can never reach data beyond the list below. A template naming
an unknown field is refused when it is saved, with the list of the fields it may use;
a field whose record is absent (no case) or hidden from the sender (a confidential
field) is left empty."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_FIELD = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
_ANY_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}|\{\{|\{%", re.DOTALL)


def _attr(name: str) -> Callable[[Any], Any]:
    return lambda obj: getattr(obj, name, "")


# object -> field -> how it is read (never more than these).
FIELDS: dict[str, dict[str, Callable[[Any], Any]]] = {
    "contact": {
        "first_name": _attr("first_name"),
        "last_name": _attr("last_name"),
        "full_name": _attr("full_name"),
        "email": _attr("email"),
        "job_title": _attr("job_title"),
    },
    "company": {"name": _attr("name")},
    "case": {
        "number": _attr("reference"),
        "subject": _attr("subject"),
        "token": _attr("token"),
    },
    "sender": {
        "first_name": _attr("first_name"),
        "last_name": _attr("last_name"),
        "full_name": lambda user: user.get_full_name() or user.get_username(),
        "email": _attr("email"),
    },
    "mailbox": {"name": _attr("name"), "address": _attr("address")},
}
# The record field a merge field reads, where it can be confidential.
CONFIDENTIAL_AS = {("contact", "email"): "email", ("contact", "job_title"): "job_title"}


def available() -> list[str]:
    return [f"{{{{ {obj}.{name} }}}}" for obj, names in FIELDS.items() for name in names]


def problems(text: str) -> list[str]:
    """What is wrong with the merge fields of ``text`` (empty when nothing)."""
    found: list[str] = []
    for match in _ANY_TAG.finditer(text or ""):
        token = match.group(0)
        field = _FIELD.fullmatch(token)
        if field is None:
            found.append(
                _(
                    "“%(token)s” is not a merge field. Write fields as {{ object.field }}, for example {{ contact.first_name }}."
                )
                % {"token": token[:60]}
            )
        elif field.group(2) not in FIELDS.get(field.group(1), {}):
            found.append(
                _("Unknown merge field “%(token)s”. Available: %(known)s.")
                % {"token": token[:60], "known": ", ".join(available())}
            )
    return found


def validate(**texts: str) -> None:
    """Raise ValidationError keyed by field name (``subject``, ``body``...)."""
    errors = {name: problems(text) for name, text in texts.items()}
    errors = {name: found for name, found in errors.items() if found}
    if errors:
        raise ValidationError(errors)


def render(
    text: str, context: Mapping[str, Any], hidden: Mapping[str, set[str]] | None = None
) -> str:
    """``text`` with its merge fields filled from ``context`` (object name -> record or
    None); ``hidden``: per object, record fields the sender may not read."""
    validate(text=text)
    hidden = hidden or {}

    def value(match: re.Match[str]) -> str:
        obj_name, field_name = match.group(1), match.group(2)
        obj = context.get(obj_name)
        if obj is None:
            return ""
        if CONFIDENTIAL_AS.get((obj_name, field_name)) in hidden.get(obj_name, set()):
            return ""
        result = FIELDS[obj_name][field_name](obj)
        return "" if result is None else str(result)

    return _FIELD.sub(value, text or "")
