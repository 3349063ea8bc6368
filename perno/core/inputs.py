"""The limits every input is held to, whichever door it comes through (API, forms,
filters, imports): dates within a documented range, real UTC offsets, text without NUL
characters or broken Unicode, and JSON bodies of bounded depth. One rule each, used by
the model fields (so ModelForms and the services' ``full_clean`` get it), the API schemas,
the list filters and the importers."""

from __future__ import annotations

import datetime
import re
import zoneinfo
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# Business dates (due dates, orders, deals, consents, requests, tokens): no field of Perno
# needs a date before 1900 (there is no birth date) or after 2200.
DATE_MIN = datetime.date(1900, 1, 1)
DATE_MAX = datetime.date(2200, 12, 31)
# Every UTC offset in use lies within ±14:00 (Kiribati +14:00, Baker Island −12:00) and is a
# whole number of quarter hours (+05:45 Nepal, +12:45 Chatham). Offsets a time zone database
# gives for old dates (local mean time, e.g. +01:44:24) are kept; an offset written in the
# input must be a real one.
MAX_UTC_OFFSET = datetime.timedelta(hours=14)
OFFSET_STEP = datetime.timedelta(minutes=15)
# A JSON body nests at most this deep (the API's deepest real body is 4 levels).
MAX_JSON_DEPTH = 16

_BROKEN_TEXT = re.compile("[\x00\ud800-\udfff]")


def moment_problem(value: Any) -> str | None:
    """Why ``value`` (a date or datetime) is out of range, or None when it is fine."""
    if not isinstance(value, datetime.date):
        return None
    day = value.date() if isinstance(value, datetime.datetime) else value
    if not DATE_MIN <= day <= DATE_MAX:
        return _("Enter a date between %(min)s and %(max)s.") % {
            "min": DATE_MIN.isoformat(),
            "max": DATE_MAX.isoformat(),
        }
    if isinstance(value, datetime.datetime) and value.tzinfo is not None:
        offset = value.utcoffset()
        written = not isinstance(value.tzinfo, zoneinfo.ZoneInfo)
        if offset is not None and (
            abs(offset) > MAX_UTC_OFFSET or (written and offset % OFFSET_STEP)
        ):
            return _(
                "The UTC offset %(offset)s does not exist: use an offset between -14:00 and +14:00 in quarter hours, e.g. +01:00 or +05:45."
            ) % {"offset": value.strftime("%:z")}
    return None


def validate_moment(value: Any) -> None:
    """Model-field validator: a date or datetime within the documented range."""
    problem = moment_problem(value)
    if problem:
        raise ValidationError(problem, code="date_range")


def text_problem(value: str) -> str | None:
    """Why ``value`` cannot be stored as text (NUL, unpaired surrogates), or None."""
    found = _BROKEN_TEXT.search(value)
    if found is None:
        return None
    if found.group() == "\x00":
        return _(
            "The text contains a NUL character (U+0000), which cannot be stored. Remove it and try again."
        )
    return _(
        "The text is not valid Unicode (an unpaired surrogate such as \\ud800). Send it as UTF-8."
    )


def json_problem(data: Any) -> tuple[str, str] | None:
    """The first (location, reason) that makes a parsed JSON body unacceptable: nested
    deeper than MAX_JSON_DEPTH, or text (keys included) that cannot be stored. Iterative,
    so any depth is safe to inspect."""
    stack: list[tuple[Any, str, int]] = [(data, "", 1)]
    while stack:
        value, where, depth = stack.pop()
        if isinstance(value, str):
            problem = text_problem(value)
            if problem:
                return where or "__all__", problem
        elif isinstance(value, (dict, list)):
            if depth > MAX_JSON_DEPTH:
                return where or "__all__", _(
                    "The JSON nests deeper than %(depth)s levels; no field of the API needs that."
                ) % {"depth": MAX_JSON_DEPTH}
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in items:
                path = f"{where}.{key}" if where else str(key)
                if isinstance(key, str) and text_problem(key):
                    return path, text_problem(key) or ""
                stack.append((item, path, depth + 1))
    return None
