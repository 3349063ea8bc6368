"""Writes to pipelines and their stages (Settings → Pipelines)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from perno.accounts.permissions import check
from perno.sales.models import Deal, Pipeline, Stage


@transaction.atomic
def pipeline_create(
    *, actor: Any, name: str, stages: list[tuple[str, int, str]], is_default: bool = False
) -> Pipeline:
    """Create a pipeline with ordered stages given as (name, probability, kind)."""
    check(actor, "manage", "pipeline")
    if not stages:
        raise ValidationError({"stages": [_("A pipeline needs at least one stage.")]})
    pipeline = Pipeline(
        name=name.strip(),
        is_default=is_default,
        position=(Pipeline.objects.aggregate(m=Max("position"))["m"] or 0) + 1,
    )
    pipeline.full_clean()
    if is_default:
        Pipeline.objects.filter(is_default=True).update(is_default=False)
    pipeline.save()
    for position, (stage_name, probability, kind) in enumerate(stages):
        stage = Stage(
            pipeline=pipeline,
            name=stage_name,
            position=position,
            probability=probability,
            kind=kind,
        )
        stage.full_clean()
        stage.save()
    return pipeline


@transaction.atomic
def stage_update(*, actor: Any, stage: Stage, data: dict[str, Any]) -> Stage:
    check(actor, "manage", "pipeline")
    for key in set(data) & {"name", "probability", "kind", "position"}:
        setattr(stage, key, data[key])
    stage.full_clean()
    stage.save()
    return stage


@transaction.atomic
def stage_add(
    *, actor: Any, pipeline: Pipeline, name: str, probability: int = 10, kind: str = Stage.Kind.OPEN
) -> Stage:
    check(actor, "manage", "pipeline")
    position = (pipeline.stages.aggregate(m=Max("position"))["m"] or 0) + 1
    stage = Stage(
        pipeline=pipeline, name=name.strip(), probability=probability, kind=kind, position=position
    )
    stage.full_clean()
    stage.save()
    return stage


@transaction.atomic
def stages_reorder(*, actor: Any, pipeline: Pipeline, stage_ids: list[int]) -> None:
    check(actor, "manage", "pipeline")
    existing = set(pipeline.stages.values_list("id", flat=True))
    if set(stage_ids) != existing or len(stage_ids) != len(existing):
        raise ValidationError({"stages": [_("Give every stage of this pipeline exactly once.")]})
    for position, stage_id in enumerate(stage_ids):
        Stage.objects.filter(pk=stage_id).update(position=position)


@transaction.atomic
def pipeline_update(
    *, actor: Any, pipeline: Pipeline, name: str | None = None, is_default: bool | None = None
) -> Pipeline:
    check(actor, "manage", "pipeline")
    if name is not None:
        pipeline.name = name.strip()
    if is_default:
        Pipeline.objects.exclude(pk=pipeline.pk).filter(is_default=True).update(is_default=False)
        pipeline.is_default = True
    elif is_default is False:
        pipeline.is_default = False
    pipeline.full_clean()
    pipeline.save()
    return pipeline


@transaction.atomic
def pipeline_delete(*, actor: Any, pipeline: Pipeline) -> None:
    check(actor, "manage", "pipeline")
    if Deal.objects.filter(pipeline=pipeline).exists():
        raise ValidationError(
            {"pipeline": [_("This pipeline still has deals. Move or delete them first.")]}
        )
    pipeline.delete()


@transaction.atomic
def stage_delete(*, actor: Any, stage: Stage) -> None:
    check(actor, "manage", "pipeline")
    if Deal.objects.filter(stage=stage).exists():
        raise ValidationError(
            {"stage": [_("This stage still has deals. Move them to another stage first.")]}
        )
    if stage.pipeline.stages.count() <= 1:
        raise ValidationError({"stage": [_("A pipeline needs at least one stage.")]})
    stage.delete()
