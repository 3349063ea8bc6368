"""The breach register (Art. 33-34): record, the 72-hour clock, reminders at 24 and 60
hours, notification to the authority and to people, a reason when late."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from perno.accounts.permissions import check
from perno.accounts.selectors import users_handling_privacy
from perno.activities.services import notify
from perno.audit import trail
from perno.audit.models import AuditEvent
from perno.core.privacy import CATEGORIES
from perno.privacy.models import Breach

FIELDS = (
    "title",
    "description",
    "discovered_at",
    "occurred_at",
    "categories",
    "people_affected",
    "records_affected",
    "consequences",
    "measures",
    "high_risk",
    "authority_notified_at",
    "authority_reference",
    "people_notified_at",
    "people_notice",
    "no_notification_reason",
    "late_reason",
)
REMIND_HOURS = (24, 60)


def _validate(breach: Breach, now: datetime) -> None:
    errors: dict[str, list[str]] = {}
    if not breach.title.strip():
        errors["title"] = [_("Give the breach a short title.")]
    if not breach.description.strip():
        errors["description"] = [_("Describe what happened: the nature of the breach.")]
    if breach.discovered_at is None:
        errors["discovered_at"] = [
            _("Say when the breach was discovered: the 72 hours start then.")
        ]
    elif breach.discovered_at > now + timedelta(minutes=5):
        errors["discovered_at"] = [_("A breach cannot be discovered in the future.")]
    unknown = sorted(set(breach.categories or []) - set(CATEGORIES))
    if unknown:
        errors["categories"] = [
            _("Unknown data categories: %(unknown)s.") % {"unknown": ", ".join(unknown)}
        ]
    found = breach.discovered_at
    for name in ("occurred_at", "authority_notified_at", "people_notified_at"):
        value = getattr(breach, name)
        if value and value > now + timedelta(minutes=5):
            errors[name] = [_("This date is in the future.")]
    for name in ("authority_notified_at", "people_notified_at"):
        value = getattr(breach, name)
        if value and found and value < found:
            errors[name] = [_("A notification cannot come before the discovery.")]
    if breach.occurred_at and found and breach.occurred_at > found:
        errors["occurred_at"] = [_("A breach cannot occur after it was discovered.")]
    notified = breach.authority_notified_at
    if found and notified and notified > breach.deadline and not breach.late_reason.strip():
        errors["late_reason"] = [
            _(
                "More than 72 hours have passed since the discovery: give the reasons for the delay (Art. 33(1))."
            )
        ]
    if breach.authority_notified_at and breach.no_notification_reason.strip():
        errors["no_notification_reason"] = [
            _("The authority was notified: leave the reason for not notifying empty.")
        ]
    if errors:
        raise ValidationError(errors)


def breach_save(*, actor: Any, breach: Breach | None, data: dict[str, Any]) -> Breach:
    check(actor, "manage", "privacy")
    unknown = set(data) - set(FIELDS)
    if unknown:
        raise ValidationError({"__all__": [_("Unknown fields: %s") % ", ".join(sorted(unknown))]})
    target = breach or Breach(recorded_by=actor)
    changed = [k for k, v in data.items() if getattr(target, k) != v]
    for key, value in data.items():
        if isinstance(value, str):
            value = value.strip()
        setattr(target, key, value)
    _validate(target, timezone.now())
    target.full_clean(exclude=["recorded_by"])
    with transaction.atomic():
        target.save()
        trail.record(
            actor=actor,
            action=AuditEvent.Action.BREACH,
            obj=target,
            subject="",
            fields=changed,
            detail={"breach": target.pk, "step": "recorded" if breach is None else "updated"},
        )
    return target


def breach_close(*, actor: Any, breach: Breach) -> Breach:
    check(actor, "manage", "privacy")
    if breach.awaiting_authority:
        raise ValidationError(
            {
                "__all__": [
                    _(
                        "Notify the authority first, or say why the breach is unlikely to result in a risk, before closing it."
                    )
                ]
            }
        )
    if breach.high_risk and breach.people_notified_at is None:
        raise ValidationError(
            {"__all__": [_("The risk is high: tell the people affected before closing (Art. 34).")]}
        )
    with transaction.atomic():
        Breach.objects.filter(pk=breach.pk).update(closed_at=timezone.now())
        trail.record(
            actor=actor,
            action=AuditEvent.Action.BREACH,
            obj=breach,
            subject="",
            detail={"breach": breach.pk, "step": "closed"},
        )
    breach.refresh_from_db()
    return breach


def clock(breach: Breach, now: datetime | None = None) -> dict[str, Any]:
    """The 72-hour clock: hours left (negative when late)."""
    now = now or timezone.now()
    left = (breach.deadline - now).total_seconds() / 3600
    return {
        "breach": breach,
        "hours_left": int(left) if left >= 0 else int(left) - 1,
        "late": left < 0,
    }


def open_clocks(now: datetime | None = None) -> list[dict[str, Any]]:
    """Every breach still waiting for the authority's notification, soonest first."""
    pending = Breach.objects.filter(
        closed_at__isnull=True, authority_notified_at__isnull=True, no_notification_reason=""
    ).order_by("discovered_at")
    return [clock(breach, now) for breach in pending]


def reminders_send(*, now: datetime | None = None) -> int:
    """Remind the people who handle personal data 24 and 60 hours after discovery, once
    each, while the authority is not notified."""

    now = now or timezone.now()
    handlers = list(users_handling_privacy())
    sent = 0
    for item in open_clocks(now):
        breach = item["breach"]
        elapsed = (now - breach.discovered_at).total_seconds() / 3600
        due = [h for h in REMIND_HOURS if elapsed >= h and f"{h}h" not in breach.reminded]
        if not due:
            continue
        with transaction.atomic():
            locked = Breach.objects.select_for_update().get(pk=breach.pk)
            marks = [f"{h}h" for h in due if f"{h}h" not in locked.reminded]
            if not marks:
                continue
            locked.reminded = [*locked.reminded, *marks]
            locked.save(update_fields=["reminded"])
            for user in handlers:
                with translation.override(user.language or None):
                    title = _(
                        "Data breach “%(title)s”: %(hours)s hours left to notify the authority"
                    ) % {"title": locked.title, "hours": max(0, item["hours_left"])}
                notify(user=user, title=title, url=reverse("privacy:breach_edit", args=[locked.pk]))
                sent += 1
    return sent
