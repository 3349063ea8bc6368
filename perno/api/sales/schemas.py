from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any, Literal

from ninja import Schema
from pydantic import Field

from perno.api.common import RecordOut
from perno.api.inputs import InputSchema

Currency = Literal["EUR", "RON", "USD", "GBP", "CHF"]
LeadStatus = Literal["new", "contacted", "qualified", "unqualified"]
LeadSource = Literal["web", "referral", "event", "phone", "email", "partner", "other"]
StageKind = Literal["open", "won", "lost"]


class LeadOut(RecordOut):
    first_name: str
    last_name: str
    company_name: str
    job_title: str
    email: str
    phone: str
    country: str
    source: str
    status: str
    notes: str
    converted_at: datetime.datetime | None
    converted_contact_id: int | None
    converted_company_id: int | None
    converted_deal_id: int | None


class LeadIn(InputSchema):
    first_name: str = Field("", max_length=100)
    last_name: str = Field(..., min_length=1, max_length=100)
    company_name: str = Field("", max_length=200)
    job_title: str = Field("", max_length=100)
    email: str | None = None
    phone: str = ""
    country: str = Field("", max_length=2)
    source: LeadSource = "other"
    status: LeadStatus = "new"
    notes: str = ""
    owner_id: int | None = None
    team_id: int | None = None
    tags: list[str] = []
    is_confidential: bool = False


class LeadPatch(InputSchema):
    version: int | None = Field(None, description="The version you edited; a stale one gets 409.")
    first_name: str | None = Field(None, max_length=100)
    last_name: str | None = Field(None, min_length=1, max_length=100)
    company_name: str | None = Field(None, max_length=200)
    job_title: str | None = Field(None, max_length=100)
    email: str | None = None
    phone: str | None = None
    country: str | None = Field(None, max_length=2)
    source: LeadSource | None = None
    status: LeadStatus | None = None
    notes: str | None = None
    owner_id: int | None = None
    team_id: int | None = None
    tags: list[str] | None = None
    is_confidential: bool | None = None


class LeadConvertIn(InputSchema):
    version: int | None = None
    company_id: int | None = Field(
        None, description="Link to this existing company instead of creating one."
    )
    create_deal: bool = True
    deal_title: str = Field("", max_length=200)
    amount: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2)
    currency: Currency | None = None
    pipeline_id: int | None = None


class LeadConvertOut(Schema):
    lead_id: int
    contact_id: int
    company_id: int | None
    deal_id: int | None


class StageOut(Schema):
    id: int
    name: str
    position: int
    probability: int
    kind: str


class StageIn(InputSchema):
    name: str = Field(..., min_length=1, max_length=100)
    probability: int = Field(10, ge=0, le=100)
    kind: StageKind = "open"


class StagePatch(InputSchema):
    name: str | None = Field(None, min_length=1, max_length=100)
    probability: int | None = Field(None, ge=0, le=100)
    kind: StageKind | None = None
    position: int | None = Field(None, ge=0)


class PipelineOut(Schema):
    id: int
    name: str
    is_default: bool
    position: int
    stages: list[StageOut]

    @staticmethod
    def resolve_stages(obj: Any) -> list[Any]:
        return list(obj.stages.all())


class PipelineIn(InputSchema):
    name: str = Field(..., min_length=1, max_length=100)
    is_default: bool = False
    stages: list[StageIn] = Field(..., min_length=1)


class PipelinePatch(InputSchema):
    name: str | None = Field(None, min_length=1, max_length=100)
    is_default: bool | None = None
    stage_order: list[int] | None = Field(
        None, description="Every stage id of the pipeline in the new order."
    )


class DealOut(RecordOut):
    title: str
    company_id: int | None
    contact_id: int | None
    pipeline_id: int
    stage_id: int
    stage_name: str
    amount: Decimal
    currency: str
    probability: int
    expected_close_date: datetime.date | None
    status: str
    close_reason: str
    closed_at: datetime.datetime | None
    notes: str
    custom_fields: dict[str, Any]

    @staticmethod
    def resolve_stage_name(obj: Any) -> str:
        return obj.stage.name


class DealIn(InputSchema):
    title: str = Field(..., min_length=1, max_length=200)
    company_id: int | None = None
    contact_id: int | None = None
    pipeline_id: int | None = None
    stage_id: int | None = None
    amount: Decimal = Field(Decimal("0"), ge=0, max_digits=14, decimal_places=2)
    currency: Currency = "EUR"
    probability: int | None = Field(None, ge=0, le=100)
    expected_close_date: datetime.date | None = None
    close_reason: str = Field("", max_length=200)
    notes: str = ""
    owner_id: int | None = None
    team_id: int | None = None
    tags: list[str] = []
    is_confidential: bool = False
    custom_fields: dict[str, Any] = {}


class DealPatch(InputSchema):
    version: int | None = Field(None, description="The version you edited; a stale one gets 409.")
    title: str | None = Field(None, min_length=1, max_length=200)
    company_id: int | None = None
    contact_id: int | None = None
    pipeline_id: int | None = None
    stage_id: int | None = None
    amount: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2)
    currency: Currency | None = None
    probability: int | None = Field(None, ge=0, le=100)
    expected_close_date: datetime.date | None = None
    close_reason: str | None = Field(None, max_length=200)
    notes: str | None = None
    owner_id: int | None = None
    team_id: int | None = None
    tags: list[str] | None = None
    is_confidential: bool | None = None
    custom_fields: dict[str, Any] | None = None


class ProductOut(RecordOut):
    name: str
    sku: str
    description: str
    unit_price: Decimal
    currency: str
    vat_rate: Decimal
    is_active: bool


class ProductIn(InputSchema):
    name: str = Field(..., min_length=1, max_length=200)
    sku: str = Field(..., min_length=1, max_length=60)
    description: str = ""
    unit_price: Decimal = Field(..., ge=0, max_digits=12, decimal_places=2)
    currency: Currency = "EUR"
    vat_rate: Decimal = Field(Decimal("22"), ge=0, le=100, max_digits=5, decimal_places=2)
    is_active: bool = True
    owner_id: int | None = None
    team_id: int | None = None
    tags: list[str] = []
    is_confidential: bool = False


class ProductPatch(InputSchema):
    version: int | None = None
    name: str | None = Field(None, min_length=1, max_length=200)
    sku: str | None = Field(None, min_length=1, max_length=60)
    description: str | None = None
    unit_price: Decimal | None = Field(None, ge=0, max_digits=12, decimal_places=2)
    currency: Currency | None = None
    vat_rate: Decimal | None = Field(None, ge=0, le=100, max_digits=5, decimal_places=2)
    is_active: bool | None = None
    owner_id: int | None = None
    team_id: int | None = None
    tags: list[str] | None = None
    is_confidential: bool | None = None


class OrderLineOut(Schema):
    id: int
    product_id: int | None
    description: str
    quantity: Decimal
    unit_price: Decimal
    total: Decimal
    position: int


class OrderLineIn(InputSchema):
    product: int | None = Field(
        None, description="A product id; fills description and price when they are left out."
    )
    description: str = Field("", max_length=200)
    quantity: Decimal = Field(Decimal("1"), ge=0, max_digits=12, decimal_places=3)
    unit_price: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2)


OrderStatus = Literal["confirmed", "cancelled"]


class OrderOut(RecordOut):
    number: str
    contact_id: int | None
    company_id: int | None
    ordered_on: datetime.date
    currency: str
    total: Decimal
    cost: Decimal | None
    status: str
    source: str
    lines: list[OrderLineOut]

    @staticmethod
    def resolve_lines(obj: Any) -> list[Any]:
        return list(obj.lines.all())


class OrderIn(InputSchema):
    number: str = Field(
        "",
        max_length=64,
        description="The order's id in the shop or accounting system; unique when given.",
    )
    contact_id: int | None = None
    company_id: int | None = None
    ordered_on: datetime.date
    currency: Currency = "EUR"
    total: Decimal | None = Field(
        None,
        ge=0,
        max_digits=14,
        decimal_places=2,
        description="Required without lines; with lines it is their sum.",
    )
    cost: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2)
    status: OrderStatus = "confirmed"
    lines: list[OrderLineIn] = []
    owner_id: int | None = None
    team_id: int | None = None
    tags: list[str] = []
    is_confidential: bool = False


class OrderPatch(InputSchema):
    version: int | None = None
    number: str | None = Field(None, max_length=64)
    contact_id: int | None = None
    company_id: int | None = None
    ordered_on: datetime.date | None = None
    currency: Currency | None = None
    total: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2)
    cost: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2)
    status: OrderStatus | None = None
    lines: list[OrderLineIn] | None = Field(None, description="Replaces every line when given.")
    owner_id: int | None = None
    team_id: int | None = None
    tags: list[str] | None = None
    is_confidential: bool | None = None
