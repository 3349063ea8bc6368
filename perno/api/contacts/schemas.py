from __future__ import annotations

import datetime
from typing import Any

from ninja import Schema
from pydantic import Field

from perno.accounts.confidential import current_user, reference
from perno.api.common import RecordOut
from perno.api.inputs import InputSchema
from perno.contacts.models import Company, Contact


class AddressSchema(InputSchema):
    id: int | None = None
    kind: str = "office"
    street: str = Field(..., max_length=200)
    city: str = Field(..., max_length=100)
    postal_code: str = ""
    region: str = ""
    country: str = "IT"


class CompanyOut(RecordOut):
    name: str
    vat_number: str
    industry: str
    website: str
    email: str
    phone: str
    country: str
    employees: int | None
    notes: str
    custom_fields: dict[str, Any]
    external_id: str
    addresses: list[AddressSchema] = []

    @staticmethod
    def resolve_addresses(obj: Company) -> list[Any]:
        return list(obj.addresses.all())


class CompanyIn(InputSchema):
    name: str = Field(..., min_length=1, max_length=200)
    vat_number: str = ""
    industry: str = ""
    website: str = ""
    email: str | None = None
    phone: str = ""
    country: str = Field("", max_length=2)
    employees: int | None = Field(None, ge=0)
    notes: str = ""
    owner_id: int | None = None
    team_id: int | None = None
    tags: list[str] = []
    is_confidential: bool = False
    custom_fields: dict[str, Any] = {}
    external_id: str = Field("", max_length=64)


class CompanyPatch(InputSchema):
    version: int | None = Field(None, description="The version you edited; a stale one gets 409.")
    name: str | None = Field(None, min_length=1, max_length=200)
    vat_number: str | None = None
    industry: str | None = None
    website: str | None = None
    email: str | None = None
    phone: str | None = None
    country: str | None = Field(None, max_length=2)
    employees: int | None = Field(None, ge=0)
    notes: str | None = None
    owner_id: int | None = None
    team_id: int | None = None
    tags: list[str] | None = None
    is_confidential: bool | None = None
    custom_fields: dict[str, Any] | None = None
    external_id: str | None = Field(None, max_length=64)


class AffiliationOut(Schema):
    company_id: int
    company_name: str
    job_title: str
    is_primary: bool

    @staticmethod
    def resolve_company_name(obj: Any) -> str:
        """The company's name, or a placeholder when the caller may not open it."""
        shown = reference(current_user.get(), obj.company)
        return shown.name if shown is obj.company else str(shown)


class AffiliationIn(InputSchema):
    company_id: int
    job_title: str = ""


class ContactOut(RecordOut):
    first_name: str
    last_name: str
    full_name: str
    email: str
    phone: str
    mobile: str
    job_title: str
    language: str
    country: str
    notes: str
    custom_fields: dict[str, Any]
    external_id: str
    companies: list[AffiliationOut] = []
    addresses: list[AddressSchema] = []

    @staticmethod
    def resolve_companies(obj: Contact) -> list[Any]:
        return list(obj.affiliations.all())

    @staticmethod
    def resolve_addresses(obj: Contact) -> list[Any]:
        return list(obj.addresses.all())


class ContactIn(InputSchema):
    first_name: str = Field(..., min_length=1, max_length=100)
    last_name: str = Field(..., min_length=1, max_length=100)
    email: str | None = None
    phone: str = ""
    mobile: str = ""
    job_title: str = ""
    language: str = ""
    country: str = Field("", max_length=2)
    notes: str = ""
    owner_id: int | None = None
    team_id: int | None = None
    tags: list[str] = []
    is_confidential: bool = False
    custom_fields: dict[str, Any] = {}
    external_id: str = Field("", max_length=64)
    companies: list[AffiliationIn] = []


class ContactPatch(InputSchema):
    version: int | None = Field(None, description="The version you edited; a stale one gets 409.")
    first_name: str | None = Field(None, min_length=1, max_length=100)
    last_name: str | None = Field(None, min_length=1, max_length=100)
    email: str | None = None
    phone: str | None = None
    mobile: str | None = None
    job_title: str | None = None
    language: str | None = None
    country: str | None = Field(None, max_length=2)
    notes: str | None = None
    owner_id: int | None = None
    team_id: int | None = None
    tags: list[str] | None = None
    is_confidential: bool | None = None
    custom_fields: dict[str, Any] | None = None
    external_id: str | None = Field(None, max_length=64)


class CustomFieldOut(Schema):
    id: int
    entity: str
    key: str
    label: str
    field_type: str
    choices: list[str]
    is_required: bool
    created_at: datetime.datetime
