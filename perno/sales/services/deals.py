"""Writes to deals: create, update, move on the board, delete."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from perno.contacts.custom_fields import clean_custom_fields
from perno.contacts.models import CustomFieldDefinition
from perno.records.services import (
    record_create,
    record_delete,
    record_update,
    reject_unknown_fields,
    tags_from_names,
)
from perno.sales.models import Deal, Pipeline, Stage

DEAL_FIELDS = {
    "is_confidential",
    "title",
    "company",
    "contact",
    "pipeline",
    "stage",
    "amount",
    "currency",
    "probability",
    "expected_close_date",
    "close_reason",
    "notes",
    "owner",
    "team",
}


def default_pipeline() -> Pipeline | None:
    return Pipeline.objects.filter(is_default=True).first() or Pipeline.objects.first()


def _apply_stage(deal: Deal, stage: Stage, *, set_probability: bool = True) -> None:
    deal.stage = stage
    deal.status = {Stage.Kind.WON: Deal.Status.WON, Stage.Kind.LOST: Deal.Status.LOST}.get(
        stage.kind, Deal.Status.OPEN
    )  # type: ignore[call-overload]
    if set_probability:
        deal.probability = stage.probability
    if deal.status == Deal.Status.OPEN:
        deal.closed_at = None
    elif deal.closed_at is None:
        deal.closed_at = timezone.now()


def _require_lost_reason(status: str, reason: str) -> None:
    """A deal is lost only with the reason why (what the team learns from losing)."""
    if status == Deal.Status.LOST and not (reason or "").strip():
        raise ValidationError(
            {
                "close_reason": [
                    _(
                        "Say why the deal was lost (for example the price, the timing or a "
                        "competitor): a lost deal needs its reason."
                    )
                ]
            }
        )


def _deal_check_links(data: dict[str, Any]) -> None:
    pipeline, stage = data.get("pipeline"), data.get("stage")
    if stage is not None and pipeline is not None and stage.pipeline_id != pipeline.pk:
        raise ValidationError(
            {
                "stage": [
                    _("The stage “%(stage)s” does not belong to the pipeline “%(pipeline)s”.")
                    % {"stage": stage, "pipeline": pipeline}
                ]
            }
        )


def deal_create(
    *,
    actor: Any,
    data: dict[str, Any],
    custom_fields: dict[str, Any] | None = None,
    tags: Iterable[str] | None = None,
) -> Deal:
    reject_unknown_fields(data, DEAL_FIELDS)
    data = {
        k: v
        for k, v in data.items()
        if v is not None or k in {"company", "contact", "expected_close_date"}
    }
    pipeline = data.get("pipeline") or (
        data["stage"].pipeline if data.get("stage") else default_pipeline()
    )
    if pipeline is None:
        raise ValidationError({"pipeline": [_("Create a pipeline first (Settings → Pipelines).")]})
    data["pipeline"] = pipeline
    _deal_check_links(data)
    stage = data.pop("stage", None) or pipeline.stages.order_by("position").first()
    explicit_probability = "probability" in data
    deal = Deal(**data)
    if stage is None:
        raise ValidationError({"stage": [_("This pipeline has no stages yet.")]})
    _apply_stage(deal, stage, set_probability=not explicit_probability)
    _require_lost_reason(deal.status, deal.close_reason)
    deal.custom_fields = clean_custom_fields(CustomFieldDefinition.Entity.DEAL, custom_fields)
    deal.board_position = (
        Deal.objects.filter(stage=stage).aggregate(m=Max("board_position"))["m"] or 0
    ) + 1
    with transaction.atomic():
        return record_create(actor=actor, instance=deal, tags=tags_from_names(tags or []))


def deal_update(
    *,
    actor: Any,
    deal: Deal,
    data: dict[str, Any],
    expected_version: int | None,
    custom_fields: dict[str, Any] | None = None,
    tags: Iterable[str] | None = None,
) -> Deal:
    reject_unknown_fields(data, DEAL_FIELDS)
    merged = {
        "pipeline": data.get("pipeline", deal.pipeline),
        "stage": data.get("stage", deal.stage),
    }
    if "pipeline" in data and "stage" not in data and deal.stage.pipeline_id != data["pipeline"].pk:
        merged["stage"] = data["pipeline"].stages.order_by("position").first()
        data["stage"] = merged["stage"]
    _deal_check_links(merged)
    if "stage" in data:
        stage = data.pop("stage")
        probe = Deal(status=deal.status, closed_at=deal.closed_at, probability=deal.probability)
        _apply_stage(probe, stage, set_probability="probability" not in data)
        data.update(stage=stage, status=probe.status, closed_at=probe.closed_at)
        if "probability" not in data:
            data["probability"] = probe.probability
    status = data.get("status", deal.status)
    if status == Deal.Status.LOST and (status != deal.status or "close_reason" in data):
        _require_lost_reason(status, data.get("close_reason", deal.close_reason))
    if custom_fields is not None:
        data["custom_fields"] = clean_custom_fields(
            CustomFieldDefinition.Entity.DEAL, custom_fields, current=deal.custom_fields
        )
    with transaction.atomic():
        return record_update(
            actor=actor,
            instance=deal,
            data=data,
            expected_version=expected_version,
            tags=tags_from_names(tags) if tags is not None else None,
        )


def deal_move(
    *,
    actor: Any,
    deal: Deal,
    stage: Stage,
    expected_version: int | None,
    before: Deal | None = None,
    reason: str | None = None,
) -> Deal:
    """Move a deal to ``stage`` (the board's drag and drop and keyboard moves).
    Won/lost stages close the deal; an open stage re-opens it. ``reason`` becomes the
    won/lost reason; a move to a lost stage needs one."""
    if stage.pipeline_id != deal.pipeline_id:
        raise ValidationError(
            {
                "stage": [
                    _("The stage “%(stage)s” does not belong to the pipeline “%(pipeline)s”.")
                    % {"stage": stage, "pipeline": deal.pipeline}
                ]
            }
        )
    if before is not None and before.stage_id == stage.pk:
        position = before.board_position - 0.5
    else:
        position = (
            Deal.objects.filter(stage=stage).aggregate(m=Max("board_position"))["m"] or 0
        ) + 1
    probe = Deal(status=deal.status, closed_at=deal.closed_at, probability=deal.probability)
    _apply_stage(probe, stage)
    data: dict[str, Any] = {
        "stage": stage,
        "status": probe.status,
        "closed_at": probe.closed_at,
        "probability": probe.probability,
    }
    if reason is not None and reason.strip():
        data["close_reason"] = reason.strip()
    if probe.status == Deal.Status.LOST and probe.status != deal.status:
        _require_lost_reason(probe.status, data.get("close_reason", ""))
    with transaction.atomic():
        moved = record_update(
            actor=actor,
            instance=deal,
            expected_version=expected_version,
            data=data,
        )
        Deal.objects.filter(pk=moved.pk).update(board_position=position)
        moved.board_position = position
    return moved


def deal_delete(*, actor: Any, deal: Deal) -> None:
    record_delete(actor=actor, instance=deal)
