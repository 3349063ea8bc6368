"""Dates and numbers as spreadsheets write them, and which way a column writes them.

A date column is day first (dd/mm/yyyy), month first (mm/dd/yyyy) or ISO (yyyy-mm-dd);
``detect_order`` decides from the values (a first number over 12 is a day, a second
number over 12 makes it month first), and the user may override it. ISO dates and dates
with a month name (31 dicembre 2025, 31 decembrie 2025, 31 Dec 2025, December 31, 2025)
are read whatever the order. Amounts use a comma or a point for decimals, with the other
one (or a space or an apostrophe) between thousands; ``detect_decimal`` decides from the
values, and when they do not tell (1.234), from the file's delimiter: a file split by
semicolons comes from a spreadsheet that writes decimal commas."""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

DMY, MDY, YMD = "dmy", "mdy", "ymd"
COMMA, POINT = "comma", "point"
DATE_ORDERS = {DMY: "dd/mm/yyyy", MDY: "mm/dd/yyyy", YMD: "yyyy-mm-dd"}
DECIMALS = {COMMA: "1.234,56", POINT: "1,234.56"}

_MONTHS = {
    # English, Italian, Romanian names and their usual abbreviations (folded).
    1: ("january", "jan", "gennaio", "gen", "ianuarie", "ian"),
    2: ("february", "feb", "febbraio", "februarie"),
    3: ("march", "mar", "marzo", "martie"),
    4: ("april", "apr", "aprile", "aprilie"),
    5: ("may", "maggio", "mag", "mai"),
    6: ("june", "jun", "giugno", "giu", "iunie", "iun"),
    7: ("july", "jul", "luglio", "lug", "iulie", "iul"),
    8: ("august", "aug", "agosto", "ago"),
    9: ("september", "sep", "sept", "settembre", "set", "septembrie"),
    10: ("october", "oct", "ottobre", "ott", "octombrie"),
    11: ("november", "nov", "novembre", "noiembrie", "noi"),
    12: ("december", "dec", "dicembre", "dic", "decembrie"),
}
MONTHS = {name: number for number, names in _MONTHS.items() for name in names}

_NUMERIC = re.compile(r"^(\d{1,4})[./-](\d{1,2})[./-](\d{1,4})$")
_NAMED = re.compile(r"^(\d{1,2})\.?\s*(?:de\s+)?([a-z]+)\.?,?\s*(\d{4})$")
_NAMED_US = re.compile(r"^([a-z]+)\.?\s+(\d{1,2}),?\s+(\d{4})$")
_TIME = re.compile(r"^(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?$")
_CURRENCY = re.compile(
    r"^(?:€|eur|ron|lei|\$|usd|£|gbp|chf)\s*|\s*(?:€|eur|ron|lei|\$|usd|£|gbp|chf)$"
)
_SPACES = re.compile(r"[\s\u00a0\u202f']")


class FormatError(ValueError):
    """The value does not fit the format; the caller words the message."""


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold().strip()


def _year(text: str) -> int:
    year = int(text)
    if len(text) == 2:
        return 2000 + year if year < 70 else 1900 + year
    if len(text) != 4:
        raise FormatError(text)
    return year


def parse_date(text: str, order: str) -> datetime.date:
    """The date ``text`` writes, reading a numeric date in ``order``; FormatError else."""
    value = _fold(text)
    try:
        if re.match(r"^\d{4}-\d{2}-\d{2}$", value):
            return datetime.date.fromisoformat(value)
        numeric = _NUMERIC.match(value)
        if numeric:
            a, b, c = numeric.groups()
            if len(a) == 4:  # 2025/12/31 or 2025.12.31
                return datetime.date(int(a), int(b), int(c))
            if order == YMD or len(c) not in (2, 4):
                raise FormatError(text)
            day, month = (a, b) if order == DMY else (b, a)
            return datetime.date(_year(c), int(month), int(day))
        named = _NAMED.match(value)
        if named and named.group(2) in MONTHS:
            return datetime.date(int(named.group(3)), MONTHS[named.group(2)], int(named.group(1)))
        named = _NAMED_US.match(value)
        if named and named.group(1) in MONTHS:
            return datetime.date(int(named.group(3)), MONTHS[named.group(1)], int(named.group(2)))
    except ValueError as exc:  # 31/02/2025
        raise FormatError(text) from exc
    raise FormatError(text)


def parse_datetime(text: str, order: str) -> datetime.datetime | datetime.date:
    """A date with an optional time (naive unless the text has an offset); a date alone
    when there is no time."""
    value = text.strip()
    if "T" in value or re.match(r"^\d{4}-\d{2}-\d{2} \d", value):
        try:
            return datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            pass
    head, _sep, tail = value.rpartition(" ")
    timed = _TIME.match(tail) if head else None
    if timed is None:
        return parse_date(value, order)
    day = parse_date(head.rstrip(","), order)
    hour, minute, second = (int(part or 0) for part in timed.groups())
    try:
        return datetime.datetime.combine(day, datetime.time(hour, minute, second))
    except ValueError as exc:
        raise FormatError(text) from exc


def detect_order(values: Iterable[str]) -> str:
    """dmy, mdy or ymd for a column of dates (dmy when the values do not tell)."""
    day_first = month_first = numeric = iso = 0
    for value in values:
        value = value.strip()
        if not value:
            continue
        if re.match(r"^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}", value):
            iso += 1
            continue
        found = _NUMERIC.match(value.split(" ")[0])
        if not found:
            continue
        numeric += 1
        first, second = int(found.group(1)), int(found.group(2))
        day_first += first > 12
        month_first += second > 12
    if month_first and not day_first:
        return MDY
    if iso and not numeric:
        return YMD
    return DMY


def parse_decimal(text: str, decimal: str) -> Decimal:
    """The number ``text`` writes with ``decimal`` (comma or point) as decimal separator
    and the other one, a space or an apostrophe between thousands; FormatError else."""
    value = _CURRENCY.sub("", _fold(text)).strip()
    value = _SPACES.sub("", value)
    if not value:
        raise FormatError(text)
    sign = ""
    if value[0] in "+-":
        sign, value = value[:1].replace("+", ""), value[1:]
    point, thousands = (",", ".") if decimal == COMMA else (".", ",")
    whole, _sep, fraction = value.partition(point)
    if thousands in whole:
        if not re.fullmatch(rf"\d{{1,3}}(\{thousands}\d{{3}})+", whole):
            raise FormatError(text)
        whole = whole.replace(thousands, "")
    if not re.fullmatch(r"\d+", whole or "0") or (fraction and not fraction.isdecimal()):
        raise FormatError(text)
    if _sep and not fraction:
        raise FormatError(text)
    fraction = fraction.rstrip("0")
    try:
        return Decimal(f"{sign}{whole or '0'}" + (f".{fraction}" if fraction else ""))
    except InvalidOperation as exc:
        raise FormatError(text) from exc


def detect_decimal(values: Iterable[str], *, delimiter: str = "") -> str:
    """comma or point for a column of numbers."""
    comma = point = 0
    for raw in values:
        value = _SPACES.sub("", _CURRENCY.sub("", _fold(raw)))
        has_comma, has_point = "," in value, "." in value
        if has_comma and has_point:
            if value.rfind(",") > value.rfind("."):
                comma += 1
            else:
                point += 1
        elif has_comma:
            if value.count(",") > 1:
                point += 1  # 1,234,567
            elif not re.search(r",\d{3}$", value):
                comma += 1  # 12,5 or 1234,56
        elif has_point:
            if value.count(".") > 1:
                comma += 1  # 1.234.567
            elif not re.search(r"\.\d{3}$", value):
                point += 1
    if comma != point:
        return COMMA if comma > point else POINT
    return COMMA if delimiter == ";" else POINT
