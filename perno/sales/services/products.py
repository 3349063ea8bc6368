"""Writes to products."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction

from perno.records.services import (
    record_create,
    record_delete,
    record_update,
    reject_unknown_fields,
    tags_from_names,
)
from perno.sales.models import Product

PRODUCT_FIELDS = {
    "is_confidential",
    "name",
    "sku",
    "description",
    "unit_price",
    "currency",
    "vat_rate",
    "is_active",
    "owner",
    "team",
}


def product_create(
    *, actor: Any, data: dict[str, Any], tags: Iterable[str] | None = None
) -> Product:
    reject_unknown_fields(data, PRODUCT_FIELDS)
    product = Product(**{k: v for k, v in data.items() if v is not None})
    with transaction.atomic():
        return record_create(actor=actor, instance=product, tags=tags_from_names(tags or []))


def product_update(
    *,
    actor: Any,
    product: Product,
    data: dict[str, Any],
    expected_version: int | None,
    tags: Iterable[str] | None = None,
) -> Product:
    reject_unknown_fields(data, PRODUCT_FIELDS)
    with transaction.atomic():
        return record_update(
            actor=actor,
            instance=product,
            data=data,
            expected_version=expected_version,
            tags=tags_from_names(tags) if tags is not None else None,
        )


def product_delete(*, actor: Any, product: Product) -> None:
    record_delete(actor=actor, instance=product)
