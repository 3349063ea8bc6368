"""Every read of the privacy app, through the access gate."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from django.db.models import BooleanField, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone

from perno.accounts.permissions import check
from perno.audit.models import AuditEvent
from perno.core.pseudonym import keyed_hash, normalise_identifier, subject_ref
from perno.privacy.models import (
    ConsentEvent,
    Controller,
    DataSource,
    Purpose,
    Restriction,
    RetentionRule,
)
from perno.privacy.rules import processable


@dataclass
class PurposeStatus:
    purpose: Purpose
    allowed: bool
    last: ConsentEvent | None


def contact_privacy(*, user: Any, contact: Any) -> dict[str, Any]:
    """What a contact's page shows about privacy: per active purpose whether the contact
    may be processed now and the latest step, the consent history, the data sources and
    the restriction in force."""
    from perno.contacts.models import Contact

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


def register(*, user: Any) -> dict[str, Any]:
    """The register of processing activities as configured now (Art. 30)."""
    from perno.core.privacy import CATEGORIES

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


def about_contact(entries: QuerySet[AuditEvent], pk: int) -> QuerySet[AuditEvent]:
    """Entries about contact ``pk``: those naming it as their subject, and the lists and
    searches that showed it."""
    from django.db import connection

    if connection.vendor == "postgresql":
        shown = "detail -> 'shown' @> %s::jsonb"
        search_param: Any = json.dumps([f"contact:{pk}"])
        list_param: Any = json.dumps([pk])
    else:
        shown = "EXISTS (SELECT 1 FROM json_each(detail, '$.shown') WHERE json_each.value = %s)"
        search_param, list_param = f"contact:{pk}", pk
    condition = (
        f"(subject = %s OR (action = 'search' AND {shown})"
        f" OR (action = 'list' AND object_type = 'contacts.contact' AND {shown}))"
    )
    # The SQL is fixed text chosen by the engine; the values are passed as parameters.
    about = RawSQL(  # noqa: S611  # nosec B611
        condition,
        [subject_ref("contact", pk), search_param, list_param],
        output_field=BooleanField(),
    )
    return entries.alias(_about=about).filter(_about=True)
