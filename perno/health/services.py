"""Writes of the health check: the day's snapshot and the monthly report preference."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from perno.accounts.permissions import can, check, sees_all
from perno.accounts.services import user_set_preference
from perno.health.figures import compute, visible
from perno.health.models import HealthSnapshot

EMAIL_PREFERENCE = "health_report_email"
# The record types the stored figures count: their snapshot is for who sees them all.
EVERYTHING = ("contact", "company", "deal", "activity")


def gate(user: Any) -> None:
    """The health check is for who may view contacts or companies."""
    if not (can(user, "view", "contact") or can(user, "view", "company")):
        raise PermissionDenied(
            _(
                "The health check is for people who may view contacts or companies: ask an administrator."
            )
        )


def health_for(*, user: Any) -> tuple[HealthSnapshot | None, dict[str, Any]]:
    """The figures ``user`` gets (the aggregates rule): the latest snapshot over every
    record for who sees every contact, company, deal and activity (taken now if there is
    none yet), else the figures computed now over the records ``user`` may see.

    Either way the groups needing a further right (``figures.GATED``: the compliance
    figures need the privacy right) are left out for a user without it, and the score is
    the one over the figures they get: from the snapshot, ``figures.visible`` drops them
    and computes the area scores and the score again. (The stored scores of the history
    and of earlier snapshots, read by ``selectors``, were computed with every figure.)"""
    if sees_all(user, *EVERYTHING):
        snapshot = HealthSnapshot.objects.order_by("-day").first() or snapshot_take()
        return snapshot, visible(snapshot.figures, user)
    return None, compute(user=user)


def snapshot_take(*, actor: Any = None, now: datetime | None = None) -> HealthSnapshot:
    """Compute the figures over every record and keep them as the day's snapshot (one
    per day: a second run the same day replaces it). ``actor`` None: the scheduled job."""
    if actor is not None:
        check(actor, "manage")
    started = time.perf_counter()
    figures = compute(user=None, now=now)
    seconds = round(time.perf_counter() - started, 3)
    taken_at = now or timezone.now()
    with transaction.atomic():
        snapshot, _created = HealthSnapshot.objects.select_for_update().update_or_create(
            day=timezone.localdate(taken_at),
            defaults={
                "taken_at": taken_at,
                "score": figures["score"],
                "figures": figures,
                "seconds": seconds,
            },
        )
    return snapshot


def may_get_report(user: Any) -> bool:
    """Whether the monthly report is for ``user``'s kind of role: administrators and
    who handles personal data."""
    return can(user, "manage") or can(user, "view", "privacy")


def report_email_set(*, actor: Any, wanted: bool) -> None:
    """A recipient's choice to receive (or not) the monthly report."""
    if not may_get_report(actor):
        check(actor, "manage")  # raises, naming the right
    user_set_preference(user=actor, key=EMAIL_PREFERENCE, value=bool(wanted))


def wants_report(user: Any) -> bool:
    return bool((user.preferences or {}).get(EMAIL_PREFERENCE, True))
