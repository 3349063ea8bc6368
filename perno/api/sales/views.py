from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.http import HttpRequest
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
    refuse_nulls,
    resolve,
    resolve_ids,
    split_payload,
)
from perno.api.errors import CONFLICT_SERIALIZERS
from perno.api.sales.schemas import (
    DealIn,
    DealOut,
    DealPatch,
    LeadConvertIn,
    LeadConvertOut,
    LeadIn,
    LeadOut,
    LeadPatch,
    OrderIn,
    OrderOut,
    OrderPatch,
    PipelineIn,
    PipelineOut,
    PipelinePatch,
    ProductIn,
    ProductOut,
    ProductPatch,
    StageIn,
    StageOut,
    StagePatch,
)
from perno.contacts.models import Company, Contact
from perno.records.reads import record_shown
from perno.sales import selectors, services
from perno.sales.filters import DealFilter, LeadFilter, OrderFilter, ProductFilter
from perno.sales.models import Deal, Lead, Order, Pipeline, Product, Stage

router = Router(tags=["sales"])
if TYPE_CHECKING:
    LeadQuery = Schema
    DealQuery = Schema
    ProductQuery = Schema
    OrderQuery = Schema
else:
    LeadQuery = filter_schema(LeadFilter, "LeadQuery")
    DealQuery = filter_schema(DealFilter, "DealQuery")
    ProductQuery = filter_schema(ProductFilter, "ProductQuery")
    OrderQuery = filter_schema(OrderFilter, "OrderQuery")
OWNERSHIP = {"owner_id": User, "team_id": Team}
CONFLICT_SERIALIZERS[Lead] = lambda obj: LeadOut.from_orm(obj).model_dump(mode="json")
CONFLICT_SERIALIZERS[Deal] = lambda obj: DealOut.from_orm(obj).model_dump(mode="json")
CONFLICT_SERIALIZERS[Order] = lambda obj: OrderOut.from_orm(obj).model_dump(mode="json")
CONFLICT_SERIALIZERS[Product] = lambda obj: ProductOut.from_orm(obj).model_dump(mode="json")


# Leads


@router.get("/leads", response={200: page_schema(LeadOut), **ERRORS}, summary="List leads")
def lead_list(request: HttpRequest, filters: Query[LeadQuery], params: Query[PageParams]) -> Any:
    return paged(
        selectors.lead_list(
            user=request.user, filters=filters.dict(exclude_none=True)
        ).prefetch_related("tags"),
        params,
        request,
    )


@router.post("/leads", response={201: LeadOut, **WRITE_ERRORS}, summary="Create a lead")
def lead_create(request: HttpRequest, payload: LeadIn) -> Any:
    data, _custom, tags = split_payload(payload.dict())
    lead = services.lead_create(
        actor=request.user, data=resolve_ids(request.user, data, OWNERSHIP), tags=tags
    )
    return Status(
        201, record_shown(selectors.lead_get(user=request.user, pk=lead.pk), user=request.user)
    )


@router.get("/leads/{lead_id}", response={200: LeadOut, **ERRORS}, summary="Get a lead")
def lead_get(request: HttpRequest, lead_id: int) -> Any:
    return record_shown(selectors.lead_get(user=request.user, pk=lead_id), user=request.user)


@router.patch("/leads/{lead_id}", response={200: LeadOut, **WRITE_ERRORS}, summary="Update a lead")
def lead_update(request: HttpRequest, lead_id: int, payload: LeadPatch) -> Any:
    lead = record_shown(
        selectors.lead_get(user=request.user, pk=lead_id, action="edit"),
        user=request.user,
        purpose="edit",
    )
    raw = payload.dict(exclude_unset=True)
    version = expected_version(request, raw.get("version"))
    data, _custom, tags = split_payload(raw)
    services.lead_update(
        actor=request.user,
        lead=lead,
        data=resolve_ids(request.user, data, OWNERSHIP),
        expected_version=version,
        tags=tags,
    )
    return record_shown(selectors.lead_get(user=request.user, pk=lead_id), user=request.user)


@router.delete("/leads/{lead_id}", response={204: None, **ERRORS}, summary="Delete a lead")
def lead_delete(request: HttpRequest, lead_id: int) -> Any:
    services.lead_delete(
        actor=request.user,
        lead=record_shown(
            selectors.lead_get(user=request.user, pk=lead_id, action="delete"),
            user=request.user,
            purpose="delete",
        ),
    )
    return Status(204, None)


@router.post(
    "/leads/{lead_id}/convert",
    response={200: LeadConvertOut, **WRITE_ERRORS},
    summary="Convert a lead into contact, company and deal",
)
def lead_convert(request: HttpRequest, lead_id: int, payload: LeadConvertIn) -> Any:
    lead = record_shown(
        selectors.lead_get(user=request.user, pk=lead_id, action="edit"),
        user=request.user,
        purpose="edit",
    )
    company = resolve(request.user, Company, payload.company_id, "company_id")
    pipeline = resolve(request.user, Pipeline, payload.pipeline_id, "pipeline_id")
    contact, company, deal = services.lead_convert(
        actor=request.user,
        lead=lead,
        company=company,
        create_deal=payload.create_deal,
        deal_title=payload.deal_title,
        amount=payload.amount,
        currency=payload.currency,
        pipeline=pipeline,
        expected_version=expected_version(request, payload.version),
    )
    return {
        "lead_id": lead.pk,
        "contact_id": contact.pk,
        "company_id": company.pk if company else None,
        "deal_id": deal.pk if deal else None,
    }


# Pipelines and stages


@router.get(
    "/pipelines",
    response={200: list[PipelineOut], **ERRORS},
    summary="List pipelines with their stages",
)
def pipeline_list(request: HttpRequest) -> Any:
    return list(selectors.pipeline_list(user=request.user))


@router.post(
    "/pipelines",
    response={201: PipelineOut, **WRITE_ERRORS},
    summary="Create a pipeline (administrators)",
)
def pipeline_create(request: HttpRequest, payload: PipelineIn) -> Any:
    pipeline = services.pipeline_create(
        actor=request.user,
        name=payload.name,
        is_default=payload.is_default,
        stages=[(s.name, s.probability, s.kind) for s in payload.stages],
    )
    return Status(201, selectors.pipeline_get(user=request.user, pk=pipeline.pk))


@router.get(
    "/pipelines/{pipeline_id}", response={200: PipelineOut, **ERRORS}, summary="Get a pipeline"
)
def pipeline_get(request: HttpRequest, pipeline_id: int) -> Any:
    return selectors.pipeline_get(user=request.user, pk=pipeline_id)


@router.patch(
    "/pipelines/{pipeline_id}",
    response={200: PipelineOut, **WRITE_ERRORS},
    summary="Rename, make default or reorder stages",
)
def pipeline_update(request: HttpRequest, pipeline_id: int, payload: PipelinePatch) -> Any:
    pipeline = selectors.pipeline_get(user=request.user, pk=pipeline_id)
    services.pipeline_update(
        actor=request.user, pipeline=pipeline, name=payload.name, is_default=payload.is_default
    )
    if payload.stage_order is not None:
        services.stages_reorder(
            actor=request.user, pipeline=pipeline, stage_ids=payload.stage_order
        )
    return selectors.pipeline_get(user=request.user, pk=pipeline_id)


@router.delete(
    "/pipelines/{pipeline_id}",
    response={204: None, **WRITE_ERRORS},
    summary="Delete an unused pipeline",
)
def pipeline_delete(request: HttpRequest, pipeline_id: int) -> Any:
    services.pipeline_delete(
        actor=request.user, pipeline=selectors.pipeline_get(user=request.user, pk=pipeline_id)
    )
    return Status(204, None)


@router.post(
    "/pipelines/{pipeline_id}/stages",
    response={201: StageOut, **WRITE_ERRORS},
    summary="Add a stage",
)
def stage_create(request: HttpRequest, pipeline_id: int, payload: StageIn) -> Any:
    pipeline = selectors.pipeline_get(user=request.user, pk=pipeline_id)
    return Status(
        201,
        services.stage_add(
            actor=request.user,
            pipeline=pipeline,
            name=payload.name,
            probability=payload.probability,
            kind=payload.kind,
        ),
    )


@router.patch(
    "/stages/{stage_id}", response={200: StageOut, **WRITE_ERRORS}, summary="Update a stage"
)
def stage_update(request: HttpRequest, stage_id: int, payload: StagePatch) -> Any:
    stage = selectors.stage_get(user=request.user, pk=stage_id)
    return services.stage_update(
        actor=request.user, stage=stage, data=payload.dict(exclude_unset=True, exclude_none=True)
    )


@router.delete(
    "/stages/{stage_id}", response={204: None, **WRITE_ERRORS}, summary="Delete an empty stage"
)
def stage_delete(request: HttpRequest, stage_id: int) -> Any:
    services.stage_delete(
        actor=request.user, stage=selectors.stage_get(user=request.user, pk=stage_id)
    )
    return Status(204, None)


# Deals

DEAL_LINKS = {
    **OWNERSHIP,
    "company_id": Company,
    "contact_id": Contact,
    "pipeline_id": Pipeline,
    "stage_id": Stage,
}


@router.get("/deals", response={200: page_schema(DealOut), **ERRORS}, summary="List deals")
def deal_list(request: HttpRequest, filters: Query[DealQuery], params: Query[PageParams]) -> Any:
    return paged(
        selectors.deal_list(
            user=request.user, filters=filters.dict(exclude_none=True)
        ).prefetch_related("tags"),
        params,
        request,
    )


@router.post("/deals", response={201: DealOut, **WRITE_ERRORS}, summary="Create a deal")
def deal_create(request: HttpRequest, payload: DealIn) -> Any:
    data, custom, tags = split_payload(payload.dict())
    deal = services.deal_create(
        actor=request.user,
        data=resolve_ids(request.user, data, DEAL_LINKS),
        custom_fields=custom,
        tags=tags,
    )
    return Status(
        201, record_shown(selectors.deal_get(user=request.user, pk=deal.pk), user=request.user)
    )


@router.get("/deals/{deal_id}", response={200: DealOut, **ERRORS}, summary="Get a deal")
def deal_get(request: HttpRequest, deal_id: int) -> Any:
    return record_shown(selectors.deal_get(user=request.user, pk=deal_id), user=request.user)


@router.patch(
    "/deals/{deal_id}", response={200: DealOut, **WRITE_ERRORS}, summary="Update or move a deal"
)
def deal_update(request: HttpRequest, deal_id: int, payload: DealPatch) -> Any:
    deal = record_shown(
        selectors.deal_get(user=request.user, pk=deal_id, action="edit"),
        user=request.user,
        purpose="edit",
    )
    raw = payload.dict(exclude_unset=True)
    version = expected_version(request, raw.get("version"))
    data, custom, tags = split_payload(raw)
    refuse_nulls(data, ("pipeline_id", "stage_id"))
    services.deal_update(
        actor=request.user,
        deal=deal,
        data=resolve_ids(request.user, data, DEAL_LINKS),
        expected_version=version,
        custom_fields=custom,
        tags=tags,
    )
    return record_shown(selectors.deal_get(user=request.user, pk=deal_id), user=request.user)


@router.delete("/deals/{deal_id}", response={204: None, **ERRORS}, summary="Delete a deal")
def deal_delete(request: HttpRequest, deal_id: int) -> Any:
    services.deal_delete(
        actor=request.user,
        deal=record_shown(
            selectors.deal_get(user=request.user, pk=deal_id, action="delete"),
            user=request.user,
            purpose="delete",
        ),
    )
    return Status(204, None)


# Products


@router.get("/products", response={200: page_schema(ProductOut), **ERRORS}, summary="List products")
def product_list(
    request: HttpRequest, filters: Query[ProductQuery], params: Query[PageParams]
) -> Any:
    return paged(
        selectors.product_list(
            user=request.user, filters=filters.dict(exclude_none=True)
        ).prefetch_related("tags"),
        params,
        request,
    )


@router.post("/products", response={201: ProductOut, **WRITE_ERRORS}, summary="Create a product")
def product_create(request: HttpRequest, payload: ProductIn) -> Any:
    data, _custom, tags = split_payload(payload.dict())
    product = services.product_create(
        actor=request.user, data=resolve_ids(request.user, data, OWNERSHIP), tags=tags
    )
    return Status(
        201,
        record_shown(selectors.product_get(user=request.user, pk=product.pk), user=request.user),
    )


@router.get("/products/{product_id}", response={200: ProductOut, **ERRORS}, summary="Get a product")
def product_get(request: HttpRequest, product_id: int) -> Any:
    return record_shown(selectors.product_get(user=request.user, pk=product_id), user=request.user)


@router.patch(
    "/products/{product_id}", response={200: ProductOut, **WRITE_ERRORS}, summary="Update a product"
)
def product_update(request: HttpRequest, product_id: int, payload: ProductPatch) -> Any:
    product = record_shown(
        selectors.product_get(user=request.user, pk=product_id, action="edit"),
        user=request.user,
        purpose="edit",
    )
    raw = payload.dict(exclude_unset=True)
    version = expected_version(request, raw.get("version"))
    data, _custom, tags = split_payload(raw)
    services.product_update(
        actor=request.user,
        product=product,
        data=resolve_ids(request.user, data, OWNERSHIP),
        expected_version=version,
        tags=tags,
    )
    return record_shown(selectors.product_get(user=request.user, pk=product_id), user=request.user)


@router.delete("/products/{product_id}", response={204: None, **ERRORS}, summary="Delete a product")
def product_delete(request: HttpRequest, product_id: int) -> Any:
    services.product_delete(
        actor=request.user,
        product=record_shown(
            selectors.product_get(user=request.user, pk=product_id, action="delete"),
            user=request.user,
            purpose="delete",
        ),
    )
    return Status(204, None)


# Orders

ORDER_LINKS = {**OWNERSHIP, "contact_id": Contact, "company_id": Company}


@router.get("/orders", response={200: page_schema(OrderOut), **ERRORS}, summary="List orders")
def order_list(request: HttpRequest, filters: Query[OrderQuery], params: Query[PageParams]) -> Any:
    return paged(
        selectors.order_list(
            user=request.user, filters=filters.dict(exclude_none=True)
        ).prefetch_related("tags", "lines"),
        params,
        request,
    )


@router.post("/orders", response={201: OrderOut, **WRITE_ERRORS}, summary="Create an order")
def order_create(request: HttpRequest, payload: OrderIn) -> Any:
    """An order with its lines; the total is the sum of the lines, or ``total`` when
    there are none. The buyer is a contact, a company or both."""
    check(request.user, "create", "order")  # before naming the buyer: 403, not 400
    data, _custom, tags = split_payload(payload.dict())
    lines = data.pop("lines")
    order = services.order_create(
        actor=request.user,
        data=resolve_ids(request.user, data, ORDER_LINKS),
        lines=lines,
        tags=tags,
        source=Order.Source.API,
    )
    return Status(
        201, record_shown(selectors.order_get(user=request.user, pk=order.pk), user=request.user)
    )


@router.get("/orders/{order_id}", response={200: OrderOut, **ERRORS}, summary="Get an order")
def order_get(request: HttpRequest, order_id: int) -> Any:
    return record_shown(selectors.order_get(user=request.user, pk=order_id), user=request.user)


@router.patch(
    "/orders/{order_id}", response={200: OrderOut, **WRITE_ERRORS}, summary="Update an order"
)
def order_update(request: HttpRequest, order_id: int, payload: OrderPatch) -> Any:
    order = record_shown(
        selectors.order_get(user=request.user, pk=order_id, action="edit"),
        user=request.user,
        purpose="edit",
    )
    raw = payload.dict(exclude_unset=True)
    version = expected_version(request, raw.get("version"))
    refuse_nulls(raw, ("ordered_on", "currency", "status", "number"))
    data, _custom, tags = split_payload(raw)
    lines = data.pop("lines", None)
    services.order_update(
        actor=request.user,
        order=order,
        data=resolve_ids(request.user, data, ORDER_LINKS),
        expected_version=version,
        lines=lines,
        tags=tags,
    )
    return record_shown(selectors.order_get(user=request.user, pk=order_id), user=request.user)


@router.delete("/orders/{order_id}", response={204: None, **ERRORS}, summary="Delete an order")
def order_delete(request: HttpRequest, order_id: int) -> Any:
    services.order_delete(
        actor=request.user,
        order=record_shown(
            selectors.order_get(user=request.user, pk=order_id, action="delete"),
            user=request.user,
            purpose="delete",
        ),
    )
    return Status(204, None)
