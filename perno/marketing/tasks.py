from __future__ import annotations

from celery import shared_task


@shared_task(name="perno.marketing.tasks.send_invitations_task")
def send_invitations_task(invitation_ids: list[int]) -> int:
    """E-mail personal survey links; safe to run twice (sent links are skipped)."""
    from perno.marketing.models import Invitation
    from perno.marketing.services import send_invitation

    sent = 0
    for invitation in Invitation.objects.filter(
        pk__in=invitation_ids, sent_at__isnull=True
    ).select_related("survey__purpose", "contact"):
        send_invitation(invitation)
        sent += 1
    return sent
