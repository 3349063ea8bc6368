"""The country picker shared by every form (records, addresses, users, teams) and the
sentence that tells which country a phone number without its +country code belongs to."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _

from perno.accounts.regions import phone_region
from perno.core.countries import country_choices, to_code


def country_field(
    current: str = "", *, label: Any = None, required: bool = False, help_text: Any = ""
) -> forms.ChoiceField:
    """A select of every ISO 3166 country by its name in the user's language. A stored
    value that is not a country (older data) stays selected and marked, so it can be
    seen and fixed; the services refuse a new one."""
    choices: list[tuple[str, str]] = [("", "—")]
    if current and to_code(current) is None:
        choices.append(
            (current, _("%(value)s: not a country, pick one from the list") % {"value": current})
        )
    return forms.ChoiceField(
        label=label or _("Country"),
        required=required,
        choices=choices + country_choices(),
        help_text=help_text,
        widget=forms.Select(attrs={"class": "form-select"}),
    )


def phone_hint(user: Any, record_country: str = "", *, mention_record: bool = True) -> str:
    """E.g. "Numbers without a +country code are read as Romania (+40) (your team's
    country)." and, for records, that the record's own country comes first."""
    region = phone_region(user, to_code(record_country) or "")
    hint = region.hint()
    if mention_record and region.source != "record":
        hint += " " + _("Once the record has a country, they are read as numbers of that country.")
    return hint
