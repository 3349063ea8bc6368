"""Every write to companies, contacts, addresses and custom fields."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from perno.accounts.permissions import check
from perno.accounts.regions import phone_region, user_region
from perno.audit.models import ChangeEntry
from perno.audit.services import change_record
from perno.audit.trail import current_channel, lock_chain
from perno.contacts.custom_fields import clean_custom_fields
from perno.contacts.models import Address, Affiliation, Company, Contact, CustomFieldDefinition
from perno.core.countries import clean_country, clean_record_country, to_code
from perno.core.diffs import REF, ref
from perno.core.validators import normalize_phone, normalize_vat
from perno.records import extensions
from perno.records.services import (
    record_create,
    record_delete,
    record_update,
    reject_unknown_fields,
    tags_from_names,
)
from perno.search import indexing

COMPANY_FIELDS = {
    "external_id",
    "is_confidential",
    "name",
    "vat_number",
    "industry",
    "website",
    "email",
    "phone",
    "country",
    "employees",
    "notes",
    "owner",
    "team",
}
CONTACT_FIELDS = {
    "external_id",
    "is_confidential",
    "first_name",
    "last_name",
    "email",
    "phone",
    "mobile",
    "job_title",
    "language",
    "country",
    "notes",
    "owner",
    "team",
}


def _normalize(
    data: dict[str, Any], *, phone_fields: tuple[str, ...], actor: Any, current: str = ""
) -> dict[str, Any]:
    """Normalise phones to E.164, e-mails to lower-case domains, countries to ISO codes.
    ``current`` is the record's stored country: a phone without its +country code is read
    as a number of the record's country, else of the actor's region (``phone_region``).
    Collects every error so the user sees all of them at once."""
    errors: dict[str, list[str]] = {}
    out = dict(data)
    try:
        country = clean_record_country(out, current)
    except ValidationError as exc:
        errors.update(exc.message_dict)
        country = ""
    phones = [name for name in phone_fields if out.get(name)]
    region = phone_region(actor, country).code if phones else ""
    for name in phones:
        try:
            out[name] = normalize_phone(out[name], region)
        except ValidationError as exc:
            errors[name] = exc.messages
    if out.get("email"):
        local, _sep, domain = str(out["email"]).strip().rpartition("@")
        out["email"] = f"{local}@{domain.lower()}" if local else str(out["email"]).strip()
    if out.get("vat_number"):
        try:
            out["vat_number"] = normalize_vat(out["vat_number"], country or None)
        except ValidationError as exc:
            errors["vat_number"] = exc.messages
    for key in ("first_name", "last_name", "name"):
        if key in out and isinstance(out[key], str):
            out[key] = out[key].strip()
    if errors:
        raise ValidationError(errors)
    return out


def company_create(
    *,
    actor: Any,
    data: dict[str, Any],
    custom_fields: dict[str, Any] | None = None,
    tags: Iterable[str] | None = None,
) -> Company:
    reject_unknown_fields(data, COMPANY_FIELDS)
    data = _normalize(data, phone_fields=("phone",), actor=actor)
    company = Company(**data)
    company.custom_fields = clean_custom_fields(CustomFieldDefinition.Entity.COMPANY, custom_fields)
    with transaction.atomic():
        return record_create(actor=actor, instance=company, tags=tags_from_names(tags or []))


def company_update(
    *,
    actor: Any,
    company: Company,
    data: dict[str, Any],
    expected_version: int | None,
    custom_fields: dict[str, Any] | None = None,
    tags: Iterable[str] | None = None,
) -> Company:
    reject_unknown_fields(data, COMPANY_FIELDS)
    data = _normalize(data, phone_fields=("phone",), actor=actor, current=company.country)
    if custom_fields is not None:
        data["custom_fields"] = clean_custom_fields(
            CustomFieldDefinition.Entity.COMPANY, custom_fields, current=company.custom_fields
        )
    with transaction.atomic():
        return record_update(
            actor=actor,
            instance=company,
            data=data,
            expected_version=expected_version,
            tags=tags_from_names(tags) if tags is not None else None,
        )


def company_delete(*, actor: Any, company: Company) -> None:
    record_delete(actor=actor, instance=company)


def contact_create(
    *,
    actor: Any,
    data: dict[str, Any],
    companies: Iterable[tuple[Company, str]] = (),
    custom_fields: dict[str, Any] | None = None,
    tags: Iterable[str] | None = None,
    source: tuple[str, str] | None = None,
) -> Contact:
    """Create a contact, optionally linked to companies as (company, job title) pairs.
    ``source`` (channel, detail) says where the data came from; by default the operator
    (web), the API or an import (command line, background job)."""
    reject_unknown_fields(data, CONTACT_FIELDS)
    companies = list(companies)
    linked = [company.pk for company, _job_title in companies]
    twice = sorted({pk for pk in linked if linked.count(pk) > 1})
    if twice:
        raise ValidationError(
            {
                "companies": [
                    _("A company can be linked once; listed more than once: %(ids)s.")
                    % {"ids": ", ".join(map(str, twice))}
                ]
            }
        )
    data = _normalize(data, phone_fields=("phone", "mobile"), actor=actor)
    contact = Contact(**data)
    contact.custom_fields = clean_custom_fields(CustomFieldDefinition.Entity.CONTACT, custom_fields)
    with transaction.atomic():
        record_create(actor=actor, instance=contact, tags=tags_from_names(tags or []))
        channel, detail = source or _default_source()
        extensions.data_source_record(actor=actor, contact=contact, channel=channel, detail=detail)
        for position, (company, job_title) in enumerate(companies):
            check(actor, "view", company)
            Affiliation.objects.create(
                contact=contact,
                company=company,
                # The link's own job title only: the contact's job title is not copied
                # (it may be confidential on the contact; pages fall back to it).
                job_title=job_title,
                is_primary=position == 0,
            )
    return contact


def _default_source() -> tuple[str, str]:

    return {"web": ("operator", ""), "api": ("api", "")}.get(current_channel(), ("import", ""))


def contact_intake(*, data: dict[str, Any], channel: str, detail: str) -> Contact:
    """A contact who came in by themselves (a public sign-up form): no operator, no
    owner. An existing contact with the same e-mail is reused, so the form neither
    duplicates people nor reveals who is already known."""
    reject_unknown_fields(data, {"first_name", "last_name", "email", "language"})
    data = _normalize(data, phone_fields=(), actor=None)
    email = (data.get("email") or "").strip()
    if not email:
        raise ValidationError({"email": [_("Give your e-mail address.")]})
    with transaction.atomic():
        lock_chain()  # before any row; it also makes the look-up and the insert one step
        existing = Contact.objects.filter(email__iexact=email).order_by("id").first()
        if existing is not None:
            return existing
        contact = Contact(**data)
        contact.full_clean()
        contact.save()
        indexing.saved(contact)
        change_record(
            actor=None,
            instance=contact,
            action=ChangeEntry.Action.CREATE,
            changes={k: [None, v] for k, v in data.items() if v},
        )
        extensions.data_source_record(actor=None, contact=contact, channel=channel, detail=detail)
    return contact


def contact_update(
    *,
    actor: Any,
    contact: Contact,
    data: dict[str, Any],
    expected_version: int | None,
    custom_fields: dict[str, Any] | None = None,
    tags: Iterable[str] | None = None,
) -> Contact:
    reject_unknown_fields(data, CONTACT_FIELDS)
    data = _normalize(data, phone_fields=("phone", "mobile"), actor=actor, current=contact.country)
    if custom_fields is not None:
        data["custom_fields"] = clean_custom_fields(
            CustomFieldDefinition.Entity.CONTACT, custom_fields, current=contact.custom_fields
        )
    with transaction.atomic():
        return record_update(
            actor=actor,
            instance=contact,
            data=data,
            expected_version=expected_version,
            tags=tags_from_names(tags) if tags is not None else None,
        )


def contact_delete(*, actor: Any, contact: Contact) -> None:
    record_delete(actor=actor, instance=contact)


@transaction.atomic
def contact_link_company(
    *, actor: Any, contact: Contact, company: Company, job_title: str = ""
) -> Affiliation:
    check(actor, "edit", contact)
    check(actor, "view", company)
    lock_chain()  # the audit chain before any row (see audit.trail.lock_chain)
    affiliation, _created = Affiliation.objects.update_or_create(
        contact=contact, company=company, defaults={"job_title": job_title.strip()}
    )
    if not Affiliation.objects.filter(contact=contact, is_primary=True).exists():
        Affiliation.objects.filter(pk=affiliation.pk).update(is_primary=True)
    change_record(
        actor=actor,
        instance=contact,
        action=ChangeEntry.Action.UPDATE,
        changes={
            "companies": [None, f"{company} ({job_title})" if job_title else str(company)],
            "companies" + REF: [None, ref(company)],
        },
    )
    return affiliation


@transaction.atomic
def contact_unlink_company(*, actor: Any, contact: Contact, company: Company) -> None:
    check(actor, "edit", contact)
    lock_chain()
    deleted, _rows = Affiliation.objects.filter(contact=contact, company=company).delete()
    if deleted:
        change_record(
            actor=actor,
            instance=contact,
            action=ChangeEntry.Action.UPDATE,
            changes={"companies": [str(company), None], "companies" + REF: [ref(company), None]},
        )


@transaction.atomic
def address_add(*, actor: Any, record: Company | Contact, data: dict[str, Any]) -> Address:
    check(actor, "edit", record)
    address = Address(**data)
    if isinstance(record, Company):
        address.company = record
    else:
        address.contact = record
    # No country given: the record's, else the user's region (the model's default is
    # not used).
    try:
        address.country = (
            clean_country(str(data.get("country") or ""))
            or to_code(record.country)
            or user_region(actor).code
        )
    except ValidationError as exc:
        raise ValidationError({"country": exc.messages}) from exc
    address.full_clean()
    lock_chain()
    address.save()
    change_record(
        actor=actor,
        instance=record,
        action=ChangeEntry.Action.UPDATE,
        changes={"addresses": [None, str(address)]},
    )
    return address


@transaction.atomic
def address_remove(*, actor: Any, address: Address) -> None:
    record: Company | Contact = address.company or address.contact  # type: ignore[assignment]
    check(actor, "edit", record)
    change_record(
        actor=actor,
        instance=record,
        action=ChangeEntry.Action.UPDATE,
        changes={"addresses": [str(address), None]},
    )
    address.delete()


@transaction.atomic
def custom_field_create(*, actor: Any, data: dict[str, Any]) -> CustomFieldDefinition:
    """Administrators only: define a new custom field for companies, contacts or deals."""
    check(actor, "manage", "customfield")
    definition = CustomFieldDefinition(**data)
    if definition.field_type == CustomFieldDefinition.FieldType.CHOICE:
        choices = [str(c).strip() for c in definition.choices or [] if str(c).strip()]
        if not choices:
            raise ValidationError({"choices": [_("A choice field needs at least one choice.")]})
        definition.choices = choices
    else:
        definition.choices = []
    definition.full_clean()
    definition.save()
    return definition


@transaction.atomic
def custom_field_deactivate(*, actor: Any, definition: CustomFieldDefinition) -> None:
    check(actor, "manage", "customfield")
    CustomFieldDefinition.objects.filter(pk=definition.pk).update(is_active=False)
