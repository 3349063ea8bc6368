"""Writes to leads, and their conversion into a contact, a company and a deal."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from perno.accounts.permissions import check
from perno.accounts.regions import phone_region
from perno.audit.models import ChangeEntry
from perno.audit.services import change_record
from perno.audit.trail import lock_chain
from perno.contacts import services as contact_services
from perno.contacts.models import Company, Contact
from perno.core.countries import clean_record_country
from perno.core.diffs import REF, ref
from perno.core.exceptions import ConflictError
from perno.core.validators import normalize_phone
from perno.records import extensions
from perno.records.services import (
    record_create,
    record_delete,
    record_update,
    reject_unknown_fields,
    tags_from_names,
)
from perno.sales.models import Deal, Lead, Pipeline
from perno.sales.services.deals import deal_create
from perno.search import indexing

LEAD_FIELDS = {
    "is_confidential",
    "first_name",
    "last_name",
    "company_name",
    "job_title",
    "email",
    "phone",
    "country",
    "source",
    "status",
    "notes",
    "owner",
    "team",
}


def _lead_normalize(data: dict[str, Any], *, actor: Any, current: str = "") -> dict[str, Any]:
    """Countries to ISO codes; the phone to E.164, read as a number of the lead's
    country, else of the actor's region (``phone_region``)."""
    data = dict(data)
    errors: dict[str, list[str]] = {}
    try:
        country = clean_record_country(data, current)
    except ValidationError as exc:
        errors.update(exc.message_dict)
        country = ""
    if data.get("phone"):
        try:
            data["phone"] = normalize_phone(data["phone"], phone_region(actor, country).code)
        except ValidationError as exc:
            errors["phone"] = exc.messages
    if errors:
        raise ValidationError(errors)
    return data


def lead_create(*, actor: Any, data: dict[str, Any], tags: Iterable[str] | None = None) -> Lead:
    reject_unknown_fields(data, LEAD_FIELDS)
    lead = Lead(**_lead_normalize(data, actor=actor))
    if lead.status == Lead.Status.CONVERTED:
        raise ValidationError({"status": [_("A lead becomes converted only through “Convert”.")]})
    with transaction.atomic():
        return record_create(actor=actor, instance=lead, tags=tags_from_names(tags or []))


def lead_update(
    *,
    actor: Any,
    lead: Lead,
    data: dict[str, Any],
    expected_version: int | None,
    tags: Iterable[str] | None = None,
) -> Lead:
    reject_unknown_fields(data, LEAD_FIELDS)
    if data.get("status") == Lead.Status.CONVERTED and lead.status != Lead.Status.CONVERTED:
        raise ValidationError({"status": [_("A lead becomes converted only through “Convert”.")]})
    if (
        lead.status == Lead.Status.CONVERTED
        and data.get("status", lead.status) != Lead.Status.CONVERTED
    ):
        raise ValidationError({"status": [_("A converted lead cannot change status.")]})
    with transaction.atomic():
        return record_update(
            actor=actor,
            instance=lead,
            data=_lead_normalize(data, actor=actor, current=lead.country),
            expected_version=expected_version,
            tags=tags_from_names(tags) if tags is not None else None,
        )


def lead_delete(*, actor: Any, lead: Lead) -> None:
    record_delete(actor=actor, instance=lead)


def lead_convert(
    *,
    actor: Any,
    lead: Lead,
    company: Company | None = None,
    create_deal: bool = True,
    deal_title: str = "",
    amount: Decimal | None = None,
    currency: str | None = None,
    pipeline: Pipeline | None = None,
    expected_version: int | None = None,
) -> tuple[Contact, Company | None, Deal | None]:
    """Turn a lead into a contact, a company (an existing one or a new one from the
    lead's company name) and optionally a deal, in one transaction. The lead stays,
    marked converted and linked to what it became; its activities and comments follow."""
    with transaction.atomic():
        lock_chain()  # the audit chain before the row (see audit.trail.lock_chain)
        locked = Lead.objects.select_for_update().get(pk=lead.pk)
        check(actor, "edit", locked)
        if expected_version is not None and locked.version != expected_version:
            raise ConflictError(
                _("Someone else changed this lead meanwhile. Reload it and convert again."),
                current=locked,
                current_version=locked.version,
            )
        if locked.status == Lead.Status.CONVERTED:
            raise ValidationError({"status": [_("This lead has already been converted.")]})
        owner = locked.owner or actor
        if company is None and locked.company_name:
            company = contact_services.company_create(
                actor=actor,
                data={
                    "name": locked.company_name,
                    "country": locked.country,
                    "owner": owner,
                    "team": locked.team,
                },
            )
        contact = contact_services.contact_create(
            actor=actor,
            data={
                "first_name": locked.first_name or "-",
                "last_name": locked.last_name,
                "email": locked.email,
                "phone": locked.phone,
                "job_title": locked.job_title,
                "country": locked.country,
                "notes": locked.notes,
                "owner": owner,
                "team": locked.team,
            },
            companies=[(company, locked.job_title)] if company else [],
            tags=[t.name for t in locked.tags.all()],
        )
        deal = None
        if create_deal:
            deal = deal_create(
                actor=actor,
                data={
                    "title": deal_title
                    or (_("Opportunity: %(name)s") % {"name": company or contact}),
                    "company": company,
                    "contact": contact,
                    "pipeline": pipeline,
                    "amount": amount if amount is not None else Decimal("0"),
                    "currency": currency or None,
                    "owner": owner,
                    "team": locked.team,
                },
            )
        locked.status = Lead.Status.CONVERTED
        locked.converted_at = timezone.now()
        locked.converted_contact = contact
        locked.converted_company = company
        locked.converted_deal = deal
        locked.version += 1
        locked.save()
        indexing.saved(locked)
        change_record(
            actor=actor,
            instance=locked,
            action=ChangeEntry.Action.CONVERT,
            changes={
                "status": [lead.status, Lead.Status.CONVERTED],
                "converted_contact": [None, str(contact)],
                "converted_company": [None, str(company) if company else None],
                "converted_deal": [None, str(deal) if deal else None],
                "converted_contact" + REF: [None, ref(contact)],
                "converted_company" + REF: [None, ref(company)],
                "converted_deal" + REF: [None, ref(deal)],
            },
        )
        # What pointed at the lead (activities, comments) now points at what it became.
        extensions.relink(
            "lead", source=locked, actor=actor, contact=contact, company=company, deal=deal
        )
    return contact, company, deal
