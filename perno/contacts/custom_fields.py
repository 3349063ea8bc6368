"""Validation of administrator-defined custom field values."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from perno.contacts.models import CustomFieldDefinition
from perno.core import sealing
from perno.core.inputs import moment_problem

FieldType = CustomFieldDefinition.FieldType


def definitions_for(entity: str) -> list[CustomFieldDefinition]:
    return list(CustomFieldDefinition.objects.filter(entity=entity, is_active=True))


def _coerce(definition: CustomFieldDefinition, value: Any) -> Any:
    if value in (None, ""):
        return None
    if definition.field_type == FieldType.TEXT:
        text = str(value).strip()
        if len(text) > 1000:
            raise ValueError(_("at most 1,000 characters"))
        if text.startswith(sealing.PREFIX):
            raise ValueError(
                _("may not start with “%(prefix)s”: it marks encrypted values")
                % {"prefix": sealing.PREFIX}
            )
        return text or None
    if definition.field_type == FieldType.NUMBER:
        if isinstance(value, bool):
            raise ValueError(_("enter a number"))
        try:
            number = (
                Decimal(str(value).replace(",", ".")) if isinstance(value, str) else Decimal(value)
            )
        except (InvalidOperation, TypeError, ValueError) as exc:
            raise ValueError(_("enter a number, e.g. 12.5")) from exc
        if not number.is_finite():
            raise ValueError(_("enter a number, e.g. 12.5"))
        return int(number) if number == number.to_integral_value() else float(number)
    if definition.field_type == FieldType.DATE:
        try:
            day = (
                value
                if isinstance(value, datetime.date)
                else datetime.date.fromisoformat(str(value))
            )
        except ValueError as exc:
            raise ValueError(_("enter a date as YYYY-MM-DD")) from exc
        problem = moment_problem(day)
        if problem:
            raise ValueError(problem)
        return day.isoformat()
    if definition.field_type == FieldType.BOOLEAN:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in {"true", "1", "yes", "on"}:
            return True
        if text in {"false", "0", "no", "off"}:
            return False
        raise ValueError(_("enter true or false"))
    if definition.field_type == FieldType.CHOICE:
        if str(value) not in definition.choices:
            raise ValueError(
                _("choose one of: %(choices)s") % {"choices": ", ".join(definition.choices)}
            )
        return str(value)
    raise ValueError(_("unknown field type"))


def clean_custom_fields(
    entity: str, values: dict[str, Any] | None, *, current: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Merge ``values`` into ``current`` after validating each against its definition.
    Errors are keyed ``custom_fields.<key>`` so forms and the API can show them per field."""
    values = values or {}
    if not isinstance(values, dict):
        raise ValidationError(
            {"custom_fields": _("Custom fields must be an object of key: value.")}
        )
    definitions = {d.key: d for d in definitions_for(entity)}
    result = dict(current or {})
    errors: dict[str, list[str]] = {}
    for key, value in values.items():
        definition = definitions.get(key)
        if definition is None:
            errors[f"custom_fields.{key}"] = [
                _("There is no custom field “%(key)s”. Known fields: %(known)s.")
                % {"key": key, "known": ", ".join(definitions) or "-"}
            ]
            continue
        try:
            coerced = _coerce(definition, value)
        except ValueError as exc:
            errors[f"custom_fields.{key}"] = [f"{definition.label}: {exc}"]
            continue
        if coerced is None:
            result.pop(key, None)
        else:
            result[key] = coerced
    for key, definition in definitions.items():
        if (
            definition.is_required
            and result.get(key) in (None, "")
            and f"custom_fields.{key}" not in errors
        ):
            errors[f"custom_fields.{key}"] = [
                _("%(label)s is required.") % {"label": definition.label}
            ]
    if errors:
        raise ValidationError(errors)
    return result
