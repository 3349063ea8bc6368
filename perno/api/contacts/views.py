from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status

from perno.accounts.models import Team, User
from perno.accounts.permissions import check
from perno.api.common import (
    ERRORS,
    WRITE_ERRORS,
    PageParams,
    expected_version,
    filter_schema,
    page_schema,
    paged,
    resolve,
    resolve_ids,
    split_payload,
)
from perno.api.contacts.schemas import (
    CompanyIn,
    CompanyOut,
    CompanyPatch,
    ContactIn,
    ContactOut,
    ContactPatch,
    CustomFieldOut,
)
from perno.api.duplicates.schemas import DuplicateConflictOut
from perno.api.duplicates.views import candidates_out
from perno.api.errors import CONFLICT_SERIALIZERS
from perno.api.merging.views import follows_merges
from perno.contacts import matching, selectors, services
from perno.contacts.filters import CompanyFilter, ContactFilter
from perno.contacts.models import Company, Contact
from perno.records.reads import record_shown

router = Router(tags=["companies and contacts"])
if TYPE_CHECKING:
    CompanyQuery = Schema
    ContactQuery = Schema
else:
    CompanyQuery = filter_schema(CompanyFilter, "CompanyQuery")
    ContactQuery = filter_schema(ContactFilter, "ContactQuery")
OWNERSHIP = {"owner_id": User, "team_id": Team}
# Create: 409 with the possible duplicates (same e-mail, phone, VAT number or external
# id: strong matches only; a same name alone does not stop an API client) unless
# ``force=true``.
CREATE_ERRORS = {**WRITE_ERRORS, 409: DuplicateConflictOut}
FORCE = Query(
    False,
    description="Create even when records with the same e-mail, phone, VAT number or "
    "external id exist (otherwise 409 lists them as `candidates`).",
)


def duplicates_conflict(request: HttpRequest, kind: str, values: dict[str, Any]) -> Any:
    """409 naming the strong candidates the caller may see, or None. A caller without
    the right to create ``kind`` gets the 403 of the create first: no look-up is made
    for them."""
    check(request.user, "create", kind)
    found = [
        c for c in matching.candidates(user=request.user, kind=kind, values=values) if c.strong
    ]
    if not found:
        return None
    return Status(
        409,
        {
            "message": _(
                "Possible duplicates exist: see `candidates`. Send force=true to create anyway."
            ),
            "candidates": candidates_out(kind, found),
        },
    )


CONFLICT_SERIALIZERS[Company] = lambda obj: CompanyOut.from_orm(obj).model_dump(mode="json")
CONFLICT_SERIALIZERS[Contact] = lambda obj: ContactOut.from_orm(obj).model_dump(mode="json")


@router.get(
    "/companies", response={200: page_schema(CompanyOut), **ERRORS}, summary="List companies"
)
def company_list(
    request: HttpRequest, filters: Query[CompanyQuery], params: Query[PageParams]
) -> Any:
    qs = selectors.company_list(
        user=request.user, filters=filters.dict(exclude_none=True)
    ).prefetch_related("tags", "addresses")
    return paged(qs, params, request)


@router.post("/companies", response={201: CompanyOut, **CREATE_ERRORS}, summary="Create a company")
def company_create(request: HttpRequest, payload: CompanyIn, force: bool = FORCE) -> Any:
    data, custom, tags = split_payload(payload.dict())
    if not force and (conflict := duplicates_conflict(request, "company", data)):
        return conflict
    data = resolve_ids(request.user, data, OWNERSHIP)
    company = services.company_create(
        actor=request.user, data=data, custom_fields=custom, tags=tags
    )
    return Status(
        201,
        record_shown(selectors.company_get(user=request.user, pk=company.pk), user=request.user),
    )


@router.get(
    "/companies/{company_id}", response={200: CompanyOut, **ERRORS}, summary="Get a company"
)
@follows_merges("company", "company_id")
def company_get(request: HttpRequest, company_id: int) -> Any:
    return record_shown(selectors.company_get(user=request.user, pk=company_id), user=request.user)


@router.patch(
    "/companies/{company_id}",
    response={200: CompanyOut, **WRITE_ERRORS},
    summary="Update a company",
)
def company_update(request: HttpRequest, company_id: int, payload: CompanyPatch) -> Any:
    company = record_shown(
        selectors.company_get(user=request.user, pk=company_id, action="edit"),
        user=request.user,
        purpose="edit",
    )
    raw = payload.dict(exclude_unset=True)
    version = expected_version(request, raw.get("version"))
    data, custom, tags = split_payload(raw)
    data = resolve_ids(request.user, data, OWNERSHIP)
    services.company_update(
        actor=request.user,
        company=company,
        data=data,
        expected_version=version,
        custom_fields=custom,
        tags=tags,
    )
    return record_shown(selectors.company_get(user=request.user, pk=company_id), user=request.user)


@router.delete(
    "/companies/{company_id}", response={204: None, **ERRORS}, summary="Delete a company"
)
def company_delete(request: HttpRequest, company_id: int) -> Any:
    services.company_delete(
        actor=request.user,
        company=record_shown(
            selectors.company_get(user=request.user, pk=company_id, action="delete"),
            user=request.user,
            purpose="delete",
        ),
    )
    return Status(204, None)


@router.get("/contacts", response={200: page_schema(ContactOut), **ERRORS}, summary="List contacts")
def contact_list(
    request: HttpRequest, filters: Query[ContactQuery], params: Query[PageParams]
) -> Any:
    qs = selectors.contact_list(
        user=request.user, filters=filters.dict(exclude_none=True)
    ).prefetch_related("tags", "addresses", "affiliations__company")
    return paged(qs, params, request)


@router.post("/contacts", response={201: ContactOut, **CREATE_ERRORS}, summary="Create a contact")
def contact_create(request: HttpRequest, payload: ContactIn, force: bool = FORCE) -> Any:
    data, custom, tags = split_payload(payload.dict())
    if not force and (conflict := duplicates_conflict(request, "contact", data)):
        return conflict
    links = data.pop("companies", [])
    data = resolve_ids(request.user, data, OWNERSHIP)
    companies = [
        (resolve(request.user, Company, link["company_id"], "companies"), link["job_title"])
        for link in links
    ]
    contact = services.contact_create(
        actor=request.user, data=data, companies=companies, custom_fields=custom, tags=tags
    )
    return Status(
        201,
        record_shown(selectors.contact_get(user=request.user, pk=contact.pk), user=request.user),
    )


@router.get("/contacts/{contact_id}", response={200: ContactOut, **ERRORS}, summary="Get a contact")
@follows_merges("contact", "contact_id")
def contact_get(request: HttpRequest, contact_id: int) -> Any:
    return record_shown(selectors.contact_get(user=request.user, pk=contact_id), user=request.user)


@router.patch(
    "/contacts/{contact_id}", response={200: ContactOut, **WRITE_ERRORS}, summary="Update a contact"
)
def contact_update(request: HttpRequest, contact_id: int, payload: ContactPatch) -> Any:
    contact = record_shown(
        selectors.contact_get(user=request.user, pk=contact_id, action="edit"),
        user=request.user,
        purpose="edit",
    )
    raw = payload.dict(exclude_unset=True)
    version = expected_version(request, raw.get("version"))
    data, custom, tags = split_payload(raw)
    data = resolve_ids(request.user, data, OWNERSHIP)
    services.contact_update(
        actor=request.user,
        contact=contact,
        data=data,
        expected_version=version,
        custom_fields=custom,
        tags=tags,
    )
    return record_shown(selectors.contact_get(user=request.user, pk=contact_id), user=request.user)


@router.delete("/contacts/{contact_id}", response={204: None, **ERRORS}, summary="Delete a contact")
def contact_delete(request: HttpRequest, contact_id: int) -> Any:
    services.contact_delete(
        actor=request.user,
        contact=record_shown(
            selectors.contact_get(user=request.user, pk=contact_id, action="delete"),
            user=request.user,
            purpose="delete",
        ),
    )
    return Status(204, None)


@router.get(
    "/custom-fields",
    response={200: list[CustomFieldOut], **ERRORS},
    summary="List custom field definitions",
)
def custom_field_list(request: HttpRequest, entity: str | None = None) -> Any:
    return list(selectors.custom_field_definitions(user=request.user, entity=entity))
