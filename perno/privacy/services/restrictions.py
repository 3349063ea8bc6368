"""Where each contact's data came from, and restrictions of processing (Art. 18)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from perno.accounts.permissions import check
from perno.audit import trail
from perno.audit.models import AuditEvent
from perno.privacy.models import Channel, DataSource, Restriction


def data_source_record(*, actor: Any, contact: Any, channel: str, detail: str = "") -> DataSource:
    """Where ``contact``'s data came from; written in the transaction that created it."""
    if channel not in Channel.values:
        raise ValidationError({"channel": [_("Unknown channel “%(c)s”.") % {"c": channel}]})
    return DataSource.objects.create(
        contact=contact,
        channel=channel,
        detail=(detail or "")[:500],
        recorded_by=actor if getattr(actor, "pk", None) else None,
    )


def restriction_start(*, actor: Any, contact: Any, reason: str) -> Restriction:
    """Restrict processing (Art. 18): only storage until lifted."""
    check(actor, "manage", "privacy")
    if not (reason or "").strip():
        raise ValidationError(
            {"reason": [_("Say why processing is restricted, e.g. the accuracy is contested.")]}
        )
    with transaction.atomic():
        if Restriction.objects.filter(contact=contact, lifted_at__isnull=True).exists():
            raise ValidationError(
                {"__all__": [_("Processing of this contact is already restricted.")]}
            )
        restriction = Restriction.objects.create(
            contact=contact, reason=reason.strip(), started_by=actor
        )
        trail.record(
            actor=actor,
            action=AuditEvent.Action.REQUEST,
            obj=contact,
            fields=[],
            detail={"restriction": restriction.pk, "step": "restricted"},
        )
    return restriction


def restriction_lift(*, actor: Any, restriction: Restriction) -> Restriction:
    check(actor, "manage", "privacy")
    with transaction.atomic():
        restriction = Restriction.objects.select_for_update().get(pk=restriction.pk)
        if restriction.lifted_at is not None:
            raise ValidationError({"__all__": [_("This restriction was already lifted.")]})
        restriction.lifted_at = timezone.now()
        restriction.lifted_by = actor
        restriction.save(update_fields=["lifted_at", "lifted_by"])
        trail.record(
            actor=actor,
            action=AuditEvent.Action.REQUEST,
            obj=restriction.contact,
            detail={"restriction": restriction.pk, "step": "lifted"},
        )
    return restriction


def is_restricted(contact: Any) -> bool:
    return Restriction.objects.filter(contact=contact, lifted_at__isnull=True).exists()
