"""Every read of companies and contacts goes through these, with the user."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from perno.accounts.permissions import obtain, restrict
from perno.contacts.filters import CompanyFilter, ContactFilter
from perno.contacts.models import Address, Affiliation, Company, Contact, CustomFieldDefinition
from perno.records.filtering import apply_filters


def company_list(*, user: Any, filters: Any = None) -> QuerySet[Company]:
    qs = restrict(Company.objects.all(), user, "view").select_related("owner", "team")
    return apply_filters(CompanyFilter, filters, qs)


def company_get(*, user: Any, pk: Any, action: str = "view") -> Company:
    return obtain(
        Company.objects.select_related("owner", "team").prefetch_related("tags", "addresses"),
        user,
        pk,
        action,
    )


def company_contacts(*, user: Any, company: Company) -> QuerySet[Affiliation]:
    return (
        Affiliation.objects.filter(
            company=company, contact__in=restrict(Contact.objects.all(), user, "view")
        )
        .select_related("contact")
        .order_by("contact__last_name", "contact__first_name")
    )


def contact_list(*, user: Any, filters: Any = None) -> QuerySet[Contact]:
    qs = restrict(Contact.objects.all(), user, "view").select_related("owner", "team")
    return apply_filters(ContactFilter, filters, qs)


def contact_get(*, user: Any, pk: Any, action: str = "view") -> Contact:
    return obtain(
        Contact.objects.select_related("owner", "team").prefetch_related(
            "tags",
            "addresses",
            Prefetch("affiliations", queryset=Affiliation.objects.select_related("company")),
        ),
        user,
        pk,
        action,
    )


def address_get(*, user: Any, pk: Any) -> Address:
    """An address the user may see: one of a company or contact the user may see."""
    address = (
        Address.objects.filter(pk=pk)
        .filter(
            Q(company__in=restrict(Company.objects.all(), user, "view"))
            | Q(contact__in=restrict(Contact.objects.all(), user, "view"))
        )
        .select_related("company", "contact")
        .first()
    )
    if address is None:
        raise Http404
    return address


def custom_field_get(*, user: Any, pk: Any) -> CustomFieldDefinition:
    definition = custom_field_definitions(user=user).filter(pk=pk).first()
    if definition is None:
        raise Http404
    return definition


def custom_field_definitions(
    *, user: Any, entity: str | None = None
) -> QuerySet[CustomFieldDefinition]:
    qs = restrict(CustomFieldDefinition.objects.filter(is_active=True), user, "view")
    return qs.filter(entity=entity) if entity else qs


def custom_field_choices(subject: str) -> list[tuple[str, str]]:
    """The active custom fields of a record type: (key, label)."""
    return [
        (definition.key, definition.label)
        for definition in CustomFieldDefinition.objects.filter(entity=subject, is_active=True)
    ]
