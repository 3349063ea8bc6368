"""Mail jobs: reading the mailboxes (scheduled) and acknowledging new cases. Thin: they
take ids and call the services; safe to run twice."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="perno.mail.tasks.poll_mailboxes_task")
def poll_mailboxes_task() -> int:
    """Every active mailbox whose next attempt is due; returns how many were read."""
    from perno.mail.polling import poll_due

    return sum(1 for result in poll_due() if result.ran)


@shared_task(name="perno.mail.tasks.acknowledge_task")
def acknowledge_task(message_id: int) -> bool:
    """Send the acknowledgement of the case opened by message ``message_id``."""
    from perno.mail.acknowledgements import acknowledge

    return acknowledge(message_id=message_id)
