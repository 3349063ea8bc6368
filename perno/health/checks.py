"""The problems the health check counts, each written once as a SQL condition.

A check is a condition over one record type (contacts, companies, deals): the rows that
have the problem. The page counts ``restrict(rows).filter(condition)`` (in one aggregate
per record type), and the lists it links to filter with the same condition through the
``health`` filter (``perno.health.filters``), so the count behind a link is the figure.
Conditions use ``Exists`` and ``IN`` subqueries, never joins, so a row is counted once.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Count, Exists, Model, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from stdnum.eu import vat as eu_vat

from perno.activities.models import Activity
from perno.contacts.models import Address, Affiliation, Company, Contact, CustomFieldDefinition
from perno.duplicates.models import DuplicatePair
from perno.health.phones import wrong as wrong_phone
from perno.privacy.models import Purpose, Restriction
from perno.privacy.rules import CONSENT_BASES, OBJECTABLE_BASES, processable
from perno.sales.models import Deal

# A syntactically plausible address: something, one @, a domain with at least one dot
# and no empty label. Unbounded repetitions only: PostgreSQL's engine is slow with
# counted ones.
EMAIL_FORM = r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$"
RECENT_DAYS = 30
MODELS: dict[str, type[Model]] = {"contact": Contact, "company": Company, "deal": Deal}


class Context:
    """What the conditions of one computation share: the moment, and look-ups made once."""

    def __init__(
        self, now: datetime | None = None, scope: dict[str, QuerySet] | None = None
    ) -> None:
        self.now = now or timezone.now()
        # The rows counted, per record type (the viewer's); duplicates are looked for
        # among them only, so a figure never reveals a record the viewer may not see.
        self.scope = scope or {}
        self.today: date = timezone.localdate(self.now)
        months = settings.PERNO_HEALTH_STALE_MONTHS
        self.stale_before = self.now - timedelta(days=round(months * 30.44))
        self.recent_since: date = self.today - timedelta(days=RECENT_DAYS - 1)

    @cached_property
    def invalid_vats(self) -> list[str]:
        """The VAT numbers stored on companies that fail their check digits."""
        values = Company.objects.exclude(vat_number="").values_list("vat_number", flat=True)
        return sorted({v for v in values.distinct().iterator(chunk_size=5000) if not _vat_ok(v)})

    @cached_property
    def purposes(self) -> list[Purpose]:
        return list(Purpose.objects.filter(is_active=True).order_by("pk"))


@functools.lru_cache(maxsize=200_000)
def _vat_ok(value: str) -> bool:
    return bool(eu_vat.is_valid(value))


@dataclass(frozen=True)
class Check:
    key: str
    subject: str  # contact, company or deal
    area: str  # quality, compliance or usage
    label: Any
    condition: Callable[[Context], Q]
    kind: str = "problem"  # "missing" (completeness), "problem", "duplicate"


def _missing(field: str) -> Callable[[Context], Q]:
    return lambda ctx: Q(**{field: ""})


def _no_phone(ctx: Context) -> Q:
    return Q(phone="", mobile="")


def _no_company(ctx: Context) -> Q:
    return ~Q(Exists(Affiliation.objects.filter(contact=OuterRef("pk"))))


def _no_address(field: str) -> Callable[[Context], Q]:
    return lambda ctx: ~Q(Exists(Address.objects.filter(**{field: OuterRef("pk")})))


def _no_owner(ctx: Context) -> Q:
    return Q(owner__isnull=True)


def _bad_email(ctx: Context) -> Q:
    return ~Q(email="") & ~Q(email__regex=EMAIL_FORM)


def _bad_contact_phone(ctx: Context) -> Q:
    return wrong_phone("phone") | wrong_phone("mobile")


def _bad_company_phone(ctx: Context) -> Q:
    return wrong_phone("phone")


def _bad_vat(ctx: Context) -> Q:
    return Q(vat_number__in=ctx.invalid_vats)


# Up to this many repeated values are handed to the database as a list (SQLite's limit
# of bound parameters is 32,766); more go as the grouping subquery, which SQLite
# materialises once.
LISTED_VALUES = 20_000


def _shared(subject: str, fields: tuple[str, ...]) -> Callable[[Context], Q]:
    """Records sharing a value of ``fields`` with another record of the same type among
    the rows in scope.

    The repeated values are read first (one GROUP BY per field) and matched as a list:
    as ``IN (subquery)`` inside the aggregate, PostgreSQL cannot tell how few groups
    pass ``HAVING count > 1``, plans for a third of the table, and scans the grouped
    result once per row (over 60 s at a million contacts, against 2 s)."""

    def condition(ctx: Context) -> Q:
        rows = ctx.scope.get(subject)
        if rows is None:
            rows = MODELS[subject]._default_manager.all()
        found = Q(pk__isnull=True)  # nobody, until a field adds rows
        for field in fields:
            repeated = (
                rows.order_by()
                .exclude(**{field: ""})
                .values(field)
                .annotate(n=Count("pk"))
                .filter(n__gt=1)
                .values_list(field, flat=True)
            )
            values = list(repeated[: LISTED_VALUES + 1])
            if len(values) > LISTED_VALUES and connection.vendor == "sqlite":
                found |= Q(**{f"{field}__in": repeated})
            elif len(values) > LISTED_VALUES:
                found |= Q(**{f"{field}__in": list(repeated)})
            elif values:
                found |= Q(**{f"{field}__in": values})
        return found

    return condition


def _pending(subject: str) -> Callable[[Context], Q]:
    """Records in a pair the duplicate finder found and nobody has reviewed yet, whose
    other record is in scope too (a figure never hints at a record out of sight)."""

    def condition(ctx: Context) -> Q:
        rows = ctx.scope.get(subject)
        if rows is None:
            rows = MODELS[subject]._default_manager.all()
        pairs = DuplicatePair.objects.filter(kind=subject, status=DuplicatePair.Status.OPEN)
        seen = rows.order_by().values("pk")
        low = pairs.filter(**{f"{subject}_high__in": seen}).values(f"{subject}_low")
        high = pairs.filter(**{f"{subject}_low__in": seen}).values(f"{subject}_high")
        return Q(pk__in=low) | Q(pk__in=high)

    return condition


def _stale(kind: str) -> Callable[[Context], Q]:
    def condition(ctx: Context) -> Q:
        touched = Activity.objects.filter(
            **{kind: OuterRef("pk")}, created_at__gte=ctx.stale_before
        )
        return Q(updated_at__lt=ctx.stale_before) & ~Q(Exists(touched))

    return condition


def _no_basis(ctx: Context) -> Q:
    """People no purpose of the register may process now (``privacy.rules.processable``:
    no consent where consent is the basis, an objection where the basis is legitimate
    interest), restrictions apart (a restricted person is kept on purpose).

    A purpose whose basis does not depend on the person (contract, legal obligation,
    vital interests) covers everyone who is not restricted: then nobody lacks a basis.
    Otherwise each purpose is a correlated ``EXISTS`` (an index probe per row):
    ``NOT IN`` over a million ids does not fit PostgreSQL's work memory as a hash and
    turns quadratic."""
    if any(_covers_everyone(p) for p in ctx.purposes):
        return Q(pk__isnull=True)  # nobody
    restricted = Restriction.objects.filter(
        Q(lifted_at__isnull=True) | Q(lifted_at__gt=ctx.now),
        contact=OuterRef("pk"),
        started_at__lte=ctx.now,
    )
    found = ~Q(Exists(restricted))
    for purpose in ctx.purposes:
        allowed = processable(Contact.objects.filter(pk=OuterRef("pk")), purpose, ctx.now)
        found &= ~Q(Exists(allowed))
    return found


def _covers_everyone(purpose: Purpose) -> bool:
    return (
        purpose.legal_basis not in CONSENT_BASES | OBJECTABLE_BASES
        and not purpose.is_direct_marketing
    )


def _overdue(ctx: Context) -> Q:
    return Q(status=Deal.Status.OPEN, expected_close_date__lte=ctx.today - timedelta(days=1))


def _no_next_step(ctx: Context) -> Q:
    planned = Activity.objects.filter(
        deal=OuterRef("pk"),
        status=Activity.Status.OPEN,
        kind__in=Activity.TODO_KINDS,
        due_at__gte=ctx.now,
    )
    return Q(status=Deal.Status.OPEN) & ~Q(Exists(planned))


def _custom(key: str) -> Callable[[Context], Q]:
    def condition(ctx: Context) -> Q:
        return (
            ~Q(custom_fields__has_key=key)
            | Q(**{f"custom_fields__{key}": ""})
            | Q(**{f"custom_fields__{key}": None})
        )

    return condition


CHECKS: tuple[Check, ...] = (
    Check("email", "contact", "quality", _("E-mail"), _missing("email"), "missing"),
    Check("phone", "contact", "quality", _("Phone or mobile"), _no_phone, "missing"),
    Check("company", "contact", "quality", _("Company"), _no_company, "missing"),
    Check("address", "contact", "quality", _("Address"), _no_address("contact"), "missing"),
    Check("owner", "contact", "quality", _("Owner"), _no_owner, "missing"),
    Check("email", "company", "quality", _("E-mail"), _missing("email"), "missing"),
    Check("phone", "company", "quality", _("Phone"), _missing("phone"), "missing"),
    Check("vat", "company", "quality", _("VAT number"), _missing("vat_number"), "missing"),
    Check("address", "company", "quality", _("Address"), _no_address("company"), "missing"),
    Check("owner", "company", "quality", _("Owner"), _no_owner, "missing"),
    Check(
        "duplicate",
        "contact",
        "quality",
        _("Contacts sharing an e-mail or phone with another contact"),
        _shared("contact", ("email", "phone", "mobile")),
        "duplicate",
    ),
    Check(
        "duplicate",
        "company",
        "quality",
        _("Companies sharing a VAT number with another company"),
        _shared("company", ("vat_number",)),
        "duplicate",
    ),
    Check(
        "likely_duplicate",
        "contact",
        "quality",
        _("Contacts in a likely duplicate pair not yet reviewed"),
        _pending("contact"),
        "duplicate",
    ),
    Check(
        "likely_duplicate",
        "company",
        "quality",
        _("Companies in a likely duplicate pair not yet reviewed"),
        _pending("company"),
        "duplicate",
    ),
    Check("stale", "contact", "quality", _("Stale contacts"), _stale("contact")),
    Check("stale", "company", "quality", _("Stale companies"), _stale("company")),
    Check("bad_email", "contact", "quality", _("Contacts with an invalid e-mail"), _bad_email),
    Check("bad_email", "company", "quality", _("Companies with an invalid e-mail"), _bad_email),
    Check(
        "bad_phone",
        "contact",
        "quality",
        _("Contacts with a phone not in E.164 form or impossible for its country"),
        _bad_contact_phone,
    ),
    Check(
        "bad_phone",
        "company",
        "quality",
        _("Companies with a phone not in E.164 form or impossible for its country"),
        _bad_company_phone,
    ),
    Check(
        "bad_vat",
        "company",
        "quality",
        _("Companies with a VAT number failing its check digits"),
        _bad_vat,
    ),
    Check(
        "no_basis",
        "contact",
        "compliance",
        _("People with no legal basis for any purpose of the register"),
        _no_basis,
    ),
    Check(
        "overdue",
        "deal",
        "usage",
        _("Open deals past their expected close date"),
        _overdue,
    ),
    Check(
        "no_next_step",
        "deal",
        "usage",
        _("Open deals without a next step (no planned task, call or meeting)"),
        _no_next_step,
    ),
)

CUSTOM_PREFIX = "field_"


def required_custom_fields(subject: str) -> list[CustomFieldDefinition]:
    return list(
        CustomFieldDefinition.objects.filter(entity=subject, is_active=True, is_required=True)
    )


def checks_for(subject: str) -> list[Check]:
    """The checks of a record type, the required custom fields included."""
    found = [c for c in CHECKS if c.subject == subject]
    for definition in required_custom_fields(subject) if subject != "deal" else []:
        found.append(
            Check(
                CUSTOM_PREFIX + definition.key,
                subject,
                "quality",
                definition.label,
                _custom(definition.key),
                "missing",
            )
        )
    return found


def find(subject: str, key: str) -> Check | None:
    return next((c for c in checks_for(subject) if c.key == key), None)


def apply(queryset: QuerySet, check: Check, ctx: Context | None = None) -> QuerySet:
    return queryset.filter(check.condition(ctx or Context()))
