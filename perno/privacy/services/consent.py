"""Consent steps with their proof: one step of a contact's consent history for a purpose."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from perno.accounts.permissions import check
from perno.audit import trail
from perno.audit.models import AuditEvent
from perno.privacy.models import Channel, ConsentEvent, Notice, Purpose
from perno.privacy.rules import purpose_by_code
from perno.privacy.services.register import current_notice


def _check_consent_actor(actor: Any, contact: Any) -> None:
    if actor is not None:
        check(actor, "edit", contact)


def consent_record(
    *,
    actor: Any,
    contact: Any,
    purpose: str | Purpose | None,
    kind: str,
    channel: str,
    occurred_at: datetime | None = None,
    notice: Notice | None = None,
    source: str = "",
    ip_address: str | None = None,
    user_agent: str = "",
    note: str = "",
) -> ConsentEvent:
    """Add one step to ``contact``'s consent history for ``purpose`` (a code or a
    Purpose; None only for an objection to all direct marketing), with its proof.

    A consent given needs the notice the person read: the one passed, or the purpose's
    current notice in the contact's language."""
    _check_consent_actor(actor, contact)
    if kind not in ConsentEvent.Kind.values:
        raise ValidationError(
            {
                "kind": [
                    _("Unknown step “%(kind)s”; use one of: %(known)s.")
                    % {"kind": kind, "known": ", ".join(ConsentEvent.Kind.values)}
                ]
            }
        )
    if channel not in Channel.values:
        raise ValidationError(
            {
                "channel": [
                    _("Unknown channel “%(channel)s”; use one of: %(known)s.")
                    % {"channel": channel, "known": ", ".join(Channel.values)}
                ]
            }
        )
    if purpose is None:
        if kind != ConsentEvent.Kind.OBJECTED:
            raise ValidationError(
                {
                    "purpose": [
                        _("Name the purpose: only an objection may concern all direct marketing.")
                    ]
                }
            )
        target = None
    else:
        target = purpose if isinstance(purpose, Purpose) else purpose_by_code(purpose)
    now = timezone.now()
    occurred_at = occurred_at or now
    if occurred_at > now + timedelta(minutes=5):
        raise ValidationError({"occurred_at": [_("A consent step cannot be in the future.")]})
    if kind == ConsentEvent.Kind.GIVEN:
        assert target is not None
        notice = notice or current_notice(target, contact.language)
        if notice is None:
            raise ValidationError(
                {
                    "notice": [
                        _(
                            "Purpose “%(name)s” has no published notice: publish the text people read before consenting (Privacy → Register), then record the consent."
                        )
                        % {"name": target.name}
                    ]
                }
            )
        if notice.purpose_id != target.pk:
            raise ValidationError({"notice": [_("This notice belongs to another purpose.")]})
    event = ConsentEvent(
        contact=contact,
        purpose=target,
        kind=kind,
        occurred_at=occurred_at,
        channel=channel,
        notice=notice,
        notice_text=notice.text if notice else "",
        notice_version=notice.version if notice else "",
        source=(source or "").strip()[:500],
        ip_address=ip_address or None,
        user_agent=(user_agent or "")[:300],
        note=(note or "").strip(),
        recorded_by=actor if getattr(actor, "pk", None) else None,
        recorded_at=now,
    )
    event.full_clean(exclude=["contact", "purpose", "notice", "recorded_by"])
    with transaction.atomic():
        trail.lock_chain()  # the audit chain before any row (see audit.trail.lock_chain)
        event.save()
        trail.record(
            actor=actor,
            action=AuditEvent.Action.CONSENT,
            obj=contact,
            fields=["consent"],
            detail={
                "purpose": target.code if target else "",
                "step": kind,
                "channel": channel,
                "consent_event": event.pk,
            },
        )
    return event
