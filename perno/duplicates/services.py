"""Every write of the duplicate finder: starting a run, deciding a pair, the thresholds."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from perno.accounts.permissions import check
from perno.audit import trail
from perno.audit.models import AuditEvent
from perno.duplicates import selectors
from perno.duplicates.models import DuplicatePair, FinderRun, FinderSettings

STALE_AFTER = timedelta(hours=6)  # a run still "running" after this has died


class RunRefused(Exception):
    """A run is already going on."""


def running() -> FinderRun | None:
    return FinderRun.objects.filter(
        status=FinderRun.Status.RUNNING, started_at__gt=timezone.now() - STALE_AFTER
    ).first()


def run_start(*, actor: Any) -> FinderRun:
    """The row of a new run (the caller queues ``tasks.find_task`` after commit);
    refused while another one runs. ``actor`` None: the schedule."""
    if actor is not None and not selectors.reviewable_kinds(actor):
        raise PermissionDenied(
            _("Only people who may edit contacts or companies may look for duplicates.")
        )
    with transaction.atomic():
        current = running()
        if current is not None:
            raise RunRefused(
                _("A search for duplicates is already running (started %(when)s).")
                % {
                    "when": date_format(
                        timezone.localtime(current.started_at), "SHORT_DATETIME_FORMAT"
                    )
                }
            )
        return FinderRun.objects.create(started_by=actor)


def pair_dismiss(*, actor: Any, pk: Any) -> DuplicatePair:
    """Mark a pair "not a duplicate": later runs keep the decision."""
    return _decide(actor, pk, DuplicatePair.Status.DISMISSED)


def pair_reopen(*, actor: Any, pk: Any) -> DuplicatePair:
    """Undo "not a duplicate": the pair is back in the queue."""
    return _decide(actor, pk, DuplicatePair.Status.OPEN)


def _decide(actor: Any, pk: Any, status: str) -> DuplicatePair:
    """Set a pair's status (who and when, for "not a duplicate"), with its audit entry."""
    dismissed = status == DuplicatePair.Status.DISMISSED
    with transaction.atomic():
        trail.lock_chain()
        pair = selectors.pair_get(user=actor, pk=pk)
        DuplicatePair.objects.filter(pk=pair.pk).update(
            status=status,
            decided_at=timezone.now() if dismissed else None,
            decided_by=actor if dismissed else None,
        )
        pair.refresh_from_db()
        trail.record(
            actor=actor,
            action=AuditEvent.Action.UPDATE,
            obj=pair,
            subject="",
            fields=["status"],
            detail={"status": pair.status},
        )
    return pair


def settings_update(*, actor: Any, **values: Any) -> FinderSettings:
    """Change the thresholds (administrators)."""
    check(actor, "manage")
    with transaction.atomic():
        trail.lock_chain()
        config = FinderSettings.current()
        unknown = set(values) - {"contact_threshold", "company_threshold"}
        if unknown:
            raise ValidationError({name: _("Unknown setting.") for name in sorted(unknown)})
        changed = [name for name, value in values.items() if getattr(config, name) != value]
        for name, value in values.items():
            setattr(config, name, value)
        config.full_clean()
        config.save()
        trail.record(
            actor=actor, action=AuditEvent.Action.UPDATE, obj=config, subject="", fields=changed
        )
    return config
