"""What an import can fill: the fields of each record type (``target_fields``), with their
kind, length and choices taken from the models, the administrator's custom fields and,
for contacts, one consent column per active consent purpose; and the mapping suggested
from a file's headers (``suggest_mapping``), in English, Italian and Romanian.

Keys are the model's field names, plus:
- ``full_name`` (contacts, leads): split into first and last name;
- ``company_name``, ``company_external_id``, ``company_vat_number``, ``contact_email``,
  ``contact_external_id``, ``customer_external_id`` (orders): links to existing records,
  resolved by the import engine;
- ``address_street`` … ``address_country``, ``address_kind``: one address per row;
- ``tags``: comma or semicolon separated;
- ``custom_fields.<key>`` and ``consent.<purpose code>``."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import models
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rapidfuzz import fuzz
from rapidfuzz.distance import OSA

from perno.accounts.confidential import CUSTOM_PREFIX, hidden_fields
from perno.activities.models import Activity
from perno.contacts.models import Address, Company, Contact, CustomFieldDefinition
from perno.imports.synonyms import ENTITY_SYNONYMS, SYNONYMS
from perno.privacy.models import LegalBasis, Purpose
from perno.sales.models import Deal, Lead, Order, Pipeline, Product, Stage

ENTITIES = ("company", "contact", "lead", "deal", "product", "activity", "order")
MODELS: dict[str, type[models.Model]] = {
    "company": Company,
    "contact": Contact,
    "lead": Lead,
    "deal": Deal,
    "product": Product,
    "activity": Activity,
    "order": Order,
}
# Kinds of value a column holds (cells.parse_cell reads each).
TEXT, EMAIL, PHONE, VAT, URL = "text", "email", "phone", "vat", "url"
DATE, DATETIME, AMOUNT, NUMBER, INTEGER = "date", "datetime", "amount", "number", "integer"
CHOICE, COUNTRY, BOOL, CONSENT, TAGS = "choice", "country", "bool", "consent", "tags"
CONSENT_PREFIX = "consent."
ADDRESS_KEYS = (
    "address_street",
    "address_city",
    "address_postal_code",
    "address_region",
    "address_country",
    "address_kind",
)
# A required field another column may fill instead.
ALTERNATIVES = {"first_name": ("full_name",), "last_name": ("full_name",)}
FUZZY_CUTOFF = 86


@dataclass(frozen=True)
class Target:
    key: str
    label: str
    kind: str
    required: bool = False
    max_length: int | None = None
    # (stored value, label): labels of model choices stay lazy, so they read in any language
    choices: tuple[tuple[str, Any], ...] = ()
    group: str = "record"  # record, link, address, custom, consent
    min_value: Decimal | None = None
    max_value: Decimal | None = None
    decimal_places: int | None = None
    max_digits: int | None = None


def _label(field: models.Field) -> str:
    text = str(field.verbose_name)
    return text[:1].upper() + text[1:]


def _from_model(
    model: type[models.Model],
    name: str,
    kind: str,
    *,
    required: bool | None = None,
    key: str | None = None,
    group: str = "record",
    label: str | None = None,
    exclude: Iterable[str] = (),
) -> Target:
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field):
        raise LookupError(name)
    low = high = None
    for validator in field.validators:
        limit = getattr(validator, "limit_value", None)
        if validator.__class__.__name__ == "MinValueValidator":
            low = Decimal(str(limit))
        elif validator.__class__.__name__ == "MaxValueValidator":
            high = Decimal(str(limit))
    if isinstance(field, models.PositiveIntegerField | models.PositiveSmallIntegerField):
        low = Decimal(0) if low is None else low
    choices = tuple(
        (str(value), text) for value, text in (field.choices or ()) if value not in exclude
    )
    return Target(
        key=key or name,
        label=label or _label(field),
        kind=kind,
        required=(not field.blank and not field.has_default()) if required is None else required,
        max_length=getattr(field, "max_length", None) if kind in {TEXT, URL, EMAIL} else None,
        choices=choices,
        group=group,
        min_value=low,
        max_value=high,
        decimal_places=getattr(field, "decimal_places", None),
        max_digits=getattr(field, "max_digits", None),
    )


def _link(key: str, label: str, kind: str = TEXT, max_length: int | None = 200) -> Target:
    return Target(key=key, label=label, kind=kind, max_length=max_length, group="link")


def _address() -> list[Target]:
    return [
        _from_model(Address, "street", TEXT, key="address_street", group="address",
                    required=False, label=_("Address: street")),
        _from_model(Address, "city", TEXT, key="address_city", group="address",
                    required=False, label=_("Address: city")),
        _from_model(Address, "postal_code", TEXT, key="address_postal_code", group="address",
                    label=_("Address: postal code")),
        _from_model(Address, "region", TEXT, key="address_region", group="address",
                    label=_("Address: province / county")),
        _from_model(Address, "country", COUNTRY, key="address_country", group="address",
                    required=False, label=_("Address: country")),
        _from_model(Address, "kind", CHOICE, key="address_kind", group="address",
                    required=False, label=_("Address: kind")),
    ]  # fmt: skip


# Per record type: its own fields (model field, kind) in the order a person expects them,
# then the groups of other columns it takes.
FIELDS: dict[str, tuple[tuple[str, str], ...]] = {
    "company": (
        ("name", TEXT), ("vat_number", VAT), ("industry", TEXT), ("website", URL),
        ("email", EMAIL), ("phone", PHONE), ("country", COUNTRY), ("employees", INTEGER),
        ("notes", TEXT), ("external_id", TEXT),
    ),
    "contact": (
        ("first_name", TEXT), ("last_name", TEXT), ("email", EMAIL), ("phone", PHONE),
        ("mobile", PHONE), ("job_title", TEXT), ("language", TEXT), ("country", COUNTRY),
        ("notes", TEXT), ("external_id", TEXT),
    ),
    "lead": (
        ("first_name", TEXT), ("last_name", TEXT), ("company_name", TEXT), ("job_title", TEXT),
        ("email", EMAIL), ("phone", PHONE), ("country", COUNTRY), ("source", CHOICE),
        ("status", CHOICE), ("notes", TEXT),
    ),
    "deal": (
        ("title", TEXT), ("amount", AMOUNT), ("currency", CHOICE), ("probability", INTEGER),
        ("expected_close_date", DATE), ("status", CHOICE), ("close_reason", TEXT),
        ("notes", TEXT),
    ),
    "product": (
        ("name", TEXT), ("sku", TEXT), ("description", TEXT), ("unit_price", AMOUNT),
        ("currency", CHOICE), ("vat_rate", AMOUNT), ("is_active", BOOL),
    ),
    "activity": (
        ("kind", CHOICE), ("subject", TEXT), ("description", TEXT), ("due_at", DATETIME),
        ("priority", CHOICE), ("status", CHOICE), ("moment", CHOICE),
    ),
    "order": (
        ("number", TEXT), ("ordered_on", DATE), ("total", AMOUNT), ("cost", AMOUNT),
        ("currency", CHOICE), ("status", CHOICE),
    ),
}  # fmt: skip
GROUPS: dict[str, tuple[str, ...]] = {
    "company": ("tags", "address"),
    "contact": ("full_name", "companies", "tags", "address"),
    "lead": ("full_name", "tags"),
    "deal": ("stages", "companies", "contacts", "tags"),
    "product": ("tags",),
    "activity": ("companies", "contacts", "tags"),
    "order": ("customer", "companies", "contacts"),
}
# Choices an import may not set: a lead is converted, a survey answered, in Perno.
EXCLUDED = {("lead", "status"): {"converted"}, ("activity", "kind"): {"survey"}}


def _group(name: str) -> list[Target]:
    if name == "tags":
        return [Target(key="tags", label=_("Tags"), kind=TAGS)]
    if name == "full_name":
        return [Target(key="full_name", label=_("Full name"), kind=TEXT, max_length=201)]
    if name == "address":
        return _address()
    if name == "companies":
        return [
            _link("company_name", _("Company (name)")),
            _link("company_external_id", _("Company (external id)"), max_length=64),
            _link("company_vat_number", _("Company (VAT number)"), VAT, max_length=20),
        ]
    if name == "contacts":
        return [
            _link("contact_email", _("Contact (e-mail)"), EMAIL, max_length=254),
            _link("contact_external_id", _("Contact (external id)"), max_length=64),
        ]
    if name == "customer":
        return [_link("customer_external_id", _("Customer (external id)"), max_length=64)]
    if name == "stages":
        return [
            _choice_of("pipeline", _("Pipeline"), Pipeline.objects.values_list("name", flat=True)),
            _choice_of("stage", _("Stage"), Stage.objects.values_list("name", flat=True)),
        ]
    raise LookupError(name)


def _base(entity: str) -> list[Target]:
    model = MODELS[entity]
    targets = [
        _from_model(model, name, kind, exclude=EXCLUDED.get((entity, name), {""}))
        for name, kind in FIELDS[entity]
    ]
    for group in GROUPS[entity]:
        targets.extend(_group(group))
    return targets


def _choice_of(key: str, label: str, names: Iterable[str]) -> Target:
    unique = dict.fromkeys(str(name) for name in names)
    return Target(key=key, label=label, kind=CHOICE, choices=tuple((n, n) for n in unique))


CUSTOM_KINDS = {
    CustomFieldDefinition.FieldType.TEXT: TEXT,
    CustomFieldDefinition.FieldType.NUMBER: NUMBER,
    CustomFieldDefinition.FieldType.DATE: DATE,
    CustomFieldDefinition.FieldType.CHOICE: CHOICE,
    CustomFieldDefinition.FieldType.BOOLEAN: BOOL,
}


def _custom(entity: str) -> list[Target]:
    if entity not in CustomFieldDefinition.Entity.values:
        return []
    return [
        Target(
            key=f"{CUSTOM_PREFIX}{definition.key}",
            label=definition.label,
            kind=CUSTOM_KINDS[CustomFieldDefinition.FieldType(definition.field_type)],
            required=definition.is_required,
            max_length=1000 if definition.field_type == "text" else None,
            choices=tuple((str(c), str(c)) for c in definition.choices or ()),
            group="custom",
        )
        for definition in CustomFieldDefinition.objects.filter(entity=entity, is_active=True)
    ]


def _consents(entity: str) -> list[Target]:
    if entity != "contact":
        return []
    purposes = Purpose.objects.filter(is_active=True, legal_basis=LegalBasis.CONSENT)
    return [
        Target(
            key=f"{CONSENT_PREFIX}{purpose.code}",
            label=_("Consent: %(purpose)s") % {"purpose": purpose.name},
            kind=CONSENT,
            choices=(("yes", gettext_lazy("yes")), ("no", gettext_lazy("no"))),
            group="consent",
        )
        for purpose in purposes.order_by("name", "id")
    ]


def target_fields(entity: str, user: Any = None) -> list[Target]:
    """The fields of ``entity`` an import may fill for ``user``: the confidential fields
    they may not read are left out."""
    if entity not in MODELS:
        raise LookupError(entity)
    targets = [*_base(entity), *_custom(entity), *_consents(entity)]
    hidden = hidden_fields(user, entity) if getattr(user, "pk", None) is not None else frozenset()
    return [t for t in targets if t.key not in hidden]


def missing_required(entity: str, mapping: dict[str, str | None], user: Any = None) -> list[Target]:
    """The required fields no column is mapped to (a full name fills first and last)."""
    mapped = {key for key in mapping.values() if key}
    return [
        target
        for target in target_fields(entity, user)
        if target.required
        and target.key not in mapped
        and not mapped.intersection(ALTERNATIVES.get(target.key, ()))
    ]


def mapping_warnings(entity: str, mapping: dict[str, str | None]) -> list[str]:
    """What a mapping will leave out although the columns are mapped (shown before the
    import; nothing is refused)."""
    mapped = {key for key in mapping.values() if key}
    warnings: list[str] = []
    if mapped & set(ADDRESS_KEYS) and "address_street" not in mapped:
        warnings.append(
            _(
                "No column is mapped to Address: street. An address is stored only with its street and city, so the city, postal code and province columns are used only to find duplicates."
            )
        )
    return warnings


# Suggestions -----------------------------------------------------------------------------


def fold(text: str) -> str:
    """Lower case, no accents, punctuation as spaces: "P.IVA" -> "p iva"."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    return " ".join(re.sub(r"[^0-9a-z]+", " ", bare).split())


def _names(entity: str, target: Target) -> set[str]:
    """Every folded name a header for ``target`` may have."""
    names = {target.key.replace("_", " "), target.key.removeprefix(CUSTOM_PREFIX)}
    names.update(SYNONYMS.get(target.key, ()))
    names.update(ENTITY_SYNONYMS.get(entity, {}).get(target.key, ()))
    if target.group in {"custom", "consent"}:
        names.add(target.label)
        names.add(target.key.split(".", 1)[1])
    for language in ("en", "it", "ro"):
        with translation.override(language):
            names.add(str(target.label))
    if target.group == "consent":
        with translation.override("en"):
            names.add(target.label.split(":", 1)[-1])
    return {fold(name) for name in names if fold(name)}


def _score(folded: str, known: set[str]) -> float:
    """How well a folded header matches one of a field's names: 100 for the same name,
    90-97 for a typo (one edit in 5+ letters, two in 9+), the rapidfuzz ratio from
    FUZZY_CUTOFF, and 70-85 for a header that holds a longer name ("Telefono ufficio 2")."""
    compact = folded.replace(" ", "")
    score = 0.0
    for name in known:
        other = name.replace(" ", "")
        if other == compact:
            return 100.0
        edits = OSA.distance(compact, other, score_cutoff=2)
        if (edits <= 1 and len(other) >= 5) or (edits <= 2 and len(other) >= 9):
            score = max(score, 97.0 - 3 * edits)
            continue
        ratio = fuzz.ratio(compact, other)
        if ratio >= FUZZY_CUTOFF:
            score = max(score, ratio - 1)
        elif len(name) >= 5 and f" {name} " in f" {folded} ":
            score = max(score, 70.0 + min(len(name), 15))
    return score


def suggest_mapping(entity: str, headers: list[str], user: Any = None) -> dict[str, str | None]:
    """For each header the field it most likely fills, or None. Exact names (any case,
    accents and punctuation) first, then near misses; a field goes to one header at most,
    the best matching one, and a header whose best fields are taken gets none rather
    than a worse guess ("email address" after "Email" is not an address)."""
    targets = target_fields(entity, user)
    names = {target.key: _names(entity, target) for target in targets}
    candidates: list[tuple[float, int, str]] = []
    for position, header in enumerate(headers):
        folded = fold(header)
        if not folded:
            continue
        scores = {key: _score(folded, known) for key, known in names.items()}
        best = max(scores.values(), default=0.0)
        if best:
            candidates.extend((best, -position, key) for key, s in scores.items() if s == best)
    mapping: dict[str, str | None] = dict.fromkeys(headers)
    taken: set[str] = set()
    for _best, position, key in sorted(candidates, reverse=True):
        header = headers[-position]
        if mapping[header] is None and key not in taken:
            mapping[header] = key
            taken.add(key)
    return mapping
