"""Possible duplicates of one record being created (issue 20, point 5): the stored
contacts or companies the user may see that share its e-mail, a phone, its VAT number
or external id (strong matches), or its name (as typed, capitalised, or with first and
last name swapped). Each look-up is an equality on stored, normalised values (e-mail
with its domain in lower case, phones in E.164, VAT compact with its prefix), so the
ones on indexed columns use the index; the form asks as the user types, the API before
it creates."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q

from perno.accounts.permissions import restrict
from perno.accounts.regions import phone_region
from perno.contacts.models import Company, Contact
from perno.core.validators import normalize_phone, normalize_vat

LIMIT = 5
STRONG = frozenset({"email", "phone", "vat", "external_id"})


@dataclass
class Candidate:
    record: Contact | Company
    reasons: list[str] = field(default_factory=list)

    @property
    def strong(self) -> bool:
        return bool(STRONG & set(self.reasons))


def _text(values: Mapping[str, Any], name: str) -> str:
    value = values.get(name)
    return value.strip()[:200] if isinstance(value, str) else ""


def _email(value: str) -> list[str]:
    if "@" not in value:
        return []
    local, _at, domain = value.rpartition("@")
    return list(dict.fromkeys([f"{local}@{domain.lower()}", value.lower()]))


def _phones(values: Mapping[str, Any], names: tuple[str, ...], region: str) -> list[str]:
    found = []
    for name in names:
        try:
            number = normalize_phone(_text(values, name), region)
        except ValidationError:
            continue  # not a number yet: the form says so when saved
        if number:
            found.append(number)
    return found


def _spellings(value: str) -> list[str]:
    return list(dict.fromkeys([value, value.title(), value.lower(), value.upper()]))


def candidates(*, user: Any, kind: str, values: Mapping[str, Any]) -> list[Candidate]:
    """The possible duplicates of a new ``kind`` ("contact" or "company") with
    ``values`` (form or API field names), strong matches first, at most ``LIMIT``."""
    region = phone_region(user, _text(values, "country")).code
    checks: list[tuple[str, Q]] = []
    external = _text(values, "external_id")
    if external:
        checks.append(("external_id", Q(external_id=external)))
    emails = _email(_text(values, "email"))
    if emails:
        checks.append(("email", Q(email__in=emails)))
    if kind == "contact":
        model: type[Contact] | type[Company] = Contact
        phones = _phones(values, ("phone", "mobile"), region)
        if phones:
            checks.append(("phone", Q(phone__in=phones) | Q(mobile__in=phones)))
        first, last = _text(values, "first_name"), _text(values, "last_name")
        if first and last:
            checks.append(
                ("name", Q(first_name__in=_spellings(first), last_name__in=_spellings(last)))
            )
            checks.append(
                (
                    "name_swapped",
                    Q(first_name__in=_spellings(last), last_name__in=_spellings(first)),
                )
            )
    else:
        model = Company
        phones = _phones(values, ("phone",), region)
        if phones:
            checks.append(("phone", Q(phone__in=phones)))
        try:
            vat = normalize_vat(_text(values, "vat_number"), _text(values, "country") or None)
        except ValidationError:
            vat = ""
        if vat:
            checks.append(("vat", Q(vat_number=vat)))
        name = _text(values, "name")
        if name:
            checks.append(("name", Q(name__in=_spellings(name))))
    found: dict[int, Candidate] = {}
    visible = restrict(model.objects.all(), user, "view")
    for reason, condition in checks:
        for record in visible.filter(condition).order_by("pk")[:LIMIT]:
            found.setdefault(record.pk, Candidate(record)).reasons.append(reason)
    ordered = sorted(found.values(), key=lambda c: (not c.strong, -len(c.reasons), c.record.pk))
    return ordered[:LIMIT]
