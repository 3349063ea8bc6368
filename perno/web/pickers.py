"""Search pickers: a record is chosen by name, never typed as a number.

A picker is a select that offers only the chosen row (company and contact lists may
hold millions); ``app.js`` puts a search box above it that loads matching options from a
lookup URL as the user types. The lookups and the chosen row go through the gate, so a
picker offers only records the user may see; the view still checks the submitted id."""

from __future__ import annotations

from typing import Any

from django import forms
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from perno.accounts.permissions import restrict


def record_picker(
    model: Any, selected: Any, lookup: str, user: Any, *, small: bool = False
) -> forms.Select:
    """A select over ``model`` searched through the lookup URL named ``lookup``."""
    options = [("", "—")]
    if selected and str(selected).isdecimal() and user is not None:
        obj = restrict(model.objects.all(), user, "view").filter(pk=selected).first()
        if obj is not None:
            options.append((str(obj.pk), str(obj)))
    return forms.Select(
        choices=options,
        attrs={
            "class": "form-select form-select-sm" if small else "form-select",
            "data-lookup-url": reverse_lazy(lookup),
            "data-lookup-placeholder": _("Type to search…"),
        },
    )
