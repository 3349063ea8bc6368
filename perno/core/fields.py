"""Model fields whose values an administrator may mark sensitive (``core.sealing``).

Reading decrypts every sealed value, whether or not the field is still marked (so a
field can be unmarked and rotated back to plain text); writing seals the value when the
field (or custom-field key) is marked. Values that only look sealed are refused at
validation, so plain text is never mistaken for a sealed value."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.expressions import Col
from django.utils.translation import gettext_lazy as _

from perno.core import sealing


def refuse_token(value: Any) -> None:
    if isinstance(value, str) and value.startswith(sealing.PREFIX):
        raise ValidationError(
            _("A value may not start with “%(prefix)s”: it marks encrypted values."),
            params={"prefix": sealing.PREFIX},
            code="sealed_prefix",
        )


class SealableTextField(models.TextField):
    """Free text (notes) the administrator may mark sensitive."""

    sealable = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("validators", [])
        kwargs["validators"] = [*kwargs["validators"], refuse_token]
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs.pop("validators", None)
        return name, path, args, kwargs

    @property
    def context(self) -> str:
        return sealing.context_of(self.model._meta.db_table, self.name)

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if sealing.is_token(value):
            return sealing.unseal(value, self.context)
        return value

    def get_db_prep_save(self, value: Any, connection: Any) -> Any:
        if hasattr(value, "resolve_expression"):  # bulk_update's CASE: sealed per value
            return super().get_db_prep_save(value, connection)
        if value not in (None, "") and self.name in sealing.sealed_of(
            self.model._meta.model_name or ""
        ):
            value = sealing.seal(str(value), self.context)
        return super().get_db_prep_save(value, connection)


class SealableJSONField(models.JSONField):
    """Custom field values: the keys the administrator marks sensitive are sealed one by
    one (the value's JSON, so numbers, dates and yes/no keep their type)."""

    sealable = True

    def _context(self, key: str) -> str:
        return sealing.context_of(self.model._meta.db_table, f"{self.name}.{key}")

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        value = super().from_db_value(value, expression, connection)
        if isinstance(value, dict):
            if not any(map(sealing.is_token, value.values())):
                return value  # nothing sealed: every read of a record passes here
            if not isinstance(expression, Col):
                raise sealing.SealError(
                    f"{self.model._meta.db_table}.{self.name}: sealed values are read with their record"
                )
            return {
                key: sealing.unseal_json(item, self._context(key))
                if sealing.is_token(item)
                else item
                for key, item in value.items()
            }
        if sealing.is_token(value):  # one key read through a JSON path
            raise sealing.SealError(
                f"{self.model._meta.db_table}.{self.name}: a sealed custom field cannot be "
                "read or compared through a JSON path; load the record, or use its keyed hash"
            )
        return value

    def get_db_prep_save(self, value: Any, connection: Any) -> Any:
        if isinstance(value, dict):
            keys = sealing.sealed_custom_keys(self.model._meta.model_name or "")
            if keys:
                value = {
                    key: sealing.seal_json(item, self._context(key))
                    if key in keys and item not in (None, "")
                    else item
                    for key, item in value.items()
                }
        return super().get_db_prep_save(value, connection)
