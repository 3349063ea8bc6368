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
        logger.warning("opt-in e-mail for sign-up %s not sent: %s", request_id, exc)
        return False
