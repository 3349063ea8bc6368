"""The queue's satisfaction survey goes to the customer once per resolved case, within
the consent rules, and its answer counts on the care dashboard."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core import mail

from perno.cases import config, dashboard, services
from perno.cases.models import Case
from perno.contacts.models import Contact
from perno.marketing import services as marketing
from perno.marketing.models import Invitation, Response
from perno.privacy.models import Purpose
from perno.privacy.services import consent_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def survey(admin: Any, django_capture_on_commit_callbacks: Any) -> Any:
    purpose = Purpose.objects.create(
        code="care-feedback", name="Care feedback", legal_basis="legitimate_interest"
    )
    made = marketing.survey_from_template(actor=admin, purpose=purpose)
    return marketing.survey_set_status(actor=admin, survey=made, status="published")


def customer(name: str, team: Any) -> Contact:
    return Contact.objects.create(
        first_name=name, last_name="Verdi", email=f"{name.lower()}@example.com", team=team
    )


def resolve(actor: Any, case: Case, capture: Any) -> Case:
    with capture(execute=True):
        case = services.case_set_status(actor=actor, case=case, status="open")
        case = services.case_set_status(actor=actor, case=case, status="resolved")
    case.refresh_from_db()
    return case


def test_a_resolved_case_sends_the_queues_survey_once(
    admin, agents, queue, teams, survey, django_capture_on_commit_callbacks
):
    config.queue_update(actor=admin, queue=queue, data={"satisfaction_survey": survey})
    dora = customer("Dora", teams["north"])
    case = services.case_create(
        actor=agents["anna"], data={"subject": "Broken", "queue": queue, "contact": dora}
    )
    case = resolve(agents["anna"], case, django_capture_on_commit_callbacks)
    invitation = case.satisfaction_invitation
    assert invitation is not None and invitation.contact == dora
    assert [m.to for m in mail.outbox if "/s/" in m.body] == [["dora@example.com"]]
    # Reopened and resolved again: still one invitation for the case.
    with django_capture_on_commit_callbacks(execute=True):
        case = services.case_set_status(actor=agents["anna"], case=case, status="reopened")
        case = services.case_set_status(actor=agents["anna"], case=case, status="resolved")
    assert Invitation.objects.filter(contact=dora).count() == 1
    # A second case of the same customer asks again (unlike a campaign's invitations).
    other = services.case_create(
        actor=agents["anna"], data={"subject": "Again", "queue": queue, "contact": dora}
    )
    other = resolve(agents["anna"], other, django_capture_on_commit_callbacks)
    assert other.satisfaction_invitation not in (None, invitation)


def test_no_survey_without_consent_or_without_a_queue_survey(
    admin, agents, queue, teams, survey, django_capture_on_commit_callbacks
):
    elio = customer("Elio", teams["north"])
    case = services.case_create(
        actor=agents["anna"], data={"subject": "No survey", "queue": queue, "contact": elio}
    )
    assert (
        resolve(agents["anna"], case, django_capture_on_commit_callbacks).satisfaction_invitation
        is None
    )
    config.queue_update(actor=admin, queue=queue, data={"satisfaction_survey": survey})
    consent_record(
        actor=admin, contact=elio, purpose=survey.purpose, kind="objected", channel="operator"
    )
    case = services.case_create(
        actor=agents["anna"], data={"subject": "Objected", "queue": queue, "contact": elio}
    )
    assert (
        resolve(agents["anna"], case, django_capture_on_commit_callbacks).satisfaction_invitation
        is None
    )
    assert not Invitation.objects.filter(contact=elio).exists()


def test_the_answer_counts_on_the_dashboard(
    admin, agents, queue, teams, survey, django_capture_on_commit_callbacks
):
    config.queue_update(actor=admin, queue=queue, data={"satisfaction_survey": survey})
    dora = customer("Dora", teams["north"])
    case = services.case_create(
        actor=agents["anna"], data={"subject": "Slow", "queue": queue, "contact": dora}
    )
    invitation = resolve(
        agents["anna"], case, django_capture_on_commit_callbacks
    ).satisfaction_invitation
    by_role = {q.role: str(q.pk) for q in marketing.questions_for(invitation) if q.role}
    marketing.response_submit(
        invitation=invitation, raw={by_role["satisfaction"]: "9", by_role["nps"]: "10"}
    )
    assert Response.objects.filter(invitation=invitation).exists()
    period = dashboard.Period.last_weeks(2, zone=datetime.UTC)
    figures = dashboard.satisfaction(user=admin, period=period)
    assert figures["answers"] == 1 and figures["nps"] == 100
    # An agent of another team does not count it.
    assert dashboard.satisfaction(user=agents["dario"], period=period)["answers"] == 0
