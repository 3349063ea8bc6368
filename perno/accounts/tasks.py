from __future__ import annotations

from celery import shared_task

from perno.accounts import lockout


@shared_task(name="perno.accounts.tasks.purge_login_attempts_task")
def purge_login_attempts_task() -> int:
    """Failed log-ins older than PERNO_LOGIN_ATTEMPT_DAYS are deleted."""
    return lockout.purge_expired()
