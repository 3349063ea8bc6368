"""SLA clocks on a business calendar (Monday to Friday, 9-13 and 14-18 in Rome): due
times, pauses while waiting on the customer, priority changes, reopening, the state,
and the warning and escalation job."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from perno.activities.models import Notification
from perno.cases import config, services
from perno.cases.escalation import sla_check
from perno.cases.models import Case
from perno.cases.selectors import case_list
from perno.cases.states import sla_condition, sla_state
from perno.cases.tests.conftest import MONDAY, ROME
from perno.sla.models import SlaPolicy

pytestmark = pytest.mark.django_db


def at(day: int, hour: int, minute: int = 0) -> datetime.datetime:
    """A moment of the week of MONDAY (day 0 = Monday)."""
    return datetime.datetime(2026, 3, 2 + day, hour, minute, tzinfo=ROME)


def local(moment: datetime.datetime | None) -> datetime.datetime | None:
    return moment.astimezone(ROME) if moment else None


def opened(actor: Any, queue: Any, **data: Any) -> Case:
    return services.case_create(
        actor=actor, data={"subject": "Invoice wrong", "queue": queue, **data}, now=MONDAY
    )


def test_due_times_come_from_the_policy_and_the_calendar(agents, queue, policy):
    case = opened(agents["anna"], queue)
    assert case.sla_policy == policy
    assert local(case.first_response_due) == at(0, 11)
    assert local(case.first_response_warn_at) == at(0, 10, 45)
    # 480 working minutes from Monday 10:00: 7 hours on Monday, one on Tuesday.
    assert local(case.resolution_due) == at(1, 10)
    assert local(case.resolution_warn_at) == at(1, 9, 45)


def test_without_a_policy_there_is_no_sla(agents, queue):
    SlaPolicy.objects.update(active=False)
    case = opened(agents["anna"], queue)
    assert case.sla_policy is None and case.first_response_due is None
    assert sla_state(case, at(3, 9)) == Case.SlaState.NONE


def test_waiting_on_the_customer_pauses_the_clocks(agents, queue, policy):
    anna = agents["anna"]
    case = opened(anna, queue)
    case = services.case_set_status(actor=anna, case=case, status="waiting", now=at(0, 10, 30))
    assert local(case.paused_since) == at(0, 10, 30)
    assert sla_state(case, at(0, 14)) == Case.SlaState.PAUSED
    case = services.case_set_status(actor=anna, case=case, status="open", now=at(0, 15))
    # Paused 150 + 60 working minutes: every running due time moves 210 minutes later.
    assert case.paused_since is None and case.sla_paused_minutes == 210
    assert local(case.first_response_due) == at(0, 15, 30)
    assert local(case.first_response_warn_at) == at(0, 15, 15)
    assert local(case.resolution_due) == at(1, 14, 30)
    assert sla_state(case, at(0, 15, 5)) == Case.SlaState.ON_TRACK


def test_a_new_priority_finds_its_policy_again(agents, queue, policy, calendar):
    urgent = SlaPolicy.objects.create(
        name="Urgent test",
        priority=4,
        calendar=calendar,
        first_response_minutes=30,
        resolution_minutes=120,
        warn_before_minutes=10,
        rank=0,
    )
    anna = agents["anna"]
    case = opened(anna, queue)
    case = services.case_set_status(actor=anna, case=case, status="waiting", now=at(0, 10, 30))
    case = services.case_set_status(actor=anna, case=case, status="open", now=at(0, 15))
    case = services.case_update(
        actor=anna,
        case=case,
        data={"priority": 4},
        expected_version=case.version,
        now=at(0, 15, 10),
    )
    assert case.sla_policy == urgent
    # From Monday 10:00: the target plus the 210 minutes paused.
    assert local(case.first_response_due) == at(0, 15)
    assert local(case.resolution_due) == at(0, 16, 30)
    assert sla_state(case, at(0, 15, 10)) == Case.SlaState.BREACHED


def test_a_reopened_case_gets_back_the_time_it_stayed_resolved(agents, queue, policy):
    anna = agents["anna"]
    case = opened(anna, queue)
    case = services.case_set_status(actor=anna, case=case, status="resolved", now=at(0, 16))
    assert local(case.first_response_at) == at(0, 16)  # resolving answers the customer
    assert sla_state(case, at(0, 16)) == Case.SlaState.BREACHED  # answered after 11:00
    case = Case.objects.get(pk=case.pk)
    late = opened(anna, queue)
    services.case_agent_responded(case=late, at=at(0, 10, 30), actor=anna)
    late = services.case_set_status(actor=anna, case=late, status="resolved", now=at(0, 16))
    assert sla_state(late, at(0, 16)) == Case.SlaState.MET
    late = services.case_set_status(actor=anna, case=late, status="reopened", now=at(1, 10))
    # Resolved Monday 16:00 to Tuesday 10:00: 180 working minutes; due Tuesday 10:00 + 3 h.
    assert local(late.resolution_due) == at(1, 13)
    assert late.resolved_at is None
    assert sla_state(late, at(1, 10)) == Case.SlaState.ON_TRACK


def test_the_sla_state_filter_agrees_with_each_case(agents, queue, policy):
    """The list filter (SQL) and the case (Python) decide the same state."""
    anna = agents["anna"]
    on_time = opened(anna, queue)
    services.case_agent_responded(case=on_time, at=at(0, 10, 20), actor=anna)
    waiting = opened(anna, queue)
    services.case_set_status(actor=anna, case=waiting, status="waiting", now=at(0, 10, 10))
    resolved = opened(anna, queue)
    services.case_set_status(actor=anna, case=resolved, status="resolved", now=at(0, 10, 30))
    late = opened(anna, queue)
    services.case_agent_responded(case=late, at=at(0, 12), actor=anna)
    opened(anna, queue)  # nothing done yet
    SlaPolicy.objects.update(active=False)
    opened(anna, queue)  # no policy
    moments = [at(0, 10, 40), at(0, 10, 50), at(0, 11, 30), at(1, 9, 50), at(1, 11), at(3, 9)]
    seen: set[str] = set()
    for now in moments:
        for case in Case.objects.all():
            state = sla_state(case, now)
            seen.add(state)
            matching = set(
                Case.objects.filter(sla_condition(state, now)).values_list("pk", flat=True)
            )
            assert case.pk in matching, (case.reference, state, now)
            for other in Case.SlaState.values:
                if other != state:
                    found = Case.objects.filter(sla_condition(other, now), pk=case.pk)
                    assert not found.exists(), (case.reference, state, other, now)
    assert seen == set(Case.SlaState.values)


def test_the_list_filters_by_sla_state(agents, queue, policy):
    SlaPolicy.objects.exclude(pk=policy.pk).update(active=False)
    anna = agents["anna"]
    case = opened(anna, queue)
    SlaPolicy.objects.update(active=False)
    other = opened(anna, queue)
    breached = set(case_list(user=anna, filters={"sla": "breached"}))
    assert case in breached and other not in breached  # Monday 11:00 is long past
    assert set(case_list(user=anna, filters={"sla": "none"})) == {other}


def notes(user: Any) -> list[str]:
    return list(Notification.objects.filter(user=user).values_list("title", flat=True))


def test_warnings_and_escalations_go_out_once(
    admin, agents, queue, policy, smtp_inbox, django_capture_on_commit_callbacks
):
    config.queue_update(actor=admin, queue=queue, data={"escalate_to": agents["carla"]})
    anna, boss, carla = agents["anna"], agents["boss"], agents["carla"]
    case = opened(anna, queue, assignee=anna)
    assert sla_check(now=at(0, 10, 40)) == {"warned": 0, "breached": 0}
    with django_capture_on_commit_callbacks(execute=True):
        assert sla_check(now=at(0, 10, 50)) == {"warned": 1, "breached": 0}
    assert (
        len(notes(anna)) == 1 and "at risk" in notes(anna)[0] and case.reference in notes(anna)[0]
    )
    assert notes(boss) == [] and notes(carla) == []
    assert sla_check(now=at(0, 10, 55)) == {"warned": 0, "breached": 0}
    with django_capture_on_commit_callbacks(execute=True):
        assert sla_check(now=at(0, 11, 5)) == {"warned": 0, "breached": 1}
    assert sla_check(now=at(0, 11, 10)) == {"warned": 0, "breached": 0}
    for person in (anna, boss, carla):
        assert sum("breached" in title for title in notes(person)) == 1, person
    case.refresh_from_db()
    assert case.first_response_breached_at is not None
    assert sla_state(case, at(0, 11, 10)) == Case.SlaState.BREACHED
    smtp_inbox.wait(4)
    recipients = sorted(rcpt for message in smtp_inbox.messages for rcpt in message.rcpt_tos)
    assert recipients == sorted([anna.email, anna.email, boss.email, carla.email])


def test_the_job_leaves_paused_and_finished_targets_alone(agents, queue, policy):
    anna = agents["anna"]
    paused = opened(anna, queue, assignee=anna)
    services.case_set_status(actor=anna, case=paused, status="waiting", now=at(0, 10, 5))
    answered = opened(anna, queue, assignee=anna)
    services.case_agent_responded(case=answered, at=at(0, 10, 10), actor=anna)
    counts = sla_check(now=at(0, 11, 30))
    assert counts == {"warned": 0, "breached": 0}
    # Tuesday 10:30: the answered case's resolution is missed; the paused one still waits.
    assert sla_check(now=at(1, 10, 30)) == {"warned": 0, "breached": 1}
    assert Case.objects.get(pk=paused.pk).resolution_breached_at is None


def test_an_unassigned_case_at_risk_is_told_to_the_escalation_contact_or_managers(
    admin, agents, south_queue, policy, make_user
):
    lead = make_user("lead", role="manager", team="Care South")
    case = opened(agents["dario"], south_queue)
    assert case.assignee is None
    sla_check(now=at(0, 10, 50))
    assert len(notes(lead)) == 1 and notes(agents["dario"]) == []
