from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from perno.audit.models import ChangeEntry


def change_record(
    *, actor: Any, instance: models.Model, action: str, changes: dict[str, Any] | None = None
) -> ChangeEntry | None:
    """Write one change-history entry; call inside the service's transaction.
    An update that changed nothing writes nothing."""
    if action == ChangeEntry.Action.UPDATE and not changes:
        return None
    return ChangeEntry.objects.create(
        content_type=ContentType.objects.get_for_model(instance),
        object_id=instance.pk,
        object_repr=str(instance)[:200],
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        changes=changes or {},
    )
