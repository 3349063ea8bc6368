from __future__ import annotations

from celery import shared_task

from perno.analytics.tasks import daily_refresh_task


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


@shared_task(name="perno.marketing.tasks.daily_insight_task")
def daily_insight_task() -> str:
    """The scheduled insight job (run hourly): the analytics refresh of the day, then,
    when it produced a new snapshot, the stored sizes of the segments, which follow new
    scores and answers (pages recount the segment they show)."""
    status = daily_refresh_task()
    if status == "done":
        recount_segments()
    return status


def recount_segments() -> int:
    from perno.marketing import segments
    from perno.marketing.models import Segment

    done = 0
    for segment in Segment.objects.all():
        segments.recount(segment)
        done += 1
    return done
