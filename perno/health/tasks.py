from __future__ import annotations

from celery import shared_task


@shared_task(name="perno.health.tasks.health_daily_task")
def health_daily_task() -> dict[str, int]:
    """Run hourly: the day's snapshot once a day, and the monthly report on the first
    run of each month. Safe to run twice."""
    from django.utils import timezone

    from perno.health.mail import monthly_report_send
    from perno.health.models import HealthSnapshot
    from perno.health.services import snapshot_take

    done = {"snapshot": 0}
    if not HealthSnapshot.objects.filter(day=timezone.localdate()).exists():
        snapshot_take()
        done["snapshot"] = 1
    done["mailed"] = monthly_report_send()
    return done


@shared_task(name="perno.health.tasks.snapshot_task")
def snapshot_task(actor_id: int) -> int:
    """The "Recompute now" button: the day's snapshot in the background (a million
    contacts take tens of seconds). Safe to run twice: the day's snapshot is replaced."""
    from perno.accounts.models import User
    from perno.health.services import snapshot_take

    actor = User.objects.filter(pk=actor_id, is_active=True).first()
    if actor is None:
        return 0
    return snapshot_take(actor=actor).pk
