"""Importing orders from CSV (``perno import orders FILE.csv``).

Columns: ``customer_id, date, amount`` and optionally ``currency, order_id``, with a
header line; a file with any other column is refused, naming it, before a row is read.
A customer is the contact, else the company, whose external id is ``customer_id``; an
unknown one becomes a new contact with that external id (its data source says which
file). A row whose ``order_id`` is already stored is skipped, so the same file can be
imported again. Every row is checked first; bad rows are reported by line number with
the reason (a value longer than its field, text with a NUL character, a date outside
1900-2200 as perno.core.inputs says, more values than columns, ...). With
``all_or_nothing`` one bad row stops the import and nothing is written; otherwise the
good rows are imported. Either way it happens in one transaction: a failure half-way
writes nothing."""

from __future__ import annotations

import csv
import datetime
import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from perno.audit import trail
from perno.audit.models import AuditEvent
from perno.contacts.models import Company, Contact
from perno.core.inputs import moment_problem, text_problem
from perno.privacy.erasure import forgotten_among
from perno.privacy.models import Channel, DataSource
from perno.sales.models import Order, OrderLine
from perno.search import indexer

REQUIRED = ("customer_id", "date", "amount")
OPTIONAL = ("currency", "order_id")
BATCH = 5000
MAX_AMOUNT = Decimal("999999999999.99")
# The fields the columns are stored in set their lengths (a customer's external id).
MAX_LENGTHS = {
    "customer_id": Contact._meta.get_field("external_id").max_length,
    "order_id": Order._meta.get_field("number").max_length,
}


@dataclass
class Row:
    line: int
    customer: str
    date: datetime.date
    amount: Decimal
    currency: str
    order_id: str


@dataclass
class ImportResult:
    imported: int = 0
    skipped: int = 0  # order ids already stored (or twice in the file)
    customers_created: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line, reason)
    written: bool = False


class ImportError_(ValueError):
    """The file itself cannot be read (no header, missing columns)."""


def _date(text: str) -> datetime.date:
    text = text.strip()
    for pattern in ("%Y-%m-%d", "%Y%m%d"):
        try:
            day = datetime.datetime.strptime(text, pattern).date()  # noqa: DTZ007 - a date
        except ValueError:
            continue
        problem = moment_problem(day)
        if problem:
            raise ValueError(
                _("the date %(value)s: %(problem)s") % {"value": text, "problem": problem}
            )
        return day
    raise ValueError(_("“%(value)s” is not a date: write YYYY-MM-DD") % {"value": text})


def _text(values: dict[Any, Any], column: str) -> str:
    """A column's value, stripped; too long for its field or not storable text is an error."""
    value = (values.get(column) or "").strip()
    problem = text_problem(value)
    if problem:
        raise ValueError(_("%(column)s: %(problem)s") % {"column": column, "problem": problem})
    limit = MAX_LENGTHS.get(column)
    if limit and len(value) > limit:
        raise ValueError(
            _("%(column)s is longer than %(max)s characters (%(length)s)")
            % {"column": column, "max": limit, "length": len(value)}
        )
    return value


def _amount(text: str) -> Decimal:
    cleaned = text.strip().replace(" ", "").replace("\u00a0", "")
    if "," in cleaned and "." in cleaned:  # 1.000,50 or 1,000.50: the last one is decimal
        thousands = "." if cleaned.rfind(",") > cleaned.rfind(".") else ","
        cleaned = cleaned.replace(thousands, "").replace(",", ".")
    elif "," in cleaned:  # 12,50: a decimal comma
        cleaned = cleaned.replace(",", ".")
    try:
        value = Decimal(cleaned)
    except InvalidOperation as exc:
        raise ValueError(_("“%(value)s” is not an amount, e.g. 12.50") % {"value": text}) from exc
    if not value.is_finite():
        raise ValueError(_("“%(value)s” is not an amount, e.g. 12.50") % {"value": text})
    if value < 0:
        raise ValueError(
            _("the amount %(value)s is negative: enter refunds as their own documents")
            % {"value": text}
        )
    if value > MAX_AMOUNT:
        raise ValueError(_("the amount %(value)s is too large") % {"value": text})
    return value.quantize(Decimal("0.01"))


def parse(text: str) -> tuple[list[Row], list[tuple[int, str]]]:
    """The rows of a CSV text, and the reasons the bad ones were refused, by line."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    columns = [c.strip().lower() for c in reader.fieldnames or []]
    missing = [c for c in REQUIRED if c not in columns]
    unknown = [c for c in columns if c not in REQUIRED + OPTIONAL]
    if missing:
        raise ImportError_(
            _(
                "The file needs a header line with the columns %(required)s (and optionally %(optional)s); missing: %(missing)s."
            )
            % {
                "required": ", ".join(REQUIRED),
                "optional": ", ".join(OPTIONAL),
                "missing": ", ".join(missing),
            }
        )
    if unknown:
        raise ImportError_(
            _(
                "Line 1: unknown column(s) %(unknown)s. The columns are %(required)s and optionally %(optional)s; remove or rename the others."
            )
            % {
                "unknown": ", ".join(f"“{c.encode('unicode_escape').decode()}”" for c in unknown),
                "required": ", ".join(REQUIRED),
                "optional": ", ".join(OPTIONAL),
            }
        )
    reader.fieldnames = columns
    currencies = set(settings.PERNO_CURRENCIES)
    rows: list[Row] = []
    errors: list[tuple[int, str]] = []
    for values in reader:
        line = reader.line_num
        try:
            if None in values:  # more values than the header has columns
                raise ValueError(
                    _("%(count)s value(s) more than the header has columns")
                    % {"count": len(values[None])}
                )
            customer = _text(values, "customer_id")
            if not customer:
                raise ValueError(_("customer_id is empty"))
            currency = _text(values, "currency").upper() or settings.PERNO_DEFAULT_CURRENCY
            if currency not in currencies:
                raise ValueError(
                    _("unknown currency “%(value)s”; known: %(known)s")
                    % {"value": currency, "known": ", ".join(sorted(currencies))}
                )
            order_id = _text(values, "order_id")
            rows.append(
                Row(
                    line=line,
                    customer=customer,
                    date=_date(_text(values, "date")),
                    amount=_amount(_text(values, "amount")),
                    currency=currency,
                    order_id=order_id,
                )
            )
        except ValueError as exc:
            errors.append((line, str(exc)))
    return rows, errors


def _customers(keys: set[str]) -> tuple[dict[str, int], dict[str, int]]:
    contacts: dict[str, int] = {}
    companies: dict[str, int] = {}
    ordered = sorted(keys)
    for start in range(0, len(ordered), BATCH):
        chunk = ordered[start : start + BATCH]
        contacts.update(
            Contact.objects.filter(external_id__in=chunk).values_list("external_id", "pk")
        )
    rest = sorted(keys - set(contacts))
    for start in range(0, len(rest), BATCH):
        chunk = rest[start : start + BATCH]
        companies.update(
            Company.objects.filter(external_id__in=chunk).values_list("external_id", "pk")
        )
    return contacts, companies


def import_orders(
    *, actor: Any, text: str, source_name: str, all_or_nothing: bool = False
) -> ImportResult:
    """Import the orders of ``text`` (a CSV file's content); see the module docstring."""

    rows, errors = parse(text)
    result = ImportResult(errors=errors)
    if errors and all_or_nothing:
        return result
    with transaction.atomic():
        numbers = {r.order_id for r in rows if r.order_id}
        known: set[str] = set()
        ordered_numbers = sorted(numbers)
        for start in range(0, len(ordered_numbers), BATCH):
            known.update(
                Order.objects.filter(number__in=ordered_numbers[start : start + BATCH]).values_list(
                    "number", flat=True
                )
            )
        fresh: list[Row] = []
        for row in rows:
            if row.order_id and row.order_id in known:
                result.skipped += 1
                continue
            if row.order_id:
                known.add(row.order_id)  # the same id twice in the file: the first counts
            fresh.append(row)
        contacts, companies = _customers({r.customer for r in fresh})
        missing = sorted({r.customer for r in fresh} - set(contacts) - set(companies))
        # Someone who asked to be forgotten is not created again from a shop's export.
        erased = forgotten_among(missing)
        if erased:
            for row in fresh:
                if row.customer in erased:
                    result.errors.append(
                        (
                            row.line,
                            _(
                                "customer %(id)s asked to be forgotten (their data was "
                                "erased); their orders are not imported"
                            )
                            % {"id": row.customer},
                        )
                    )
            result.errors.sort()
            if all_or_nothing:
                return result  # nothing written yet
            fresh = [row for row in fresh if row.customer not in erased]
            missing = [key for key in missing if key not in erased]
        created = Contact.objects.bulk_create(
            [Contact(first_name=_("Customer"), last_name=key, external_id=key) for key in missing],
            batch_size=1000,
        )
        # bulk_create returns the new ids on both databases (the order lines below rely
        # on it too).
        contacts.update((c.external_id, c.pk) for c in created)
        DataSource.objects.bulk_create(
            [
                DataSource(
                    contact_id=contacts[key],
                    channel=Channel.IMPORT,
                    detail=source_name[:500],
                    recorded_by=actor if getattr(actor, "pk", None) else None,
                )
                for key in missing
            ],
            batch_size=1000,
        )
        result.customers_created = len(missing)
        owner = actor if getattr(actor, "pk", None) else None
        for start in range(0, len(fresh), BATCH):
            chunk = fresh[start : start + BATCH]
            orders = Order.objects.bulk_create(
                [
                    Order(
                        number=row.order_id,
                        contact_id=contacts.get(row.customer),
                        company_id=None if row.customer in contacts else companies[row.customer],
                        ordered_on=row.date,
                        currency=row.currency,
                        total=row.amount,
                        source=Order.Source.IMPORT,
                        owner=owner,
                        team_id=getattr(owner, "team_id", None),
                    )
                    for row in chunk
                ]
            )
            OrderLine.objects.bulk_create(
                [
                    OrderLine(
                        order=order,
                        description=_("Imported order"),
                        unit_price=order.total,
                        total=order.total,
                    )
                    for order in orders
                ]
            )
        result.imported = len(fresh)
        trail.record(
            actor=actor,
            action=AuditEvent.Action.CREATE,
            record_type="sales.order",
            detail={
                "import": source_name[:200],
                "orders": result.imported,
                "skipped": result.skipped,
                "customers_created": result.customers_created,
                "bad_rows": len(errors),
            },
        )
        created_ids = [contacts[key] for key in missing]
        for start in range(0, len(created_ids), 1000):
            indexer.reindex("contact", created_ids[start : start + 1000], fresh=True)
        result.written = True
    return result
