from __future__ import annotations

import logging

from celery import shared_task

from perno.privacy import mail

logger = logging.getLogger(__name__)


@shared_task(name="perno.privacy.tasks.send_optin_email_task")
def send_optin_email_task(request_id: int) -> bool:
    """Safe to run twice: a confirmed sign-up gets no more e-mails. A mail server that
    fails is logged (without the address) and the person can sign up again."""
    try:
        return mail.send_optin_email(request_id=request_id)
    except OSError as exc:
        # The class only: a refused recipient's error quotes the address.
        logger.warning(
            "opt-in e-mail for sign-up %s not sent: %s", request_id, exc.__class__.__name__
        )
        return False


@shared_task(name="perno.privacy.tasks.build_subject_export_task")
def build_subject_export_task(export_id: int) -> bool:
    from perno.privacy.requests import export_run

    return export_run(export_id=export_id)


@shared_task(name="perno.privacy.tasks.privacy_daily_task")
def privacy_daily_task() -> dict[str, int]:
    """Reminders of request deadlines, and archives nobody downloaded. Runs hourly; each
    part does its work once."""
    from datetime import timedelta

    from django.utils import timezone

    from perno.audit.models import AuditEvent
    from perno.audit.trail import origin
    from perno.privacy import breaches, retention
    from perno.privacy.models import RetentionRun
    from perno.privacy.requests import exports_purge, reminders_send

    with origin(AuditEvent.Channel.TASK):
        done = {
            "reminders": reminders_send(),
            "breach_reminders": breaches.reminders_send(),
            "expired_exports": exports_purge(),
        }
        recent = timezone.now() - timedelta(hours=23)
        if not RetentionRun.objects.filter(dry_run=False, started_at__gte=recent).exists():
            done["retention"] = retention.run(dry_run=False).total
        return done


@shared_task(name="perno.privacy.tasks.rotate_keys_task")
def rotate_keys_task(rotation_id: int) -> dict[str, int]:
    """Re-encrypt sealed fields (``privacy.keys``). Safe to run again after a failure."""
    from perno.audit.models import AuditEvent
    from perno.audit.trail import origin
    from perno.privacy import keys

    with origin(AuditEvent.Channel.TASK):
        try:
            return dict(keys.run(rotation_id).counts)
        except Exception:  # recorded on the rotation, shown to the administrator
            logger.exception("re-encryption %s failed", rotation_id)
            return {}
