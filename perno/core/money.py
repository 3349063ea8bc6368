from __future__ import annotations

from decimal import Decimal

from babel.numbers import format_currency
from django.conf import settings
from django.utils import translation


def format_money(amount: Decimal | int | float | None, currency: str | None) -> str:
    """Format an amount in the active language's conventions (1.234,50 € in Italian)."""
    if amount is None:
        return ""
    locale = (translation.get_language() or "en").replace("-", "_")
    return format_currency(amount, currency or settings.PERNO_DEFAULT_CURRENCY, locale=locale)
