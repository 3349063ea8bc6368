"""Every read of leads, pipelines, deals, products and orders goes through these, with the
user."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Prefetch, QuerySet, Sum
from django.http import Http404

from perno.accounts.permissions import obtain, restrict
from perno.records.filtering import apply_filters
from perno.sales.filters import DealFilter, LeadFilter, OrderFilter, ProductFilter
from perno.sales.models import Deal, Lead, Order, Pipeline, Product, Stage


def _get(qs: QuerySet, pk: Any) -> Any:
    try:
        obj = qs.filter(pk=pk).first()
    except (ValueError, TypeError):
        obj = None
    if obj is None:
        raise Http404
    return obj


def lead_list(*, user: Any, filters: Any = None) -> QuerySet[Lead]:
    qs = restrict(Lead.objects.all(), user, "view").select_related("owner", "team")
    return apply_filters(LeadFilter, filters, qs)


def lead_get(*, user: Any, pk: Any, action: str = "view") -> Lead:
    return obtain(
        Lead.objects.select_related(
            "owner", "team", "converted_contact", "converted_company", "converted_deal"
        ).prefetch_related("tags"),
        user,
        pk,
        action,
    )


def pipeline_list(*, user: Any) -> QuerySet[Pipeline]:
    return restrict(Pipeline.objects.all(), user, "view").prefetch_related(
        Prefetch("stages", queryset=Stage.objects.order_by("position", "id"))
    )


def pipeline_get(*, user: Any, pk: Any) -> Pipeline:
    return _get(pipeline_list(user=user), pk)


def stage_get(*, user: Any, pk: Any) -> Stage:
    return _get(restrict(Stage.objects.select_related("pipeline"), user, "view"), pk)


def deal_list(*, user: Any, filters: Any = None) -> QuerySet[Deal]:
    qs = restrict(Deal.objects.all(), user, "view").select_related(
        "owner", "team", "company", "contact", "stage", "pipeline"
    )
    return apply_filters(DealFilter, filters, qs)


def deal_get(*, user: Any, pk: Any, action: str = "view") -> Deal:
    return obtain(
        Deal.objects.select_related(
            "owner", "team", "company", "contact", "stage", "pipeline"
        ).prefetch_related("tags"),
        user,
        pk,
        action,
    )


@dataclass
class BoardColumn:
    stage: Stage
    deals: list[Deal]
    has_more: bool
    count: int
    totals: list[tuple[str, Decimal]]  # (currency, sum of amounts)


def deal_board(
    *, user: Any, pipeline: Pipeline, filters: Any = None, per_stage: int = 50
) -> list[BoardColumn]:
    """Each stage of the pipeline with its first ``per_stage`` deals, how many deals it
    holds and their total per currency (one aggregate query for all stages)."""
    visible = deal_list(user=user, filters=filters).filter(pipeline=pipeline)
    stats: dict[int, tuple[int, list[tuple[str, Decimal]]]] = {}
    for row in (
        visible.order_by()
        .values("stage_id", "currency")
        .annotate(n=Count("id"), total=Sum("amount"))
    ):
        count, totals = stats.get(row["stage_id"], (0, []))
        stats[row["stage_id"]] = (count + row["n"], [*totals, (row["currency"], row["total"])])
    base = (
        visible.select_related(None)
        .select_related("company", "owner")
        .order_by("board_position", "id")
    )
    columns = []
    for stage in pipeline.stages.all():
        deals = list(base.filter(stage=stage)[: per_stage + 1])
        count, totals = stats.get(stage.pk, (0, []))
        columns.append(
            BoardColumn(stage, deals[:per_stage], len(deals) > per_stage, count, sorted(totals))
        )
    return columns


def product_list(*, user: Any, filters: Any = None) -> QuerySet[Product]:
    qs = restrict(Product.objects.all(), user, "view").select_related("owner", "team")
    return apply_filters(ProductFilter, filters, qs)


def product_get(*, user: Any, pk: Any, action: str = "view") -> Product:
    return obtain(
        Product.objects.select_related("owner", "team").prefetch_related("tags"),
        user,
        pk,
        action,
    )


def order_list(*, user: Any, filters: Any = None) -> QuerySet[Order]:
    qs = restrict(Order.objects.all(), user, "view").select_related(
        "owner", "team", "contact", "company"
    )
    return apply_filters(OrderFilter, filters, qs)


def order_get(*, user: Any, pk: Any, action: str = "view") -> Order:
    return obtain(
        Order.objects.select_related("owner", "team", "contact", "company").prefetch_related(
            "tags", "lines__product"
        ),
        user,
        pk,
        action,
    )
