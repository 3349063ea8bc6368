"""What a business calendar is made of, checked and normalised: weekly working hours,
extra closed and open days, the time zone, the country and its subdivision, and the
public holidays the maintained ``holidays`` package knows for Italy and Romania.

Pure functions (no database). The models' ``clean`` and the forms use them, so every
door (settings pages, API, services) gives the same clear, translated errors.

Stored shapes:

- hours: ``{"mon": ["09:00-13:00", "14:00-18:00"], ..., "sun": []}``; ranges in
  wall-clock time of the calendar's zone, ordered, not overlapping; "24:00" ends a
  range at midnight.
- closed days: ``[{"date": "12-07", "name": "Sant'Ambrogio"}, {"date": "2026-12-24",
  "name": ""}]``; "MM-DD" closes that day every year, "YYYY-MM-DD" once.
- open days: the same, with ``"hours"`` (ranges; empty: the hours of that weekday, or
  of the first weekday with hours when that weekday has none). An open day wins over a
  public holiday, a closed day and the weekend."""

from __future__ import annotations

import datetime
import itertools
import re
import zoneinfo
from functools import lru_cache
from typing import Any

import holidays
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from perno.core.inputs import moment_problem, text_problem

WEEKDAYS: dict[str, Any] = {
    "mon": gettext_lazy("Monday"),
    "tue": gettext_lazy("Tuesday"),
    "wed": gettext_lazy("Wednesday"),
    "thu": gettext_lazy("Thursday"),
    "fri": gettext_lazy("Friday"),
    "sat": gettext_lazy("Saturday"),
    "sun": gettext_lazy("Sunday"),
}
WEEKDAY_KEYS = tuple(WEEKDAYS)  # index = datetime.date.weekday()
COUNTRIES: tuple[tuple[str, Any], ...] = (
    ("IT", gettext_lazy("Italy")),
    ("RO", gettext_lazy("Romania")),
)
MAX_RANGES_PER_DAY = 12
MAX_DAYS = 500  # extra closed or open days per calendar
NAME_MAX = 100

_RANGE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*[-–]\s*(\d{1,2}):(\d{2})\s*$")
_ANNUAL = re.compile(r"^(\d{2})-(\d{2})$")
_DATED = re.compile(r"^\d{4}-\d{2}-\d{2}$")


# --- Time zones and countries -------------------------------------------------------------


@lru_cache(maxsize=1)
def time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def clean_time_zone(value: Any) -> str:
    name = str(value or "").strip()
    if name not in time_zones():
        raise ValidationError(
            _(
                "“%(value)s” is not a time zone. Use an IANA name such as Europe/Rome or Europe/Bucharest."
            )
            % {"value": name[:64]}
        )
    return name


def country_name(code: str) -> str:
    return str(dict(COUNTRIES).get(code, code))


@lru_cache(maxsize=8)
def _subdivisions(country: str) -> tuple[tuple[str, str], ...]:
    """(code, name) of the subdivisions the holiday data knows for ``country``."""
    if not country:
        return ()
    aliases = holidays.country_holidays(country).get_subdivision_aliases()
    codes = holidays.list_supported_countries().get(country, [])
    return tuple((code, ", ".join(aliases.get(code, [])) or code) for code in codes)


def subdivision_choices(country: str) -> list[tuple[str, str]]:
    return list(_subdivisions(country))


def clean_subdivision(country: str, value: Any) -> str:
    """The subdivision code as the holiday data spells it ("mi", "Milano" -> "MI")."""
    text = str(value or "").strip()
    if not text:
        return ""
    if not country:
        raise ValidationError(
            _("Choose the country first: a subdivision only makes sense within a country.")
        )
    known = _subdivisions(country)
    if not known:
        raise ValidationError(
            _(
                "The holiday calendar of %(country)s has no subdivisions with holidays of their own; leave this empty."
            )
            % {"country": country_name(country)}
        )
    folded = text.casefold()
    for code, names in known:
        if folded == code.casefold() or folded in {n.strip().casefold() for n in names.split(",")}:
            return code
    preferred = [item for item in known if item[0] in ("MI", "RM", "TO", "NA")] or list(known)
    examples = ", ".join(f"{code} ({names})" for code, names in preferred[:4])
    raise ValidationError(
        _(
            "“%(value)s” is not a subdivision of %(country)s known to the holiday calendar. Use a code such as %(examples)s."
        )
        % {"value": text[:40], "country": country_name(country), "examples": examples}
    )


# --- Public holidays --------------------------------------------------------------------------


@lru_cache(maxsize=512)
def holiday_dates(country: str, subdivision: str, year: int) -> frozenset[datetime.date]:
    """The public holidays of one year (cached: the clock asks for every day it walks)."""
    if not country:
        return frozenset()
    found = holidays.country_holidays(country, subdiv=subdivision or None, years=year)
    return frozenset(found.keys())


def _holiday_language(country: str, language: str | None) -> str | None:
    if not country or not language:
        return None
    supported = holidays.country_holidays(country).supported_languages
    base = language.split("-")[0].split("_")[0].lower()
    for candidate in supported:
        if candidate.lower() == language.lower() or candidate.split("_")[0].lower() == base:
            return candidate
    return None


@lru_cache(maxsize=256)
def holiday_names(
    country: str, subdivision: str, year: int, language: str | None = None
) -> tuple[tuple[datetime.date, str], ...]:
    """(date, name) of one year's public holidays, named in ``language`` when the holiday
    data has it (it, ro, en), otherwise in the country's own language."""
    if not country:
        return ()
    found = holidays.country_holidays(
        country,
        subdiv=subdivision or None,
        years=year,
        language=_holiday_language(country, language),
    )
    return tuple(sorted(found.items()))


# --- Weekly hours -------------------------------------------------------------------------


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def parse_range(text: Any) -> tuple[int, int]:
    """ "09:00-13:00" -> (540, 780), minutes from midnight; a clear error otherwise."""
    value = str(text)
    match = _RANGE.match(value)
    if match is None:
        raise ValidationError(
            _("“%(value)s” is not a time range; write it as 09:00-13:00.") % {"value": value[:40]}
        )
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if m1 > 59 or m2 > 59 or h1 > 23 or h2 > 24 or (h2 == 24 and m2):
        raise ValidationError(
            _(
                "“%(value)s”: a range starts between 00:00 and 23:59 and ends at 24:00 at the latest."
            )
            % {"value": value.strip()}
        )
    start, end = h1 * 60 + m1, h2 * 60 + m2
    if end <= start:
        raise ValidationError(
            _(
                "“%(value)s” ends before it starts. A range cannot run past midnight: end it at 24:00 and continue on the next day."
            )
            % {"value": value.strip()}
        )
    return start, end


def clean_ranges(values: Any) -> list[str]:
    """A day's ranges, normalised ("9:00 - 13:00" -> "09:00-13:00") and ordered; the
    ranges must not overlap (touching is fine)."""
    if isinstance(values, str):
        values = [part for part in re.split(r"[,;\n]", values) if part.strip()]
    if not isinstance(values, list | tuple):
        raise ValidationError(_("Give the working hours as a list of ranges such as 09:00-13:00."))
    if len(values) > MAX_RANGES_PER_DAY:
        raise ValidationError(
            _("At most %(n)s ranges per day.") % {"n": MAX_RANGES_PER_DAY},
        )
    ranges = sorted(parse_range(value) for value in values)
    for (s1, e1), (s2, e2) in itertools.pairwise(ranges):
        if s2 < e1:
            raise ValidationError(
                _("%(first)s and %(second)s overlap; give ranges that do not overlap.")
                % {"first": f"{_hhmm(s1)}-{_hhmm(e1)}", "second": f"{_hhmm(s2)}-{_hhmm(e2)}"}
            )
    return [f"{_hhmm(s)}-{_hhmm(e)}" for s, e in ranges]


def minutes_of(ranges: list[str]) -> tuple[tuple[int, int], ...]:
    """Stored (already clean) ranges as minutes from midnight."""
    return tuple(parse_range(value) for value in ranges)


def clean_hours(value: Any) -> dict[str, list[str]]:
    """The weekly hours: every weekday present (missing ones closed), each day's ranges
    clean; at least one working range in the week."""
    if not isinstance(value, dict):
        raise ValidationError(
            {
                "hours": [
                    _(
                        'Give the working hours per weekday, e.g. {"mon": ["09:00-13:00", "14:00-18:00"]}.'
                    )
                ]
            }
        )
    errors: list[str] = []
    unknown = [str(key) for key in value if key not in WEEKDAYS]
    if unknown:
        errors.append(
            _("Unknown weekday “%(name)s”; use %(known)s.")
            % {"name": unknown[0][:20], "known": ", ".join(WEEKDAY_KEYS)}
        )
    result: dict[str, list[str]] = {}
    for key, label in WEEKDAYS.items():
        try:
            result[key] = clean_ranges(value.get(key) or [])
        except ValidationError as exc:
            errors.extend(f"{label}: {message}" for message in exc.messages)
    if not errors and not any(result.values()):
        errors.append(_("Give working hours on at least one day of the week."))
    if errors:
        raise ValidationError({"hours": errors})
    return result


# --- Extra closed and open days ---------------------------------------------------------------


def parse_day(text: Any) -> str:
    """ "2026-12-24" (once) or "12-07" (every year), checked; returns it as stored."""
    value = str(text or "").strip()
    annual = _ANNUAL.match(value)
    if annual:
        month, day = int(annual.group(1)), int(annual.group(2))
        try:
            datetime.date(2000, month, day)  # a leap year: 02-29 is a day
        except ValueError:
            raise ValidationError(
                _("“%(value)s” is not a day of the year; write it as MM-DD, e.g. 12-07.")
                % {"value": value[:20]}
            ) from None
        return value
    if _DATED.match(value):
        try:
            day_value = datetime.date.fromisoformat(value)
        except ValueError:
            day_value = None
        if day_value is not None:
            problem = moment_problem(day_value)
            if problem:
                raise ValidationError(problem)
            return value
    raise ValidationError(
        _(
            "“%(value)s” is not a date. Write 2026-12-24 for one day, or 12-07 for the same day every year."
        )
        % {"value": value[:20]}
    )


def _day_key(entry: dict[str, Any]) -> tuple[int, str]:
    date = entry["date"]
    return (0 if len(date) == 5 else 1, date)


def clean_days(value: Any, *, open_days: bool = False) -> list[dict[str, Any]]:
    """Extra closed days (or open days, with optional hours), checked and ordered."""
    field = "open_days" if open_days else "closed_days"
    if value in (None, ""):
        return []
    if not isinstance(value, list):
        raise ValidationError(
            {field: [_('Give a list of days such as [{"date": "12-07", "name": "Patron saint"}].')]}
        )
    if len(value) > MAX_DAYS:
        raise ValidationError({field: [_("At most %(n)s days.") % {"n": MAX_DAYS}]})
    errors: list[str] = []
    result: list[dict[str, Any]] = []
    seen: set[str] = set()
    for n, item in enumerate(value, 1):
        entry = item if isinstance(item, dict) else {"date": item}
        try:
            unknown = set(entry) - ({"date", "name", "hours"} if open_days else {"date", "name"})
            if unknown:
                raise ValidationError(
                    _("unknown key “%(key)s”.") % {"key": str(sorted(unknown)[0])[:20]}
                )
            date = parse_day(entry.get("date"))
            name = str(entry.get("name") or "").strip()
            if len(name) > NAME_MAX:
                raise ValidationError(_("a name has at most %(n)s characters.") % {"n": NAME_MAX})
            if text_problem(name):
                raise ValidationError(text_problem(name) or "")
            if date in seen:
                raise ValidationError(_("%(date)s is listed twice.") % {"date": date})
            seen.add(date)
            cleaned: dict[str, Any] = {"date": date, "name": name}
            if open_days:
                cleaned["hours"] = clean_ranges(entry.get("hours") or [])
            result.append(cleaned)
        except ValidationError as exc:
            errors.extend(
                _("Day %(n)s: %(message)s") % {"n": n, "message": message}
                for message in exc.messages
            )
    if errors:
        raise ValidationError({field: errors})
    return sorted(result, key=_day_key)


def days_clash(closed: list[dict[str, Any]], opened: list[dict[str, Any]]) -> list[str]:
    """Days listed both as closed and as open."""
    return sorted({d["date"] for d in closed} & {d["date"] for d in opened})


# --- The text form of the settings page ---------------------------------------------------------


def days_to_text(days: list[dict[str, Any]]) -> str:
    lines = []
    for entry in days or []:
        parts = [entry["date"], *entry.get("hours", []), entry.get("name", "")]
        lines.append(" ".join(p for p in parts if p))
    return "\n".join(lines)


def days_from_text(text: str, *, open_days: bool = False) -> list[dict[str, Any]]:
    """One day per line: the date, for an open day its ranges, then an optional name
    ("12-07 Sant'Ambrogio", "2026-12-27 09:00-13:00 Inventory")."""
    entries: list[dict[str, Any]] = []
    for line in text.splitlines():
        tokens = line.split()
        if not tokens:
            continue
        date, rest = tokens[0], tokens[1:]
        hours: list[str] = []
        while open_days and rest and _RANGE.match(rest[0]):
            hours.append(rest.pop(0))
        entry: dict[str, Any] = {"date": date, "name": " ".join(rest)}
        if open_days:
            entry["hours"] = hours
        entries.append(entry)
    return entries


# --- What is closed in a year (the calendar's page and API) ----------------------------------


def _on(entry_date: str, year: int) -> datetime.date | None:
    if len(entry_date) == 5:
        try:
            return datetime.date(year, int(entry_date[:2]), int(entry_date[3:]))
        except ValueError:  # 02-29 outside leap years
            return None
    day = datetime.date.fromisoformat(entry_date)
    return day if day.year == year else None


def year_closures(calendar: Any, year: int, language: str | None = None) -> list[dict[str, Any]]:
    """The days of ``year`` a calendar is closed beyond its weekly hours: public holidays
    (named in ``language`` where the holiday data can) and the company's closed days,
    each marked ``open`` when an extra open day overrides it. Holidays on a weekend are
    listed too (the admin sees the whole list of the year)."""
    opened = {_on(entry["date"], year) for entry in calendar.open_days or []} - {None}
    rows: dict[datetime.date, dict[str, Any]] = {}
    for day, name in holiday_names(
        str(calendar.country or ""), str(calendar.subdivision or ""), year, language
    ):
        rows[day] = {"date": day, "name": name, "kind": "public", "open": day in opened}
    for entry in calendar.closed_days or []:
        closed = _on(entry["date"], year)
        if closed is None:
            continue
        name = entry.get("name") or ""
        if closed in rows:
            rows[closed]["name"] = "; ".join(n for n in (rows[closed]["name"], name) if n)
        else:
            rows[closed] = {
                "date": closed,
                "name": name,
                "kind": "company",
                "open": closed in opened,
            }
    return [rows[day] for day in sorted(rows)]
