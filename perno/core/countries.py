"""Countries: the ISO 3166-1 alpha-2 codes a record, a user or a team may name, their
names in the user's language (Babel's CLDR territory names) and the phone region that
goes with them.

Every country field stores the two-letter code. ``clean_country`` turns what people or
older data wrote (``it``, ``UK``, ``EL``, ``Italia``, ``România``) into the code, and
refuses what it cannot place with a message saying how to fix it."""

from __future__ import annotations

import functools
import unicodedata
from typing import Any

import phonenumbers
from babel import Locale, UnknownLocaleError
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _

# CLDR territories with two letters that are not ISO 3166-1 countries: groupings,
# pseudo-locales, the unknown region and the territories ISO only reserves. Kosovo
# (XK) stays: a user-assigned code, but the one the EU and the phone plan use.
_NOT_COUNTRIES = frozenset(
    {"AC", "CP", "CQ", "DG", "EA", "EU", "EZ", "IC", "QO", "TA", "UN", "XA", "XB", "ZZ"}
)
# Codes that people write for a country whose ISO code is another.
_ALIASES = {"UK": "GB", "EL": "GR"}
# The languages whose country names are recognised when cleaning free text.
_NAME_LANGUAGES = ("en", "it", "ro")

COUNTRIES: frozenset[str] = frozenset(
    code
    for code in map(str, Locale("en").territories)
    if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES
)


def _fold(text: str) -> str:
    """Lower case without accents, for sorting and for matching names."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold().strip()


@functools.lru_cache(maxsize=16)
def _locale(language: str) -> Locale:
    try:
        return Locale.parse(language.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return Locale("en")


def _language() -> str:
    return translation.get_language() or "en"


def country_name(code: str, language: str | None = None) -> str:
    """The country's name in ``language`` (the active one by default), else the code."""
    return _locale(language or _language()).territories.get(code, code)


@functools.lru_cache(maxsize=16)
def _choices(language: str) -> tuple[tuple[str, str], ...]:
    names = _locale(language).territories
    return tuple(
        sorted(((code, names.get(code, code)) for code in COUNTRIES), key=lambda c: _fold(c[1]))
    )


def country_choices(language: str | None = None) -> list[tuple[str, str]]:
    """(code, name) for every country, sorted by the name in ``language``."""
    return list(_choices(language or _language()))


@functools.lru_cache(maxsize=1)
def _by_name() -> dict[str, str]:
    known: dict[str, str] = {}
    for language in _NAME_LANGUAGES:
        names = _locale(language).territories
        for code in COUNTRIES:
            if code in names:
                known.setdefault(_fold(names[code]), code)
    return known


def to_code(value: str) -> str | None:
    """The ISO code for a code, a common alias or a country name in English, Italian or
    Romanian; "" for nothing; None when it cannot be placed."""
    text = (value or "").strip()
    if not text:
        return ""
    upper = text.upper()
    if upper in COUNTRIES:
        return upper
    if upper in _ALIASES:
        return _ALIASES[upper]
    return _by_name().get(_fold(text))


def clean_country(value: str) -> str:
    """The ISO code for ``value`` (see ``to_code``) or a ValidationError saying what to do."""
    code = to_code(value)
    if code is None:
        raise ValidationError(
            _(
                "“%(value)s” is not a country we know. Pick the country from the list, or give its two-letter ISO 3166 code, e.g. IT, RO or DE."
            )
            % {"value": value},
            code="invalid_country",
        )
    return code


def clean_record_country(data: dict[str, object], current: str = "") -> str:
    """Clean ``data["country"]`` in place when given and return the record's country after
    the write. A stored value that is not a country (older data) may stay as it is while
    the user edits other fields; changing it needs a real country. Errors are keyed
    "country"."""
    if "country" not in data:
        return current if to_code(current) else ""
    value = str(data["country"] or "").strip()
    if value and value == current and to_code(value) is None:
        return ""  # kept, but not a region to read phone numbers with
    try:
        data["country"] = clean_country(value)
    except ValidationError as exc:
        raise ValidationError({"country": exc.messages}) from exc
    return str(data["country"])


def region_label(code: str, language: str | None = None) -> str:
    """The country's name and its calling code, e.g. "Romania (+40)"."""
    calling = phonenumbers.country_code_for_region(code)
    name = country_name(code, language)
    return f"{name} (+{calling})" if calling else name


def recode_countries(model: type[Any]) -> None:
    """For data migrations: rewrite every ``country`` value that can be placed (``it``,
    ``UK``, ``Italia``) to its ISO code, one UPDATE per distinct value. Values that cannot
    be placed are kept: the forms show them marked, to be fixed by hand."""
    values = model.objects.exclude(country="").values_list("country", flat=True).distinct()
    for value in list(values):
        code = to_code(value)
        if code and code != value:
            model.objects.filter(country=value).update(country=code)
