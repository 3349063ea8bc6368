"""Writes to business calendars and SLA policies (Settings → Service levels): for
administrators only, validated in full, audited (change history and audit trail) in the
same transaction, which takes the audit chain's lock first."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils.translation import gettext as _

from perno.accounts.permissions import check
from perno.audit.models import ChangeEntry
from perno.audit.services import change_record
from perno.audit.trail import lock_chain
from perno.core.diffs import diff, snapshot
from perno.marketing.models import Segment
from perno.sla import defaults
from perno.sla.models import CALENDARS, POLICIES, BusinessCalendar, SlaPolicy

CALENDAR_FIELDS = [
    "name",
    "time_zone",
    "country",
    "subdivision",
    "hours",
    "closed_days",
    "open_days",
]
POLICY_FIELDS = [
    "name",
    "active",
    "priority",
    "segment",
    "calendar",
    "first_response_minutes",
    "resolution_minutes",
    "warn_before_minutes",
    "rank",
]


def _refuse_unknown(data: dict[str, Any], allowed: list[str]) -> None:
    unknown = set(data) - set(allowed)
    if unknown:
        raise ValidationError({key: [_("Unknown field.")] for key in sorted(unknown)})


def _audit(
    actor: Any, instance: models.Model, action: str, before: dict[str, Any], fields: list[str]
) -> None:
    after = snapshot(instance, fields)
    if action == ChangeEntry.Action.CREATE:
        changes = {k: [None, v] for k, v in after.items() if v not in (None, "", [], {}, False)}
    else:
        changes = diff(before, after)
    change_record(actor=actor, instance=instance, action=action, changes=changes)


def _save(
    *,
    actor: Any,
    model: type[models.Model],
    instance: models.Model | None,
    data: dict[str, Any],
    fields: list[str],
) -> Any:
    check(actor, "manage", model._meta.model_name or "")
    _refuse_unknown(data, fields)
    with transaction.atomic():
        lock_chain()
        if instance is None:
            target = model()
            before: dict[str, Any] = {}
        else:
            target = model._default_manager.select_for_update().get(pk=instance.pk)
            before = snapshot(target, fields)
        for key, value in data.items():
            setattr(target, key, value)
        target.full_clean()
        target.save()
        _audit(
            actor,
            target,
            ChangeEntry.Action.UPDATE if instance is not None else ChangeEntry.Action.CREATE,
            before,
            fields,
        )
    return target


# --- Calendars ----------------------------------------------------------------------------


def calendar_create(*, actor: Any, data: dict[str, Any]) -> BusinessCalendar:
    """A new business calendar. ``data``: name, time_zone, country, subdivision, hours,
    closed_days, open_days (see ``perno.sla.schedule`` for their shapes)."""
    return _save(
        actor=actor, model=BusinessCalendar, instance=None, data=data, fields=CALENDAR_FIELDS
    )


def calendar_update(
    *, actor: Any, calendar: BusinessCalendar, data: dict[str, Any]
) -> BusinessCalendar:
    return _save(
        actor=actor, model=BusinessCalendar, instance=calendar, data=data, fields=CALENDAR_FIELDS
    )


def _in_use(calendar: BusinessCalendar) -> ValidationError:
    names = list(calendar.policies.order_by("rank", "id").values_list("name", flat=True)[:5])
    return ValidationError(
        {
            "calendar": [
                _(
                    "This calendar is used by the policies %(names)s. Give them another calendar first."
                )
                % {"names": ", ".join(f"“{n}”" for n in names)}
            ]
        }
    )


def calendar_delete(*, actor: Any, calendar: BusinessCalendar) -> None:
    check(actor, "manage", CALENDARS)
    with transaction.atomic():
        lock_chain()
        target = BusinessCalendar.objects.select_for_update().get(pk=calendar.pk)
        if target.policies.exists():
            raise _in_use(target)
        change_record(actor=actor, instance=target, action=ChangeEntry.Action.DELETE, changes={})
        try:
            with transaction.atomic():
                target.delete()
        except (ProtectedError, RestrictedError):
            raise _in_use(target) from None


# --- Policies -----------------------------------------------------------------------------


def _check_links(data: dict[str, Any]) -> None:
    errors: dict[str, list[str]] = {}
    segment = data.get("segment")
    if segment is not None and not isinstance(segment, Segment):
        errors["segment"] = [_("Choose a customer group (a segment), or none for any customer.")]
    if "calendar" in data and not isinstance(data["calendar"], BusinessCalendar):
        errors["calendar"] = [_("Choose a business calendar.")]
    if errors:
        raise ValidationError(errors)


def policy_create(*, actor: Any, data: dict[str, Any]) -> SlaPolicy:
    """A new SLA policy. ``data``: name, active, priority (1-4 or None for any), segment
    (a ``Segment`` or None for any customer), calendar, first_response_minutes,
    resolution_minutes, warn_before_minutes, rank."""
    _check_links(data)
    return _save(actor=actor, model=SlaPolicy, instance=None, data=data, fields=POLICY_FIELDS)


def policy_update(*, actor: Any, policy: SlaPolicy, data: dict[str, Any]) -> SlaPolicy:
    _check_links(data)
    return _save(actor=actor, model=SlaPolicy, instance=policy, data=data, fields=POLICY_FIELDS)


def policy_delete(*, actor: Any, policy: SlaPolicy) -> None:
    check(actor, "manage", POLICIES)
    with transaction.atomic():
        lock_chain()
        target = SlaPolicy.objects.select_for_update().get(pk=policy.pk)
        change_record(actor=actor, instance=target, action=ChangeEntry.Action.DELETE, changes={})
        try:
            with transaction.atomic():
                target.delete()
        except (ProtectedError, RestrictedError):
            raise ValidationError(
                {
                    "policy": [
                        _(
                            "Cases are counted against this policy, so it cannot be deleted. Make it inactive instead."
                        )
                    ]
                }
            ) from None


# --- Shipped defaults -------------------------------------------------------------------------


def sla_ensure_defaults() -> None:
    """The shipped calendars and policies, on a database that has none (a new
    installation, a test database after a flush, the demo). Never overwrites or
    re-creates what an administrator changed or deleted: it does nothing once any
    calendar (or, for the policies, any policy) exists. Migration ``0002_defaults``
    does the same on ``migrate``."""
    with transaction.atomic():
        lock_chain()
        if not BusinessCalendar.objects.exists():
            for spec in defaults.CALENDARS:
                calendar = BusinessCalendar(**spec)
                calendar.full_clean()
                calendar.save()
        if SlaPolicy.objects.exists():
            return
        region = str(getattr(settings, "PERNO_DEFAULT_REGION", "IT")).upper()
        name = defaults.CALENDAR_FOR_REGION.get(region, defaults.CALENDARS[0]["name"])
        found = (
            BusinessCalendar.objects.filter(name=name).first()
            or BusinessCalendar.objects.order_by("id").first()
        )
        if found is None:
            return
        for priority, policy_name, first, resolution, rank in defaults.POLICIES:
            policy = SlaPolicy(
                name=policy_name,
                priority=priority,
                calendar=found,
                first_response_minutes=first,
                resolution_minutes=resolution,
                warn_before_minutes=defaults.warning_for(first),
                rank=rank,
            )
            policy.full_clean()
            policy.save()
