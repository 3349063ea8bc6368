"""Every write to pipelines, leads, deals and products."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from perno.accounts.permissions import check
from perno.audit.models import ChangeEntry
from perno.audit.services import change_record
from perno.contacts import services as contact_services
from perno.contacts.custom_fields import clean_custom_fields
from perno.contacts.models import Company, Contact, CustomFieldDefinition
from perno.core.records import (
    record_create,
    record_delete,
    record_update,
    reject_unknown_fields,
    tags_from_names,
)
from perno.core.validators import normalize_phone
from perno.sales.models import Deal, Lead, Pipeline, Product, Stage

LEAD_FIELDS = {
    "is_confidential",
    "first_name",
    "last_name",
    "company_name",
    "job_title",
    "email",
    "phone",
    "country",
    "source",
    "status",
    "notes",
    "owner",
    "team",
}
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
PRODUCT_FIELDS = {
    "is_confidential",
    "name",
    "sku",
    "description",
    "unit_price",
    "currency",
    "vat_rate",
    "is_active",
    "owner",
    "team",
}


# Pipelines ---------------------------------------------------------------------------


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
    if set(stage_ids) != existing:
        raise ValidationError({"stages": [_("Give every stage of this pipeline exactly once.")]})
    for position, stage_id in enumerate(stage_ids):
        Stage.objects.filter(pk=stage_id).update(position=position)


# Leads -------------------------------------------------------------------------------


def _lead_normalize(data: dict[str, Any]) -> dict[str, Any]:
    data = dict(data)
    if data.get("phone"):
        try:
            data["phone"] = normalize_phone(data["phone"], data.get("country") or None)
        except ValidationError as exc:
            raise ValidationError({"phone": exc.messages}) from exc
    if data.get("country"):
        data["country"] = str(data["country"]).upper()
    return data


def lead_create(*, actor: Any, data: dict[str, Any], tags: Iterable[str] | None = None) -> Lead:
    reject_unknown_fields(data, LEAD_FIELDS)
    lead = Lead(**_lead_normalize(data))
    if lead.status == Lead.Status.CONVERTED:
        raise ValidationError({"status": [_("A lead becomes converted only through “Convert”.")]})
    with transaction.atomic():
        return record_create(actor=actor, instance=lead, tags=tags_from_names(tags or []))


def lead_update(
    *,
    actor: Any,
    lead: Lead,
    data: dict[str, Any],
    expected_version: int | None,
    tags: Iterable[str] | None = None,
) -> Lead:
    reject_unknown_fields(data, LEAD_FIELDS)
    if data.get("status") == Lead.Status.CONVERTED and lead.status != Lead.Status.CONVERTED:
        raise ValidationError({"status": [_("A lead becomes converted only through “Convert”.")]})
    if (
        lead.status == Lead.Status.CONVERTED
        and data.get("status", lead.status) != Lead.Status.CONVERTED
    ):
        raise ValidationError({"status": [_("A converted lead cannot change status.")]})
    with transaction.atomic():
        return record_update(
            actor=actor,
            instance=lead,
            data=_lead_normalize(data),
            expected_version=expected_version,
            tags=tags_from_names(tags) if tags is not None else None,
        )


def lead_delete(*, actor: Any, lead: Lead) -> None:
    record_delete(actor=actor, instance=lead)


def lead_convert(
    *,
    actor: Any,
    lead: Lead,
    company: Company | None = None,
    create_deal: bool = True,
    deal_title: str = "",
    amount: Decimal | None = None,
    currency: str | None = None,
    pipeline: Pipeline | None = None,
    expected_version: int | None = None,
) -> tuple[Contact, Company | None, Deal | None]:
    """Turn a lead into a contact, a company (an existing one or a new one from the
    lead's company name) and optionally a deal, in one transaction. The lead stays,
    marked converted and linked to what it became; its activities and comments follow."""
    with transaction.atomic():
        locked = Lead.objects.select_for_update().get(pk=lead.pk)
        check(actor, "edit", locked)
        if expected_version is not None and locked.version != expected_version:
            from perno.core.exceptions import ConflictError

            raise ConflictError(
                _("Someone else changed this lead meanwhile. Reload it and convert again."),
                current=locked,
                current_version=locked.version,
            )
        if locked.status == Lead.Status.CONVERTED:
            raise ValidationError({"status": [_("This lead has already been converted.")]})
        owner = locked.owner or actor
        if company is None and locked.company_name:
            company = contact_services.company_create(
                actor=actor,
                data={
                    "name": locked.company_name,
                    "country": locked.country,
                    "owner": owner,
                    "team": locked.team,
                },
            )
        contact = contact_services.contact_create(
            actor=actor,
            data={
                "first_name": locked.first_name or "-",
                "last_name": locked.last_name,
                "email": locked.email,
                "phone": locked.phone,
                "job_title": locked.job_title,
                "country": locked.country,
                "notes": locked.notes,
                "owner": owner,
                "team": locked.team,
            },
            companies=[(company, locked.job_title)] if company else [],
            tags=[t.name for t in locked.tags.all()],
        )
        deal = None
        if create_deal:
            deal = deal_create(
                actor=actor,
                data={
                    "title": deal_title
                    or (_("Opportunity: %(name)s") % {"name": company or contact}),
                    "company": company,
                    "contact": contact,
                    "pipeline": pipeline,
                    "amount": amount if amount is not None else Decimal("0"),
                    "currency": currency or None,
                    "owner": owner,
                    "team": locked.team,
                },
            )
        locked.status = Lead.Status.CONVERTED
        locked.converted_at = timezone.now()
        locked.converted_contact = contact
        locked.converted_company = company
        locked.converted_deal = deal
        locked.version += 1
        locked.save()
        change_record(
            actor=actor,
            instance=locked,
            action=ChangeEntry.Action.CONVERT,
            changes={
                "status": [lead.status, Lead.Status.CONVERTED],
                "converted_contact": [None, str(contact)],
                "converted_company": [None, str(company) if company else None],
                "converted_deal": [None, str(deal) if deal else None],
            },
        )
        from perno.activities.services import activities_relink_lead

        activities_relink_lead(
            actor=actor, lead=locked, contact=contact, company=company, deal=deal
        )
    return contact, company, deal


# Deals -------------------------------------------------------------------------------


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
) -> Deal:
    """Move a deal to ``stage`` (the board's drag and drop and keyboard moves).
    Won/lost stages close the deal; an open stage re-opens it."""
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
    with transaction.atomic():
        moved = record_update(
            actor=actor,
            instance=deal,
            expected_version=expected_version,
            data={
                "stage": stage,
                "status": probe.status,
                "closed_at": probe.closed_at,
                "probability": probe.probability,
            },
        )
        Deal.objects.filter(pk=moved.pk).update(board_position=position)
        moved.board_position = position
    return moved


def deal_delete(*, actor: Any, deal: Deal) -> None:
    record_delete(actor=actor, instance=deal)


# Products ----------------------------------------------------------------------------


def product_create(
    *, actor: Any, data: dict[str, Any], tags: Iterable[str] | None = None
) -> Product:
    reject_unknown_fields(data, PRODUCT_FIELDS)
    product = Product(**{k: v for k, v in data.items() if v is not None})
    with transaction.atomic():
        return record_create(actor=actor, instance=product, tags=tags_from_names(tags or []))


def product_update(
    *,
    actor: Any,
    product: Product,
    data: dict[str, Any],
    expected_version: int | None,
    tags: Iterable[str] | None = None,
) -> Product:
    reject_unknown_fields(data, PRODUCT_FIELDS)
    with transaction.atomic():
        return record_update(
            actor=actor,
            instance=product,
            data=data,
            expected_version=expected_version,
            tags=tags_from_names(tags) if tags is not None else None,
        )


def product_delete(*, actor: Any, product: Product) -> None:
    record_delete(actor=actor, instance=product)


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
