"""Every read of the privacy app, through the access gate."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from django.db.models import CharField, Q, QuerySet, Value
from django.db.models.functions import Concat
from django.utils import timezone

from perno.accounts.permissions import check
from perno.audit.models import AuditEvent
from perno.contacts.models import Company, Contact, CustomFieldDefinition
from perno.core import sealing
from perno.core.privacy import CATEGORIES
from perno.core.pseudonym import keyed_hash, normalise_identifier
from perno.privacy.models import (
    ConsentEvent,
    Controller,
    DataSource,
    Purpose,
    Restriction,
    RetentionRule,
    SubjectRequest,
)
from perno.privacy.rules import processable
from perno.privacy.subject import about_contact, row_dict, rows_about
from perno.sales.models import Lead


@dataclass
class PurposeStatus:
    purpose: Purpose
    allowed: bool
    last: ConsentEvent | None


def contact_privacy(*, user: Any, contact: Any) -> dict[str, Any]:
    """What a contact's page shows about privacy: per active purpose whether the contact
    may be processed now and the latest step, the consent history, the data sources and
    the restriction in force."""

    check(user, "view", contact)
    purposes = list(Purpose.objects.filter(is_active=True).order_by("name"))
    history = list(
        ConsentEvent.objects.filter(contact=contact)
        .select_related("purpose", "recorded_by")
        .order_by("-occurred_at", "-id")[:100]
    )
    latest: dict[int | None, ConsentEvent] = {}
    for event in history:
        latest.setdefault(event.purpose_id, event)
    statuses = []
    one = Contact.objects.filter(pk=contact.pk)
    for purpose in purposes:
        statuses.append(
            PurposeStatus(purpose, processable(one, purpose).exists(), latest.get(purpose.pk))
        )
    return {
        "statuses": statuses,
        "history": history,
        "objects_to_marketing": latest.get(None),
        "sources": list(
            DataSource.objects.filter(contact=contact).select_related("recorded_by")[:50]
        ),
        "restriction": Restriction.objects.filter(contact=contact, lifted_at__isnull=True).first(),
    }


def register(*, user: Any, check_access: bool = True) -> dict[str, Any]:
    """The register of processing activities as configured now (Art. 30). Without the
    access check only for the summary of a person's own export."""

    if check_access:
        check(user, "view", "privacy")
    rules = {r.category: r for r in RetentionRule.objects.all()}
    return {
        "controller": Controller.objects.get_or_create(pk=1)[0],
        "purposes": list(
            Purpose.objects.order_by("-is_active", "name").prefetch_related("notices")
        ),
        "retention": [(code, label, rules.get(code)) for code, label in CATEGORIES.items()],
        "categories": CATEGORIES,
        "generated_at": timezone.now(),
    }


def audit_search(*, user: Any, filters: dict[str, Any]) -> QuerySet[AuditEvent]:
    """Audit entries matching the DPO's filters, newest first."""
    check(user, "view", "auditevent")
    entries = AuditEvent.objects.order_by("-seq")
    if filters.get("actor"):
        entries = entries.filter(actor_id=filters["actor"])
    if filters.get("action"):
        entries = entries.filter(action=filters["action"])
    if filters.get("record_type"):
        entries = entries.filter(object_type__icontains=filters["record_type"].strip())
    if filters.get("contact"):
        entries = about_contact(entries, int(filters["contact"]))
    if filters.get("term"):
        digest = keyed_hash("query:" + normalise_identifier(filters["term"]))
        entries = entries.filter(action=AuditEvent.Action.SEARCH, detail__query=digest)
    tz = timezone.get_current_timezone()
    if isinstance(filters.get("date_from"), date):
        entries = entries.filter(
            created_at__gte=datetime.combine(filters["date_from"], time.min, tzinfo=tz)
        )
    if isinstance(filters.get("date_to"), date):
        entries = entries.filter(
            created_at__lte=datetime.combine(filters["date_to"], time.max, tzinfo=tz)
        )
    return entries


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdecimal())


def lookup(*, user: Any, query: str, limit: int = 50) -> dict[str, list[Any]]:
    """The privacy look-up: everyone whose name, e-mail, phone, tax code or VAT number
    matches, across contacts, leads, companies and the register of requests."""

    check(user, "view", "privacy")
    query = " ".join((query or "").split())
    if len(query) < 2:
        return {}
    digits = _digits(query)
    phone = len(digits) >= 5 and len(digits) >= len(query.replace(" ", "")) - 3

    def phones(*fields: str) -> Q:
        condition = Q()
        if phone:
            for name in fields:
                condition |= Q(**{f"{name}__contains": digits[-9:]})
        return condition

    # Custom fields: the plain ones by part of their value, key by key; the sealed ones
    # (ciphertext in the database) by the keyed hash of their exact value.
    sealed = sealing.sealed_custom_keys("contact")
    custom = Q(pk__in=sealing.find("contact", query))
    for key in CustomFieldDefinition.objects.filter(entity="contact").values_list("key", flat=True):
        if key not in sealed:
            custom |= Q(**{f"custom_fields__{key}__icontains": query})
    contacts = (
        Contact.objects.annotate(
            _full=Concat("first_name", Value(" "), "last_name", output_field=CharField())
        )
        .filter(
            Q(_full__icontains=query)
            | Q(email__iexact=query)
            | Q(email__icontains=query)
            | custom
            | phones("phone", "mobile")
        )
        .order_by("last_name", "first_name", "id")[:limit]
    )
    leads = (
        Lead.objects.annotate(
            _full=Concat("first_name", Value(" "), "last_name", output_field=CharField())
        )
        .filter(
            Q(_full__icontains=query)
            | Q(email__icontains=query)
            | Q(company_name__icontains=query)
            | phones("phone")
        )
        .order_by("-updated_at", "-id")[:limit]
    )
    companies = Company.objects.filter(
        Q(name__icontains=query)
        | Q(vat_number__icontains=query.replace(" ", ""))
        | Q(email__icontains=query)
        | Q(pk__in=sealing.find("company", query))
        | phones("phone")
    ).order_by("name", "id")[:limit]
    requests = SubjectRequest.objects.filter(
        Q(requester_name__icontains=query)
        | Q(requester_email__icontains=query)
        | Q(identifier__icontains=query)
        | phones("requester_phone")
    ).order_by("-received_on", "-id")[:limit]
    return {
        "contacts": list(contacts),
        "leads": list(leads),
        "companies": list(companies),
        "requests": list(requests),
    }


def dossier(*, user: Any, contact: Any) -> list[dict[str, Any]]:
    """Everything held about a contact, table by table: how many rows, and the first
    rows with their personal fields."""

    check(user, "view", "privacy")
    out = []
    for item in rows_about(contact):
        count = item.rows.count()
        if not count:
            continue
        sample = [row_dict(row, item.declaration) for row in item.rows[:20]]
        shown = [f for f in item.declaration.personal if f in (sample[0] if sample else {})]
        out.append(
            {
                "label": item.label,
                "name": item.model._meta.verbose_name_plural,
                "count": count,
                "erasure": item.declaration.erasure,
                "fields": shown or ["id"],
                "rows": [
                    {"id": row.get("id"), "values": [row.get(f) for f in (shown or ["id"])]}
                    for row in sample
                ],
            }
        )
    return out


def requests_list(*, user: Any, status: str = "open") -> QuerySet[Any]:

    check(user, "view", "privacy")
    rows = SubjectRequest.objects.select_related("contact", "handled_by")
    if status in SubjectRequest.Status.values:
        rows = rows.filter(status=status)
    return rows.order_by("due_on", "id") if status == "open" else rows.order_by("-received_on")
