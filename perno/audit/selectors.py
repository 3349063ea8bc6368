from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import QuerySet

from perno.accounts.permissions import check
from perno.audit.models import ChangeEntry


def change_history(*, user: Any, instance: models.Model, limit: int = 50) -> QuerySet[ChangeEntry]:
    """Newest first; the caller must already have been allowed to view ``instance``."""
    check(user, "view", instance)
    return (
        ChangeEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(instance), object_id=instance.pk
        )
        .select_related("actor")
        .order_by("-created_at", "-id")[:limit]
    )
