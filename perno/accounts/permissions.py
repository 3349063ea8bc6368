"""THE access gate. Every selector, view, API endpoint and job acting for a user asks
here. Today every active user may see and change every record; the scope and
confidentiality rules of the access-control issue tighten these two functions only."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.utils.translation import gettext as _

from perno.accounts.models import Role

ACTIONS = ("view", "create", "edit", "delete", "export", "manage")
# Actions that configure the system rather than touch records.
ADMIN_ONLY_SUBJECTS = {"customfield", "pipeline", "user", "team"}


def _is_active_user(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def _is_administrator(user: Any) -> bool:
    return bool(user.is_superuser or user.has_role(Role.ADMINISTRATOR))


def restrict(queryset: QuerySet, user: Any, action: str = "view") -> QuerySet:
    """Return only the rows of ``queryset`` that ``user`` may ``action``."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    if not _is_active_user(user):
        return queryset.none()
    return queryset


def can(user: Any, action: str, obj: Model | str | None = None) -> bool:
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    if not _is_active_user(user):
        return False
    subject = obj if isinstance(obj, str) else (obj._meta.model_name if obj is not None else "")
    if action == "manage" or (subject in ADMIN_ONLY_SUBJECTS and action != "view"):
        return _is_administrator(user)
    return True


def check(user: Any, action: str, obj: Model | str | None = None) -> None:
    """Raise PermissionDenied unless ``user`` may ``action`` ``obj``."""
    if not can(user, action, obj):
        raise PermissionDenied(_("You do not have permission to do this. Ask an administrator."))
