"""Possible duplicates of one record being created (issue 20, point 5): the stored
contacts or companies the user may see that share its e-mail, a phone, its VAT number
or external id (strong matches), or its name (as typed, capitalised, or with first and
last name swapped). Each look-up is an equality on stored, normalised values (e-mail
with its domain in lower case, phones in E.164, VAT compact with its prefix), so the
ones on indexed columns use the index; the form asks as the user types, the API before
it creates. Fields the user may not read (``hidden_fields``) are neither matched on nor
named as a reason: the check never tells whether a record the user sees holds a given
confidential value."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q

from perno.accounts.confidential import hidden_fields
from perno.accounts.permissions import can, restrict
from perno.accounts.regions import phone_region
from perno.contacts.models import Company, Contact
from perno.core.validators import normalize_phone, normalize_vat

LIMIT = 5
STRONG = frozenset({"email", "phone", "vat", "external_id"})
# The record fields each reason of a pair is about, by kind: the reason is told only
# when the user may read every one of them.
REASON_FIELDS: dict[str, dict[str, tuple[str, ...]]] = {
    "contact": {
        "email": ("email",),
        "email_user": ("email",),
        "email_similar": ("email",),
        "phone": ("phone", "mobile"),
        "phone_near": ("phone", "mobile"),
        "external_id": ("external_id",),
    },
    "company": {
        "email": ("email",),
        "email_user": ("email",),
        "email_similar": ("email",),
        "phone": ("phone",),
        "phone_near": ("phone",),
        "vat": ("vat_number",),
        "domain": ("website",),
        "external_id": ("external_id",),
    },
}
# Reasons about the company a contact is linked to: told only when the user may open
# the companies of both records.
COMPANY_REASONS = frozenset({"company", "company_similar"})


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


def told_reasons(
    user: Any, kind: str, codes: list[str], records: tuple[Any, ...] = ()
) -> list[str]:
    """The reasons of a pair of ``records`` (of ``kind``) that ``user`` may be told:
    none about a field hidden from them, nor about a linked company they may not open."""
    hidden = hidden_fields(user, kind)
    fields = REASON_FIELDS.get(kind, {})
    told = [code for code in codes if not hidden.intersection(fields.get(code, ()))]
    if kind == "contact" and COMPANY_REASONS.intersection(told):
        companies = [a.company for r in records if r is not None for a in r.affiliations.all()]
        if not all(can(user, "view", company) for company in companies):
            told = [code for code in told if code not in COMPANY_REASONS]
    return told


def candidates(*, user: Any, kind: str, values: Mapping[str, Any]) -> list[Candidate]:
    """The possible duplicates of a new ``kind`` ("contact" or "company") with
    ``values`` (form or API field names), strong matches first, at most ``LIMIT``."""
    region = phone_region(user, _text(values, "country")).code
    # Never look up a value the user may not read on the stored records.
    hidden = hidden_fields(user, "contact" if kind == "contact" else "company")
    checks: list[tuple[str, Q]] = []
    external = _text(values, "external_id")
    if external and "external_id" not in hidden:
        checks.append(("external_id", Q(external_id=external)))
    emails = _email(_text(values, "email"))
    if emails and "email" not in hidden:
        checks.append(("email", Q(email__in=emails)))
    if kind == "contact":
        model: type[Contact] | type[Company] = Contact
        phones = _phones(values, ("phone", "mobile"), region)
        readable = [name for name in ("phone", "mobile") if name not in hidden]
        if phones and readable:
            condition = Q()
            for name in readable:
                condition |= Q(**{f"{name}__in": phones})
            checks.append(("phone", condition))
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
        if phones and "phone" not in hidden:
            checks.append(("phone", Q(phone__in=phones)))
        try:
            vat = normalize_vat(_text(values, "vat_number"), _text(values, "country") or None)
        except ValidationError:
            vat = ""
        if vat and "vat_number" not in hidden:
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
