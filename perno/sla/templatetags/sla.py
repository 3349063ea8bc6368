"""Template filters of the service-level pages."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def working_time(minutes: Any) -> str:
    """Business minutes for people: "45 min", "4 h", "1 h 30 min"."""
    try:
        value = int(minutes)
    except (TypeError, ValueError):
        return ""
    hours, rest = divmod(value, 60)
    if not hours:
        return _("%(m)s min") % {"m": rest}
    if not rest:
        return _("%(h)s h") % {"h": hours}
    return _("%(h)s h %(m)s min") % {"h": hours, "m": rest}
