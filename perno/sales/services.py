"""Every write to pipelines, leads, deals, products and orders."""

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
from perno.core.validators import normalize_phone
from perno.records.services import (
    record_create,
    record_delete,
    record_update,
    reject_unknown_fields,
    tags_from_names,
)
from perno.sales.models import (
    CURRENCY_CHOICES,
    CustomerCost,
    Deal,
    Lead,
    Order,
    OrderLine,
    Pipeline,
    Product,
    Stage,
)

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


ORDER_FIELDS = {
    "number",
    "contact",
    "company",
    "ordered_on",
    "currency",
    "total",
    "cost",
    "status",
    "is_confidential",
    "owner",
    "team",
}
LINE_FIELDS = {"product", "description", "quantity", "unit_price"}
CENT = Decimal("0.01")


def _decimal(value: Any, label: str, errors: list[str], *, line: int) -> Decimal | None:
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except (ArithmeticError, ValueError):
        errors.append(
            _("Line %(n)s: %(field)s “%(value)s” is not a number.")
            % {"n": line, "field": label, "value": value}
        )
        return None
    if not number.is_finite() or number < 0:
        errors.append(
            _("Line %(n)s: %(field)s must be zero or more.") % {"n": line, "field": label}
        )
        return None
    return number


def _clean_lines(actor: Any, lines: list[dict[str, Any]]) -> list[OrderLine]:
    """Order lines from plain values; every problem reported with its line number."""
    from perno.sales.selectors import product_list

    errors: list[str] = []
    built: list[OrderLine] = []
    products = {
        p.pk: p
        for p in product_list(user=actor).filter(
            pk__in=[line.get("product") for line in lines if isinstance(line.get("product"), int)]
        )
    }
    for n, line in enumerate(lines, 1):
        if not isinstance(line, dict):
            errors.append(_("Line %(n)s: expected an object.") % {"n": n})
            continue
        unknown = set(line) - LINE_FIELDS
        if unknown:
            errors.append(
                _("Line %(n)s: unknown fields %(fields)s; use %(known)s.")
                % {
                    "n": n,
                    "fields": ", ".join(sorted(unknown)),
                    "known": ", ".join(sorted(LINE_FIELDS)),
                }
            )
            continue
        product = None
        if line.get("product") not in (None, ""):
            product = products.get(line["product"]) if isinstance(line["product"], int) else None
            if product is None:
                errors.append(
                    _("Line %(n)s: product %(id)s does not exist or you may not see it.")
                    % {"n": n, "id": line["product"]}
                )
                continue
        description = str(line.get("description") or (product.name if product else "")).strip()
        if not description:
            errors.append(_("Line %(n)s: give a description or a product.") % {"n": n})
            continue
        if len(description) > 200:
            errors.append(
                _("Line %(n)s: the description is longer than 200 characters.") % {"n": n}
            )
            continue
        quantity = _decimal(line.get("quantity", 1), _("quantity"), errors, line=n)
        raw_price = line.get("unit_price")
        if raw_price in (None, "") and product is not None:
            raw_price = product.unit_price
        if raw_price in (None, ""):
            errors.append(_("Line %(n)s: give a unit price.") % {"n": n})
            continue
        price = _decimal(raw_price, _("unit price"), errors, line=n)
        if quantity is None or price is None:
            continue
        if quantity.as_tuple().exponent < -3 or price.as_tuple().exponent < -2:  # type: ignore[operator]
            errors.append(
                _("Line %(n)s: quantities have at most 3 decimals, prices at most 2.") % {"n": n}
            )
            continue
        built.append(
            OrderLine(
                product=product,
                description=description,
                quantity=quantity,
                unit_price=price,
                total=(quantity * price).quantize(CENT),
                position=n,
            )
        )
    if errors:
        raise ValidationError({"lines": errors})
    return built


def _order_buyer(actor: Any, data: dict[str, Any]) -> dict[str, Any]:
    """Resolve contact and company ids to records the actor may see."""
    from perno.contacts.selectors import company_list, contact_list

    resolved = dict(data)
    for name, lister in (("contact", contact_list), ("company", company_list)):
        value = data.get(name)
        if value in (None, "") or hasattr(value, "pk"):
            continue
        found = lister(user=actor).filter(pk=value).first() if str(value).isdigit() else None
        if found is None:
            raise ValidationError(
                {
                    name: [
                        _("No %(what)s with id %(id)s that you may see.")
                        % {"what": name, "id": value}
                    ]
                }
            )
        resolved[name] = found
    return resolved


def _check_order(order: Order, lines: list[OrderLine] | None) -> None:
    errors: dict[str, list[str]] = {}
    if order.contact_id is None and order.company_id is None:
        errors["contact"] = [_("Give the buyer: a contact, a company or both.")]
    if order.ordered_on and order.ordered_on > timezone.localdate():
        errors["ordered_on"] = [_("The order date is in the future; enter the date it was placed.")]
    if order.currency not in dict(CURRENCY_CHOICES):
        errors["currency"] = [
            _("Unknown currency “%(value)s”; use one of: %(known)s.")
            % {"value": order.currency, "known": ", ".join(dict(CURRENCY_CHOICES))}
        ]
    if lines:
        order.total = sum((line.total for line in lines), Decimal("0"))
    elif order.total is None:
        errors["total"] = [_("Give the total, or order lines to compute it from.")]
    if errors:
        raise ValidationError(errors)


def order_create(
    *,
    actor: Any,
    data: dict[str, Any],
    lines: list[dict[str, Any]] | None = None,
    tags: Iterable[str] | None = None,
    source: str = Order.Source.MANUAL,
) -> Order:
    """A new order. With lines, the total is their sum; without, ``total`` is required."""
    reject_unknown_fields(data, ORDER_FIELDS)
    clean = _order_buyer(actor, data)
    built = _clean_lines(actor, lines or [])
    order = Order(**{k: v for k, v in clean.items() if v is not None}, source=source)
    _check_order(order, built)
    with transaction.atomic():
        order = record_create(actor=actor, instance=order, tags=tags_from_names(tags or []))
        for line in built:
            line.order = order
        OrderLine.objects.bulk_create(built)
    return order


def order_update(
    *,
    actor: Any,
    order: Order,
    data: dict[str, Any],
    expected_version: int | None,
    lines: list[dict[str, Any]] | None = None,
    tags: Iterable[str] | None = None,
) -> Order:
    """Change an order; ``lines`` (when given) replace the order's lines."""
    reject_unknown_fields(data, ORDER_FIELDS)
    clean = _order_buyer(actor, data)
    built = _clean_lines(actor, lines) if lines is not None else None
    with transaction.atomic():
        if built:
            clean["total"] = sum((line.total for line in built), Decimal("0"))
        probe = Order(
            **{**{f.attname: getattr(order, f.attname) for f in Order._meta.concrete_fields}}
        )
        for key, value in clean.items():
            setattr(probe, key, value)
        _check_order(probe, built)
        updated = record_update(
            actor=actor,
            instance=order,
            data=clean,
            expected_version=expected_version,
            tags=tags_from_names(tags) if tags is not None else None,
        )
        if built is not None:
            updated.lines.all().delete()
            for line in built:
                line.order = updated
            OrderLine.objects.bulk_create(built)
    return updated


def order_delete(*, actor: Any, order: Order) -> None:
    record_delete(actor=actor, instance=order)


def customer_cost_add(*, actor: Any, customer: Any, data: dict[str, Any]) -> CustomerCost:
    """A cost of serving ``customer`` (a contact or company the actor may edit)."""
    check(actor, "edit", customer)
    reject_unknown_fields(data, {"incurred_on", "amount", "description"})
    errors: dict[str, list[str]] = {}
    try:
        amount = Decimal(str(data.get("amount", "")).strip().replace(",", "."))
        if not amount.is_finite() or amount < 0:
            raise ArithmeticError
    except (ArithmeticError, ValueError):
        errors["amount"] = [_("Give the amount as a number, zero or more (e.g. 45.50).")]
    day = data.get("incurred_on")
    if isinstance(day, str):
        import datetime as _dt

        try:
            day = _dt.date.fromisoformat(day)
        except ValueError:
            day = None
    if day is None:
        errors["incurred_on"] = [_("Give the date as YYYY-MM-DD.")]
    elif day > timezone.localdate():
        errors["incurred_on"] = [_("The date is in the future; enter when the cost was incurred.")]
    description = str(data.get("description") or "").strip()
    if not description or len(description) > 200:
        errors["description"] = [_("Describe the cost in 1 to 200 characters.")]
    if errors:
        raise ValidationError(errors)
    field = "contact" if isinstance(customer, Contact) else "company"
    assert day is not None  # checked above
    cost = CustomerCost(
        incurred_on=day,
        amount=amount,
        description=description,
        created_by=actor if getattr(actor, "pk", None) else None,
        **{field: customer},
    )
    with transaction.atomic():
        cost.full_clean()
        cost.save()
        change_record(
            actor=actor,
            instance=customer,
            action=ChangeEntry.Action.UPDATE,
            changes={"costs": [None, f"{cost.incurred_on} {cost.amount}"]},
        )
    return cost
