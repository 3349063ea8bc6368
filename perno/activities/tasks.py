from __future__ import annotations

from celery import shared_task

from perno.activities import services


@shared_task(name="perno.activities.tasks.send_activity_reminders_task")
def send_activity_reminders_task() -> int:
    return services.reminders_send()


@shared_task(name="perno.activities.tasks.email_notification_task")
def email_notification_task(notification_id: int) -> bool:
    return services.notification_email(notification_id=notification_id)
