"""Contacts as vCard (.vcf), for address books and phones.

vCard 3.0 (RFC 2426), not 4.0: it is what vobject writes and reads natively, and what
every address book imports (Outlook and older Android and iOS versions read 4.0 badly or
not at all); the fields exported here mean the same in both versions.

What a card holds: names, e-mail, phones (work and mobile), organisation (the primary
company, when the user may see it), job title, addresses, tags as categories, the time
of the last change and a UID stable per contact (so importing a newer export updates a
card rather than duplicating it). Fields confidential to the user are left out, not
masked; notes and custom fields are not exported. An export goes through the export
rules (the export right, row limits) and is logged and audited like CSV and XLSX."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

import vobject
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from perno.accounts.confidential import HiddenReference, hidden_fields, reference
from perno.accounts.exports import ExportFile, authorise, record
from perno.accounts.models import ExportLog
from perno.contacts.models import Address, Affiliation, Contact

CONTENT_TYPE = "text/vcard; charset=utf-8"
# UIDs are name-based UUIDs of the contact's id in this namespace: stable across exports.
UID_NAMESPACE = uuid.UUID("5b0f0c2e-8d0c-4f44-9a53-6f1c1b9e2a70")
ADDRESS_TYPES = {"office": "WORK", "billing": "WORK", "shipping": "WORK", "home": "HOME"}


def contact_uid(contact: Contact) -> str:
    return f"urn:uuid:{uuid.uuid5(UID_NAMESPACE, f'perno:contact:{contact.pk}')}"


def _card(contact: Contact, user: Any, hidden: frozenset[str]) -> vobject.base.Component:
    def shown(name: str) -> str:
        return "" if name in hidden else str(getattr(contact, name) or "")

    card = vobject.vCard()
    first, last = shown("first_name"), shown("last_name")
    card.add("n").value = vobject.vcard.Name(family=last, given=first)
    card.add("fn").value = " ".join(part for part in (first, last) if part) or "-"
    card.add("uid").value = contact_uid(contact)
    if email := shown("email"):
        line = card.add("email")
        line.value = email
        line.type_param = "INTERNET"
    for name, kind in (("phone", "WORK"), ("mobile", "CELL")):
        if number := shown(name):
            line = card.add("tel")
            line.value = number
            line.type_param = kind
    if title := shown("job_title"):
        card.add("title").value = title
    primary = next((a for a in contact.affiliations.all() if a.is_primary), None)
    primary = primary or next(iter(contact.affiliations.all()), None)
    if primary is not None:
        company = reference(user, primary.company)
        if not isinstance(company, HiddenReference):
            card.add("org").value = [company.name]
    for address in contact.addresses.all():
        line = card.add("adr")
        line.value = vobject.vcard.Address(
            street=address.street,
            city=address.city,
            region=address.region,
            code=address.postal_code,
            country=address.country,
        )
        line.type_param = ADDRESS_TYPES.get(address.kind, "WORK")
    tags = sorted(tag.name for tag in contact.tags.all())
    if tags:
        card.add("categories").value = tags
    card.add("rev").value = contact.updated_at.astimezone(datetime.UTC).strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )
    return card


def contacts_vcard(
    *,
    user: Any,
    queryset: QuerySet[Contact],
    filters: dict[str, Any] | None = None,
    channel: str = ExportLog.Channel.WEB,
) -> ExportFile:
    """The contacts of ``queryset`` the user may export, as one .vcf file; refused whole
    (PermissionDenied) without the export right or over the row limits."""
    with transaction.atomic():
        rows, count = authorise(user=user, queryset=queryset, subject="contact")
        content = _cards(user, rows)
        record(
            user=user,
            subject="contact",
            fmt="vcf",
            channel=channel,
            rows=count,
            filters=filters or {},
        )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return ExportFile(content, f"perno-contacts-{stamp}.vcf", CONTENT_TYPE, count)


def _cards(user: Any, rows: QuerySet[Contact]) -> bytes:
    hidden = hidden_fields(user, "contact")
    rows = (
        rows.select_related(None)
        .prefetch_related(None)
        .prefetch_related(
            "tags",
            Prefetch(
                "affiliations",
                queryset=Affiliation.objects.select_related("company").order_by(
                    "-is_primary", "id"
                ),
            ),
            Prefetch("addresses", queryset=Address.objects.order_by("id")),
        )
    )
    return b"".join(
        _card(contact, user, hidden).serialize().encode()
        for contact in rows.order_by("pk").iterator(chunk_size=2000)
    )
