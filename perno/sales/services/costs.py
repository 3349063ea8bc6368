"""Costs of serving a customer (support, replacements, visits), entered on its page."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from perno.accounts.permissions import check
from perno.audit.models import ChangeEntry
from perno.audit.services import change_record
from perno.contacts.models import Contact
from perno.records.services import reject_unknown_fields
from perno.sales.models import CustomerCost


def customer_cost_add(*, actor: Any, customer: Any, data: dict[str, Any]) -> CustomerCost:
    """A cost of serving ``customer`` (a contact or company the actor may edit)."""
    check(actor, "edit", customer)
    reject_unknown_fields(data, {"incurred_on", "amount", "description"})
    errors: dict[str, list[str]] = {}
    try:
        amount = Decimal(str(data.get("amount", "")).strip().replace(",", "."))
        if not amount.is_finite() or amount < 0:
            raise ArithmeticError
    except (ArithmeticError, ValueError):
        errors["amount"] = [_("Give the amount as a number, zero or more (e.g. 45.50).")]
    day = data.get("incurred_on")
    if isinstance(day, str):
        try:
            day = datetime.date.fromisoformat(day)
        except ValueError:
            day = None
    if day is None:
        errors["incurred_on"] = [_("Give the date as YYYY-MM-DD.")]
    elif day > timezone.localdate():
        errors["incurred_on"] = [_("The date is in the future; enter when the cost was incurred.")]
    description = str(data.get("description") or "").strip()
    if not description or len(description) > 200:
        errors["description"] = [_("Describe the cost in 1 to 200 characters.")]
    if errors:
        raise ValidationError(errors)
    field = "contact" if isinstance(customer, Contact) else "company"
    assert day is not None  # checked above
    cost = CustomerCost(
        incurred_on=day,
        amount=amount,
        description=description,
        created_by=actor if getattr(actor, "pk", None) else None,
        **{field: customer},
    )
    with transaction.atomic():
        cost.full_clean()
        cost.save()
        change_record(
            actor=actor,
            instance=customer,
            action=ChangeEntry.Action.UPDATE,
            changes={"costs": [None, f"{cost.incurred_on} {cost.amount}"]},
        )
    return cost
