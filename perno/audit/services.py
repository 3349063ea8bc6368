from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from perno.audit import trail
from perno.audit.models import AuditEvent, ChangeEntry
from perno.core import sealing

_AUDIT_ACTIONS: dict[str, str] = {
    ChangeEntry.Action.CREATE: AuditEvent.Action.CREATE,
    ChangeEntry.Action.UPDATE: AuditEvent.Action.UPDATE,
    ChangeEntry.Action.DELETE: AuditEvent.Action.DELETE,
    ChangeEntry.Action.CONVERT: AuditEvent.Action.UPDATE,
}


def change_record(
    *, actor: Any, instance: models.Model, action: str, changes: dict[str, Any] | None = None
) -> ChangeEntry | None:
    """Write one change-history entry; call inside the service's transaction.
    An update that changed nothing writes nothing."""
    if action == ChangeEntry.Action.UPDATE and not changes:
        return None

    changes = sealing.mask_changes(instance._meta.model_name or "", changes or {})

    trail.record(
        actor=actor,
        action=_AUDIT_ACTIONS[action],
        obj=instance,
        fields=[name for name in (changes or {}) if isinstance(name, str)],
        detail={"conversion": True} if action == ChangeEntry.Action.CONVERT else None,
    )
    return ChangeEntry.objects.create(
        content_type=ContentType.objects.get_for_model(instance),
        object_id=instance.pk,
        object_repr=str(instance)[:200],
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        changes=changes or {},
    )
