"""vCard files (2.1, 3.0, 4.0) as a table: one row per card, with columns named after the
contact fields they fill (first_name, last_name, email, phone, mobile, company_name,
job_title, address_*, notes, language, external_id), so the mapping finds them at once.

The file is cut into cards at BEGIN:VCARD / END:VCARD first and each card is parsed on
its own with vobject (folded lines, quoted-printable and charsets of 2.1/3.0 included),
so one damaged card is reported by its position and line and the others are read."""

from __future__ import annotations

import re
from typing import Any

import vobject
from django.utils.translation import gettext as _

from perno.imports.tables import ROW, VCARD, FileProblem, Table, limit, too_many

HEADERS = [
    "first_name",
    "last_name",
    "email",
    "phone",
    "mobile",
    "company_name",
    "job_title",
    "address_street",
    "address_city",
    "address_postal_code",
    "address_region",
    "address_country",
    "notes",
    "language",
    "external_id",
]
ALWAYS = {"first_name", "last_name"}
UNESCAPED_COMMA = re.compile(r"(?<!\\),")
SINGLE_TEXT = {"NOTE", "TITLE", "FN", "ROLE", "UID", "EMAIL", "TEL", "LANG"}


def _cards(text: str) -> list[tuple[int, str]]:
    """(line of BEGIN:VCARD, the card's text) for every card."""
    cards: list[tuple[int, str]] = []
    current: list[str] | None = None
    start = 0
    for number, line in enumerate(text.splitlines(), start=1):
        marker = line.strip().upper()
        if marker == "BEGIN:VCARD":
            current, start = [line.strip()], number
        elif current is not None:
            current.append(line)
            if marker == "END:VCARD":
                cards.append((start, "\r\n".join(current) + "\r\n"))
                current = None
    if current is not None:
        cards.append((start, "\r\n".join(current) + "\r\n"))
    return cards


def _escaped(card: str) -> str:
    """The card with the unescaped commas of its single-valued text properties escaped:
    exporters write "NOTE:a, b" where vCard 3.0 wants "a\\, b", and vobject would keep
    only "a". Folded lines are unfolded first; quoted-printable soft breaks are left."""
    unfolded = re.sub(r"\r?\n[ \t]", "", card)
    lines = []
    for line in unfolded.splitlines():
        name = re.split(r"[;:]", line, maxsplit=1)[0].split(".")[-1].upper()
        if name in SINGLE_TEXT and ":" in line:
            head, _colon, value = line.partition(":")
            line = head + ":" + UNESCAPED_COMMA.sub(lambda _m: "\\,", value)
        lines.append(line)
    return "\r\n".join(lines) + "\r\n"


def _text(value: Any) -> str:
    if isinstance(value, list | tuple):
        return " ".join(_text(part) for part in value if _text(part))
    return str(value or "").strip()


def _types(line: Any) -> set[str]:
    """TYPE=CELL (3.0), TYPE="voice,cell" (4.0) or a bare CELL (2.1), lower case."""
    types = {str(value).lower() for value in getattr(line, "singletonparams", ())}
    for key, values in line.params.items():
        if key.upper() == "TYPE":
            for value in values:
                types.update(part.strip().lower() for part in str(value).split(","))
    return types


def _card_row(card: Any) -> dict[str, str]:
    row: dict[str, str] = {}
    contents = card.contents
    name = contents.get("n", [None])[0]
    if name is not None and hasattr(name.value, "family"):
        row["first_name"] = _text(name.value.given)
        row["last_name"] = _text(name.value.family)
    if not row.get("first_name") and not row.get("last_name"):
        full = _text(contents["fn"][0].value) if "fn" in contents else ""
        first, _sep, last = full.rpartition(" ")
        row["first_name"], row["last_name"] = first, last
    for line in contents.get("email", []):
        if _text(line.value):
            row.setdefault("email", _text(line.value).removeprefix("mailto:"))
    for line in contents.get("tel", []):
        number = _text(line.value).removeprefix("tel:")
        if number:
            row.setdefault("mobile" if "cell" in _types(line) else "phone", number)
    if "org" in contents:
        org = contents["org"][0].value
        row["company_name"] = _text(org[0] if isinstance(org, list) and org else org)
    if "title" in contents:
        row["job_title"] = _text(contents["title"][0].value)
    if "adr" in contents:
        address = contents["adr"][0].value
        row["address_street"] = _text([address.box, address.extended, address.street])
        row["address_city"] = _text(address.city)
        row["address_postal_code"] = _text(address.code)
        row["address_region"] = _text(address.region)
        row["address_country"] = _text(address.country)
    if "note" in contents:
        row["notes"] = _text(contents["note"][0].value)
    if "lang" in contents:
        row["language"] = _text(contents["lang"][0].value)
    if "uid" in contents:
        row["external_id"] = _text(contents["uid"][0].value)
    return row


def read_vcards(text: str, *, max_rows: int | None) -> Table:
    cards = _cards(text)
    if not cards:
        raise FileProblem(
            _("The file holds no vCard (BEGIN:VCARD … END:VCARD). Export the contacts again."),
            code="no_rows",
        )
    if len(cards) > limit("PERNO_IMPORT_MAX_ROWS"):
        raise too_many()
    truncated = max_rows is not None and len(cards) > max_rows
    if max_rows is not None:
        cards = cards[:max_rows]
    found: list[dict[str, str]] = []
    problems: dict[int, dict[str, str]] = {}
    for position, (line, card_text) in enumerate(cards):
        try:
            card = vobject.readOne(_escaped(card_text), ignoreUnreadable=False, allowQP=True)
            found.append(_card_row(card))
        except Exception as exc:  # vobject raises many kinds on a damaged card
            found.append({})
            problems[position] = {
                ROW: _(
                    "vCard %(position)s (line %(line)s) cannot be read (%(error)s). Export this contact again or fix the card."
                )
                % {"position": position + 1, "line": line, "error": str(exc)[:200]}
            }
    if len(problems) == len(cards):
        raise FileProblem(
            _("None of the %(count)s vCards in the file can be read. %(first)s")
            % {"count": len(cards), "first": problems[0][ROW]},
            code="bad_vcard",
        )
    headers = [h for h in HEADERS if h in ALWAYS or any(row.get(h) for row in found)]
    return Table(
        format=VCARD,
        headers=headers,
        rows=[[row.get(h, "") for h in headers] for row in found],
        lines=[line for line, _card in cards],
        problems=problems,
        truncated=truncated,
    )
