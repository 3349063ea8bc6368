"""Writes to orders and their lines."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from perno.contacts.selectors import company_list, contact_list
from perno.records.services import (
    record_create,
    record_delete,
    record_update,
    reject_unknown_fields,
    tags_from_names,
)
from perno.sales.models import CURRENCY_CHOICES, Order, OrderLine
from perno.sales.selectors import product_list

ORDER_FIELDS = {
    "number",
    "contact",
    "company",
    "ordered_on",
    "currency",
    "total",
    "cost",
    "status",
    "is_confidential",
    "owner",
    "team",
}
LINE_FIELDS = {"product", "description", "quantity", "unit_price"}
CENT = Decimal("0.01")


def _decimal(value: Any, label: str, errors: list[str], *, line: int) -> Decimal | None:
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except (ArithmeticError, ValueError):
        errors.append(
            _("Line %(n)s: %(field)s “%(value)s” is not a number.")
            % {"n": line, "field": label, "value": value}
        )
        return None
    if not number.is_finite() or number < 0:
        errors.append(
            _("Line %(n)s: %(field)s must be zero or more.") % {"n": line, "field": label}
        )
        return None
    return number


def _clean_lines(actor: Any, lines: list[dict[str, Any]]) -> list[OrderLine]:
    """Order lines from plain values; every problem reported with its line number."""
    errors: list[str] = []
    built: list[OrderLine] = []
    products = {
        p.pk: p
        for p in product_list(user=actor).filter(
            pk__in=[line.get("product") for line in lines if isinstance(line.get("product"), int)]
        )
    }
    for n, line in enumerate(lines, 1):
        if not isinstance(line, dict):
            errors.append(_("Line %(n)s: expected an object.") % {"n": n})
            continue
        unknown = set(line) - LINE_FIELDS
        if unknown:
            errors.append(
                _("Line %(n)s: unknown fields %(fields)s; use %(known)s.")
                % {
                    "n": n,
                    "fields": ", ".join(sorted(unknown)),
                    "known": ", ".join(sorted(LINE_FIELDS)),
                }
            )
            continue
        product = None
        if line.get("product") not in (None, ""):
            product = products.get(line["product"]) if isinstance(line["product"], int) else None
            if product is None:
                errors.append(
                    _("Line %(n)s: product %(id)s does not exist or you may not see it.")
                    % {"n": n, "id": line["product"]}
                )
                continue
        description = str(line.get("description") or (product.name if product else "")).strip()
        if not description:
            errors.append(_("Line %(n)s: give a description or a product.") % {"n": n})
            continue
        if len(description) > 200:
            errors.append(
                _("Line %(n)s: the description is longer than 200 characters.") % {"n": n}
            )
            continue
        quantity = _decimal(line.get("quantity", 1), _("quantity"), errors, line=n)
        raw_price = line.get("unit_price")
        if raw_price in (None, "") and product is not None:
            raw_price = product.unit_price
        if raw_price in (None, ""):
            errors.append(_("Line %(n)s: give a unit price.") % {"n": n})
            continue
        price = _decimal(raw_price, _("unit price"), errors, line=n)
        if quantity is None or price is None:
            continue
        if quantity.as_tuple().exponent < -3 or price.as_tuple().exponent < -2:  # type: ignore[operator]
            errors.append(
                _("Line %(n)s: quantities have at most 3 decimals, prices at most 2.") % {"n": n}
            )
            continue
        built.append(
            OrderLine(
                product=product,
                description=description,
                quantity=quantity,
                unit_price=price,
                total=(quantity * price).quantize(CENT),
                position=n,
            )
        )
    if errors:
        raise ValidationError({"lines": errors})
    return built


def _order_buyer(actor: Any, data: dict[str, Any]) -> dict[str, Any]:
    """Resolve contact and company ids to records the actor may see."""
    resolved = dict(data)
    for name, lister in (("contact", contact_list), ("company", company_list)):
        value = data.get(name)
        if value in (None, "") or hasattr(value, "pk"):
            continue
        found = lister(user=actor).filter(pk=value).first() if str(value).isdecimal() else None
        if found is None:
            raise ValidationError(
                {
                    name: [
                        _("No %(what)s with id %(id)s that you may see.")
                        % {"what": name, "id": value}
                    ]
                }
            )
        resolved[name] = found
    return resolved


def _check_order(order: Order, lines: list[OrderLine] | None) -> None:
    errors: dict[str, list[str]] = {}
    if order.contact_id is None and order.company_id is None:
        errors["contact"] = [_("Give the buyer: a contact, a company or both.")]
    if order.ordered_on and order.ordered_on > timezone.localdate():
        errors["ordered_on"] = [_("The order date is in the future; enter the date it was placed.")]
    if order.currency not in dict(CURRENCY_CHOICES):
        errors["currency"] = [
            _("Unknown currency “%(value)s”; use one of: %(known)s.")
            % {"value": order.currency, "known": ", ".join(dict(CURRENCY_CHOICES))}
        ]
    if lines:
        order.total = sum((line.total for line in lines), Decimal("0"))
    elif order.total is None:
        errors["total"] = [_("Give the total, or order lines to compute it from.")]
    if errors:
        raise ValidationError(errors)


def order_create(
    *,
    actor: Any,
    data: dict[str, Any],
    lines: list[dict[str, Any]] | None = None,
    tags: Iterable[str] | None = None,
    source: str = Order.Source.MANUAL,
) -> Order:
    """A new order. With lines, the total is their sum; without, ``total`` is required."""
    reject_unknown_fields(data, ORDER_FIELDS)
    clean = _order_buyer(actor, data)
    built = _clean_lines(actor, lines or [])
    order = Order(**{k: v for k, v in clean.items() if v is not None}, source=source)
    _check_order(order, built)
    with transaction.atomic():
        order = record_create(actor=actor, instance=order, tags=tags_from_names(tags or []))
        for line in built:
            line.order = order
        OrderLine.objects.bulk_create(built)
    return order


def order_update(
    *,
    actor: Any,
    order: Order,
    data: dict[str, Any],
    expected_version: int | None,
    lines: list[dict[str, Any]] | None = None,
    tags: Iterable[str] | None = None,
) -> Order:
    """Change an order; ``lines`` (when given) replace the order's lines."""
    reject_unknown_fields(data, ORDER_FIELDS)
    clean = _order_buyer(actor, data)
    built = _clean_lines(actor, lines) if lines is not None else None
    with transaction.atomic():
        if built:
            clean["total"] = sum((line.total for line in built), Decimal("0"))
        probe = Order(
            **{**{f.attname: getattr(order, f.attname) for f in Order._meta.concrete_fields}}
        )
        for key, value in clean.items():
            setattr(probe, key, value)
        _check_order(probe, built)
        updated = record_update(
            actor=actor,
            instance=order,
            data=clean,
            expected_version=expected_version,
            tags=tags_from_names(tags) if tags is not None else None,
        )
        if built is not None:
            updated.lines.all().delete()
            for line in built:
                line.order = updated
            OrderLine.objects.bulk_create(built)
    return updated


def order_delete(*, actor: Any, order: Order) -> None:
    record_delete(actor=actor, instance=order)
