"""Why a pair matched, in words: one sentence part per comparison level reached. The
similarity of names is measured again on the two records as the reader sees them."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rapidfuzz.distance import JaroWinkler

LABELS: dict[str, Any] = {
    "name": _("same name"),
    "name_swapped": _("first and last name swapped"),
    "name_similar": _("name similar"),
    "last_name": _("same last name"),
    "first_name": _("same first name"),
    "email": _("same e-mail"),
    "email_user": _("same e-mail user name"),
    "email_similar": _("e-mail similar"),
    "phone": _("same phone"),
    "phone_near": _("phone differs by a digit or two"),
    "postcode": _("same postcode"),
    "city": _("same city"),
    "city_similar": _("city similar"),
    "street": _("same street"),
    "street_similar": _("street similar"),
    "company": _("same company"),
    "company_similar": _("company similar"),
    "vat": _("same VAT number"),
    "domain": _("same website"),
    "external_id": _("same external id"),
}

# The fields each reason is about, highlighted on the page.
FIELDS: dict[str, tuple[str, ...]] = {
    "name": ("name",),
    "name_swapped": ("name",),
    "name_similar": ("name",),
    "last_name": ("name",),
    "first_name": ("name",),
    "email": ("email",),
    "email_user": ("email",),
    "email_similar": ("email",),
    "phone": ("phone",),
    "phone_near": ("phone",),
    "postcode": ("address",),
    "city": ("address",),
    "city_similar": ("address",),
    "street": ("address",),
    "street_similar": ("address",),
    "company": ("company",),
    "company_similar": ("company",),
    "vat": ("vat_number",),
    "domain": ("website",),
}


def similarity(left: str, right: str) -> float:
    """Jaro-Winkler similarity of two texts, case and spacing aside."""
    return JaroWinkler.similarity(" ".join(left.lower().split()), " ".join(right.lower().split()))


def describe(codes: list[str], names: tuple[str, str] | None = None) -> list[str]:
    """The reasons in words; a name similarity says its Jaro-Winkler value when the two
    names are given."""
    said = []
    for code in codes:
        label = str(LABELS.get(code, code))
        if code == "name_similar" and names is not None:
            label = _("name similar (Jaro-Winkler %(value).2f)") % {"value": similarity(*names)}
        said.append(label)
    return said


def highlighted(codes: list[str]) -> set[str]:
    return {name for code in codes for name in FIELDS.get(code, ())}
