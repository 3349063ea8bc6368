from __future__ import annotations

from celery import shared_task


@shared_task(name="perno.cases.tasks.sla_check_task")
def sla_check_task() -> dict[str, int]:
    """Warn before SLA breaches and escalate breaches (``cases.escalation``): each once
    per case and target, so running it twice is harmless."""
    from perno.cases.escalation import sla_check

    return sla_check()
