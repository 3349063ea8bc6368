from __future__ import annotations

from django import template

from perno.duplicates.reasons import describe

register = template.Library()


@register.filter
def reasons_text(codes: list[str]) -> str:
    """Reason codes in words, joined: "same e-mail, same phone"."""
    return ", ".join(describe(codes))
