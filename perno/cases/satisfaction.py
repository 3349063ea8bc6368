"""The satisfaction survey after a case is resolved.

A queue may name a published survey (``Queue.satisfaction_survey``). When one of its
cases is resolved, its contact gets one personal link, once per case, if they may be
contacted for the survey's purpose (``marketing.services.invitations.invitation_after_event``
applies the consent rules). The answers are ordinary survey responses, so they feed the
moments of truth and the fan estimate; the case keeps its invitation, which the care
dashboard reads for the satisfaction trend."""

from __future__ import annotations

from django.db import transaction

from perno.cases.models import Case
from perno.marketing.services.invitations import invitation_after_event


def ask_after_resolution(case_id: int) -> None:
    """Send the queue's survey for a resolved case (after commit; safe to run twice)."""
    with transaction.atomic():
        case = (
            Case.objects.select_for_update(of=("self",))
            .select_related("queue__satisfaction_survey", "contact")
            .filter(pk=case_id, status=Case.Status.RESOLVED, satisfaction_invitation__isnull=True)
            .first()
        )
        if case is None or case.contact is None or case.queue is None:
            return
        survey = case.queue.satisfaction_survey
        if survey is None:
            return
        invitation = invitation_after_event(survey=survey, contact=case.contact)
        if invitation is not None:
            Case.objects.filter(pk=case.pk).update(satisfaction_invitation=invitation)
