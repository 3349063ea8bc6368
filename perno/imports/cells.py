"""Reading each cell of a row into the value its field stores, or saying what is wrong
with it and how to fix it: e-mails (Django's validator), phones to E.164 (the row's
country, else the importing user's region, as the services read them), VAT numbers with
their check digits, dates and amounts in the column's format (``detect_formats``, which
the user may override), integers, choices by value or label (in English, Italian or
Romanian), countries, yes/no, tags, lengths from the model fields.

``parse_row`` gives ``(values, problems)``: values keyed by field (empty cells left
out), problems keyed by field (or ``ROW`` for the row as a whole). A row's address is
one to store when it has a street and a city (the model requires both): a street without
a city is a problem; a city, postal code or province without a street is kept in the
values (duplicates are found by city) but is no address (``fields.mapping_warnings``
says so when the mapping has no street column)."""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from babel import Locale
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from perno.accounts.regions import phone_region
from perno.core import sealing
from perno.core.countries import clean_country, to_code
from perno.core.inputs import moment_problem, text_problem
from perno.core.validators import normalize_phone, normalize_vat
from perno.imports import formats
from perno.imports.fields import (
    ALTERNATIVES,
    AMOUNT,
    BOOL,
    CHOICE,
    CONSENT,
    COUNTRY,
    DATE,
    DATETIME,
    EMAIL,
    INTEGER,
    NUMBER,
    PHONE,
    TAGS,
    URL,
    VAT,
    Target,
    fold,
    target_fields,
)
from perno.imports.tables import ROW, Table

TRUE = frozenset({"yes", "y", "si", "sì", "da", "true", "vero", "adevarat", "1", "x", "on", "ok"})
FALSE = frozenset({"no", "n", "nu", "false", "falso", "fals", "0", "off"})
TAG_MAX = 60
TAG_SPLIT = re.compile(r"[,;|]")
NUMERIC_KINDS = {AMOUNT, NUMBER, INTEGER}


@dataclass
class Context:
    """What reading a row needs besides the row: the user (phone region, confidential
    fields), the headers of the row's cells, the column formats (``detect_formats``,
    possibly changed by the user) and the fields, loaded once per import."""

    entity: str
    user: Any
    headers: list[str]
    formats: dict[str, str] = field(default_factory=dict)
    targets: dict[str, Target] = field(default_factory=dict)
    _choices: dict[str, dict[str, str]] = field(default_factory=dict)
    _regions: dict[str, str] = field(default_factory=dict)  # row country -> phone region


def make_context(
    entity: str, user: Any, headers: Sequence[str], formats: Mapping[str, str] | None = None
) -> Context:
    return Context(
        entity=entity,
        user=user,
        headers=list(headers),
        formats=dict(formats or {}),
        targets={t.key: t for t in target_fields(entity, user)},
    )


def detect_formats(
    entity: str, mapping: Mapping[str, str | None], table: Table, *, user: Any = None
) -> dict[str, str]:
    """For each mapped date, datetime and number column, the format its values are in:
    ``formats.DMY``/``MDY``/``YMD`` for dates, ``formats.COMMA``/``POINT`` for numbers
    (``formats.DATE_ORDERS`` and ``formats.DECIMALS`` show them)."""
    targets = {t.key: t for t in target_fields(entity, user)}
    found: dict[str, str] = {}
    for header, key in mapping.items():
        target = targets.get(key or "")
        if target is None or header not in table.headers:
            continue
        sample = [value for value in table.column(header)[:2000] if value.strip()]
        if target.kind in {DATE, DATETIME}:
            found[target.key] = formats.detect_order(sample)
        elif target.kind in NUMERIC_KINDS:
            found[target.key] = formats.detect_decimal(sample, delimiter=table.delimiter)
    return found


class CellError(ValueError):
    """What is wrong with one cell (the message says how to fix it)."""


def _language_codes() -> dict[str, str]:
    codes: dict[str, str] = {}
    for language in ("en", "it", "ro"):
        for code, name in Locale(language).languages.items():
            if len(code) == 2:
                codes.setdefault(fold(name), code)
    return codes


_LANGUAGES: dict[str, str] = {}


def _language(value: str) -> str:
    """A language code (it, ro, en-GB) from a code or a language's name."""
    if re.fullmatch(r"[A-Za-z]{2,3}([-_][A-Za-z]{2,4})?", value):
        return value.replace("_", "-")
    if not _LANGUAGES:
        _LANGUAGES.update(_language_codes())
    code = _LANGUAGES.get(fold(value), "")
    if not code:
        raise CellError(
            _("“%(value)s” is not a language. Write its code (it, ro, en) or its name.")
            % {"value": value}
        )
    return code


def _text(target: Target, value: str) -> str:
    problem = text_problem(value)
    if problem:
        raise CellError(problem)
    if value.startswith(sealing.PREFIX):
        raise CellError(
            _("The text may not start with “%(prefix)s”: it marks encrypted values.")
            % {"prefix": sealing.PREFIX}
        )
    if target.max_length and len(value) > target.max_length:
        raise CellError(
            _("The text has %(length)s characters; %(label)s holds at most %(max)s. Shorten it.")
            % {"length": len(value), "label": target.label, "max": target.max_length}
        )
    return value


def _choice(context: Context, target: Target, value: str) -> Any:
    lookup = context._choices.get(target.key)
    if lookup is None:
        lookup = {}
        for stored, label in target.choices:
            lookup.setdefault(fold(stored), stored)
            for language in ("en", "it", "ro"):
                with translation.override(language):
                    lookup.setdefault(fold(str(label)), stored)
            lookup.setdefault(fold(str(label)), stored)
        context._choices[target.key] = lookup
    found = lookup.get(fold(value))
    if found is None:
        raise CellError(
            _("“%(value)s” is not one of the values of %(label)s. Use one of: %(choices)s.")
            % {
                "value": value,
                "label": target.label,
                "choices": ", ".join(str(label) for _stored, label in target.choices[:30]),
            }
        )
    return int(found) if found.isdecimal() and target.key == "priority" else found


def _bool(value: str) -> bool:
    folded = fold(value) or value.strip()
    if folded in TRUE or value.strip() in {"✓", "✔"}:
        return True
    if folded in FALSE:
        return False
    raise CellError(
        _("“%(value)s” is not yes or no. Write yes or no (also sì, da, nu, true, false, 1, 0, x).")
        % {"value": value}
    )


def _number(context: Context, target: Target, value: str) -> Decimal | int:
    decimal = context.formats.get(target.key) or formats.POINT
    try:
        number = formats.parse_decimal(value, decimal)
    except formats.FormatError as exc:
        raise CellError(
            _(
                "“%(value)s” is not a number in the format %(format)s chosen for this column. Write it like %(format)s, or choose the other format for the column."
            )
            % {"value": value, "format": formats.DECIMALS[decimal]}
        ) from exc
    if target.kind == INTEGER:
        if number != number.to_integral_value():
            raise CellError(
                _("“%(value)s” is not a whole number. Write %(label)s without decimals.")
                % {"value": value, "label": target.label}
            )
        number = number.quantize(Decimal(1))
    if target.min_value is not None and number < target.min_value:
        raise CellError(
            _("%(value)s is less than %(min)s, the smallest %(label)s allowed.")
            % {"value": value, "min": target.min_value, "label": target.label}
        )
    if target.max_value is not None and number > target.max_value:
        raise CellError(
            _("%(value)s is more than %(max)s, the largest %(label)s allowed.")
            % {"value": value, "max": target.max_value, "label": target.label}
        )
    if (
        target.decimal_places is not None
        and -int(number.as_tuple().exponent) > target.decimal_places
    ):
        raise CellError(
            _("“%(value)s” has more than %(places)s decimals. Round it to %(places)s decimals.")
            % {"value": value, "places": target.decimal_places}
        )
    if (
        target.max_digits is not None
        and target.decimal_places is not None
        and abs(number) >= Decimal(10) ** (target.max_digits - target.decimal_places)
    ):
        raise CellError(
            _("%(value)s is too large for %(label)s.") % {"value": value, "label": target.label}
        )
    return int(number) if target.kind == INTEGER else number


def _moment(context: Context, target: Target, value: str) -> datetime.date:
    order = context.formats.get(target.key) or formats.DMY
    try:
        if target.kind == DATETIME:
            moment = formats.parse_datetime(value, order)
        else:
            moment = formats.parse_date(value, order)
    except formats.FormatError as exc:
        labels = {
            formats.DMY: _("dd/mm/yyyy"),
            formats.MDY: _("mm/dd/yyyy"),
            formats.YMD: _("yyyy-mm-dd"),
        }
        other = labels[formats.MDY] if order == formats.DMY else labels[formats.DMY]
        raise CellError(
            _(
                "“%(value)s” is not a date in the format %(format)s chosen for this column. Write it like %(example)s, or choose %(other)s for the column if the file writes dates that way."
            )
            % {
                "value": value,
                "format": labels[order],
                "example": {"dmy": "31/12/2025", "mdy": "12/31/2025", "ymd": "2025-12-31"}[order],
                "other": other,
            }
        ) from exc
    if target.kind == DATETIME:
        if not isinstance(moment, datetime.datetime):
            moment = datetime.datetime.combine(moment, datetime.time(9))
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
    problem = moment_problem(moment)
    if problem:
        raise CellError(f"“{value}”: {problem}")
    return moment


def _tags(value: str) -> list[str]:
    tags = list(dict.fromkeys(tag.strip() for tag in TAG_SPLIT.split(value) if tag.strip()))
    for tag in tags:
        if len(tag) > TAG_MAX:
            raise CellError(
                _("The tag “%(tag)s” is longer than %(max)s characters. Shorten it.")
                % {"tag": tag[:80], "max": TAG_MAX}
            )
    return tags


def _url(target: Target, value: str) -> str:
    url = value if re.match(r"^[a-z][a-z0-9+.-]*://", value, re.IGNORECASE) else f"https://{value}"
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError as exc:
        raise CellError(
            _("“%(value)s” is not a web address. Write it like www.example.com.") % {"value": value}
        ) from exc
    return _text(target, url)


def parse_cell(context: Context, target: Target, value: str, *, region: str) -> Any:
    """The stored value of one non-empty cell, or CellError."""
    kind = target.kind
    if kind == EMAIL:
        address = value.removeprefix("mailto:").strip()
        try:
            validate_email(address)
        except ValidationError as exc:
            raise CellError(
                _("“%(value)s” is not an e-mail address. Write it like name@example.com.")
                % {"value": value}
            ) from exc
        return _text(target, address)
    if kind == PHONE:
        try:
            return normalize_phone(value, region)
        except ValidationError as exc:
            raise CellError(" ".join(exc.messages)) from exc
    if kind == VAT:
        try:
            return normalize_vat(value, region)
        except ValidationError as exc:
            raise CellError(" ".join(exc.messages)) from exc
    if kind in {DATE, DATETIME}:
        return _moment(context, target, value)
    if kind in NUMERIC_KINDS:
        return _number(context, target, value)
    if kind == CHOICE:
        return _choice(context, target, value)
    if kind == COUNTRY:
        try:
            return clean_country(value)
        except ValidationError as exc:
            raise CellError(" ".join(exc.messages)) from exc
    if kind in {BOOL, CONSENT}:
        return _bool(value)
    if kind == TAGS:
        return _tags(value)
    if kind == URL:
        return _url(target, value)
    if target.key == "language":
        return _text(target, _language(value))
    return _text(target, value)


def _cells(context: Context, mapping: Mapping[str, str | None], row: Any) -> dict[str, str]:
    """Field key -> the cell's text, for the mapped columns."""
    if isinstance(row, Mapping):
        cells = {header: str(row.get(header) or "") for header in mapping}
    else:
        cells = dict(zip(context.headers, (str(v or "") for v in row), strict=False))
    return {
        key: cells.get(header, "").strip()
        for header, key in mapping.items()
        if key and key in context.targets
    }


def _split_name(values: dict[str, Any], full: str) -> None:
    """First and last name from a full name: the last word is the last name."""
    first, _sep, last = full.rpartition(" ")
    values.setdefault("first_name", first.strip())
    values.setdefault("last_name", last.strip())
    if not values["first_name"] or not values["last_name"]:
        values.pop("first_name" if not values["first_name"] else "last_name")


def parse_row(
    entity: str, mapping: Mapping[str, str | None], row: Any, *, context: Context
) -> tuple[dict[str, Any], dict[str, str]]:
    """Read one row (a list in ``context.headers`` order, or a dict by header) through
    ``mapping`` (header -> field key or None)."""
    cells = _cells(context, mapping, row)
    values: dict[str, Any] = {}
    problems: dict[str, str] = {}
    # The country first: it is the region of the row's phone and VAT numbers.
    country = ""
    country_cell = cells.get("country", "")
    if country_cell:
        country = to_code(country_cell) or ""
    region = context._regions.get(country)
    if region is None:
        region = context._regions[country] = phone_region(context.user, country).code
    for key, text in cells.items():
        if not text:
            continue
        target = context.targets[key]
        try:
            values[key] = parse_cell(context, target, text, region=region)
        except CellError as exc:
            problems[key] = str(exc)
    full = values.pop("full_name", None)
    if full:
        _split_name(values, full)
    for key, target in context.targets.items():
        mapped = key in cells or (key in ALTERNATIVES and "full_name" in cells)
        if target.required and mapped and key not in values and key not in problems:
            problems[key] = _("%(label)s is required: fill it in for this row.") % {
                "label": target.label
            }
    if (
        values.get("address_street")
        and not values.get("address_city")
        and "address_city" not in problems
    ):
        problems["address_city"] = _(
            "An address needs its city as well as its street: fill in %(label)s or leave the street empty."
        ) % {"label": context.targets["address_city"].label}
    return values, problems


def parse_table_row(
    mapping: Mapping[str, str | None], table: Table, index: int, *, context: Context
) -> tuple[dict[str, Any], dict[str, str]]:
    """``parse_row`` for row ``index`` of ``table``, with what was wrong with the row as
    the file was read (a formula in a mapped cell, a line with too many values) added to
    its problems."""
    values, problems = parse_row(context.entity, mapping, table.rows[index], context=context)
    mapped = {header for header, key in mapping.items() if key}
    for header, message in table.problems_for(index, mapped).items():
        key = ROW if header == ROW else mapping.get(header) or ROW
        values.pop(key, None)
        problems[key] = message
    return values, problems
