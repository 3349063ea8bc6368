from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from perno.accounts.confidential import redact_changes
from perno.accounts.permissions import check
from perno.audit.models import ChangeEntry


def change_history(*, user: Any, instance: models.Model, limit: int = 50) -> list[ChangeEntry]:
    """Newest first, with the values of fields hidden from ``user`` (confidential)
    replaced by a marker."""
    check(user, "view", instance)
    entries = list(
        ChangeEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(instance), object_id=instance.pk
        )
        .select_related("actor")
        .order_by("-created_at", "-id")[:limit]
    )
    subject = instance._meta.model_name or ""
    for entry in entries:
        entry.changes = redact_changes(user, subject, entry.changes or {})
    return entries
