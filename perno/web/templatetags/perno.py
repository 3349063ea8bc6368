from __future__ import annotations

from typing import Any

from django import template
from django.http import QueryDict
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.translation import gettext

from perno.accounts.confidential import HiddenReference, reference
from perno.core import sealing
from perno.core.countries import country_name, to_code
from perno.core.money import format_money
from perno.core.validators import format_phone

register = template.Library()


@register.filter
def money(amount: Any, currency: str | None = None) -> str:
    return format_money(amount, currency)


@register.filter
def figure(value: Any) -> str:
    """A count or figure shown to people, grouped in the active language's conventions
    (12.345 in Italian). Numbers are not grouped otherwise (USE_THOUSAND_SEPARATOR is
    off), so ids and versions rendered as is stay plain."""
    if value is None or value == "":
        return ""
    return number_format(value, force_grouping=True)


@register.filter
def phone(value: str) -> str:
    return format_phone(value)


@register.filter
def country(value: str) -> str:
    """A country code as the country's name in the user's language; anything that is
    not a country code (older data, a hidden field's marker) as it is."""
    code = to_code(str(value or "")) if len(str(value or "")) == 2 else None
    return country_name(code) if code else str(value or "")


@register.simple_tag(takes_context=True)
def query(context: dict[str, Any], **changes: Any) -> str:
    """The current query string with some parameters replaced (None removes one)."""
    request = context["request"]
    params: QueryDict = request.GET.copy()
    for key, value in changes.items():
        if value is None or value == "":
            params.pop(key, None)
        else:
            params[key] = value
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.simple_tag(takes_context=True)
def sort_link(context: dict[str, Any], key: str, label: str) -> str:
    request = context["request"]
    current = request.GET.get("sort", "")
    new = f"-{key}" if current == key else key
    arrow = " ▲" if current == key else (" ▼" if current == f"-{key}" else "")
    params = request.GET.copy()
    params["sort"] = new
    params.pop("page", None)
    aria = "ascending" if current == key else ("descending" if current == f"-{key}" else "none")
    return format_html(
        '<a href="?{}" aria-sort="{}">{}{}</a>', params.urlencode(), aria, label, arrow
    )


@register.filter
def field_label(key: str) -> str:
    return key.replace("custom_fields.", "").replace("_", " ")


@register.simple_tag
def sealed_mark(obj: Any, name: str) -> str:
    """A lock after a field encrypted at rest (``notes`` or a custom field key)."""

    marks = sealing.sealed_of(obj._meta.model_name or "")
    if name in marks or f"{sealing.CUSTOM}{name}" in marks:
        label = gettext("encrypted at rest")
        return format_html(
            '<span class="text-body-secondary" title="{}" aria-label="{}" data-sealed>&#128274;</span>',
            label,
            label,
        )
    return ""


@register.simple_tag(takes_context=True)
def ref(context: dict[str, Any], obj: Any) -> str:
    """A link to ``obj`` (a record the shown record points at), or a neutral placeholder
    when the user may not open it: no name, no link."""
    if obj is None or obj == "":
        return ""
    shown = reference(context["request"].user, obj)
    if isinstance(shown, HiddenReference):
        return format_html(
            '<span class="text-body-secondary fst-italic" data-testid="hidden-reference">{}</span>',
            shown,
        )
    url = getattr(shown, "get_absolute_url", None)
    return format_html('<a href="{}">{}</a>', url(), shown) if url else format_html("{}", shown)


@register.simple_tag(takes_context=True)
def ref_text(context: dict[str, Any], obj: Any) -> str:
    """The name of ``obj`` without a link, or the placeholder."""
    if obj is None or obj == "":
        return ""
    return str(reference(context["request"].user, obj))
