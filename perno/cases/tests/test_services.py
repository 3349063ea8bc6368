from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from perno.audit.models import ChangeEntry
from perno.cases import config, services
from perno.cases.models import Case, CaseCategory, QueueMember
from perno.cases.services import CustomerReply
from perno.cases.tests.conftest import MONDAY
from perno.records import extensions
from perno.records.relinking import note_moved
from perno.search.models import SearchEntry

pytestmark = pytest.mark.django_db


def new_case(actor: Any, queue: Any, **data: Any) -> Case:
    return services.case_create(
        actor=actor, data={"subject": "Parcel never arrived", "queue": queue, **data}
    )


def test_a_case_gets_the_next_number_its_queues_team_and_a_history(agents, queue, customer):
    first = new_case(agents["anna"], queue, contact=customer, assignee=agents["anna"])
    second = new_case(agents["anna"], queue)
    assert second.number == first.number + 1
    assert first.reference == f"C-{first.number:06d}" and len(first.reference) >= 8
    assert first.token == f"[{first.reference}]"
    assert first.pk > 10_000
    assert first.team_id == queue.team_id
    assert first.owner == agents["anna"]
    assert first.status == Case.Status.NEW
    entry = ChangeEntry.objects.get(content_type__model="case", object_id=first.pk, action="create")
    assert entry.changes["subject"] == [None, "Parcel never arrived"]
    assert SearchEntry.objects.filter(kind="case", object_id=first.pk).exists()


def test_the_team_follows_the_queue_and_bad_input_leaves_nothing(agents, queue, teams):
    before = Case.objects.count()
    with pytest.raises(ValidationError) as missing:
        services.case_create(actor=agents["anna"], data={"subject": "No queue"})
    assert "queue" in missing.value.message_dict
    with pytest.raises(ValidationError) as team:
        new_case(agents["anna"], queue, team=teams["south"])
    assert "move it to another queue" in team.value.message_dict["team"][0]
    with pytest.raises(ValidationError) as status:
        new_case(agents["anna"], queue, status="resolved")
    assert "status" in status.value.message_dict
    with pytest.raises(ValidationError) as long:
        new_case(agents["anna"], queue, subject="x" * 201)
    assert "subject" in long.value.message_dict
    with pytest.raises(ValidationError) as unknown:
        new_case(agents["anna"], queue, number=5)
    assert "number" in unknown.value.message_dict
    assert Case.objects.count() == before


def test_opening_a_case_needs_the_right_to_create_cases(make_user, agents, queue):
    seller = make_user("seller", role="sales", team="Care North")
    with pytest.raises(PermissionDenied):
        new_case(seller, queue)
    # An agent of another team may hand a case to this queue: it is theirs (they own
    # it) and the queue's team's.
    handed = new_case(agents["dario"], queue)
    assert handed.owner == agents["dario"] and handed.team_id == queue.team_id


def test_the_system_opens_cases_without_an_actor(queue, customer):
    case = new_case(None, queue, contact=customer, channel="email")
    assert case.owner is None and case.channel == "email"
    entry = ChangeEntry.objects.get(content_type__model="case", object_id=case.pk, action="create")
    assert entry.actor is None


def test_round_robin_skips_unavailable_members_and_takes_turns(agents, queue):
    given = [new_case(None, queue).assignee for _ in range(4)]
    assert given == [agents["anna"], agents["bruno"], agents["anna"], agents["bruno"]]
    QueueMember.objects.filter(user=agents["carla"]).update(available=True)
    assert new_case(None, queue).assignee == agents["carla"]  # never assigned: first


def test_round_robin_passes_over_members_who_may_not_see_the_case(admin, agents, queue):
    config.queue_update(
        actor=admin,
        queue=queue,
        data={},
        members=[(agents["dario"], True), (agents["anna"], True)],
    )
    assert new_case(None, queue).assignee == agents["anna"]
    assert new_case(None, queue).assignee == agents["anna"]


def test_assignment_by_category_falls_back_to_round_robin(admin, agents, queue):
    billing = config.category_create(actor=admin, data={"name": "Billing"})
    config.queue_update(
        actor=admin,
        queue=queue,
        data={"assignment": "by_category"},
        rules=[(billing, agents["bruno"])],
    )
    assert new_case(None, queue, category=billing).assignee == agents["bruno"]
    assert new_case(None, queue, category=billing).assignee == agents["bruno"]
    assert new_case(None, queue).assignee == agents["anna"]  # no category: round robin
    QueueMember.objects.filter(user=agents["bruno"]).update(available=False)
    assert new_case(None, queue, category=billing).assignee == agents["anna"]


def test_a_rule_names_a_member(admin, agents, queue):
    billing = CaseCategory.objects.create(name="Billing")
    with pytest.raises(ValidationError) as error:
        config.queue_update(actor=admin, queue=queue, data={}, rules=[(billing, agents["boss"])])
    assert "not a member" in error.value.message_dict["rules"][0]


def test_a_manual_queue_leaves_cases_unassigned_and_assignees_must_see_the_case(
    agents, south_queue, queue
):
    case = new_case(agents["dario"], south_queue)
    assert case.assignee is None
    with pytest.raises(ValidationError) as error:
        services.case_assign(actor=agents["dario"], case=case, assignee=agents["anna"])
    assert "may not see" in error.value.message_dict["assignee"][0]
    done = services.case_assign(actor=agents["dario"], case=case, assignee=agents["dario"])
    assert done.assignee == agents["dario"]
    auto = services.case_assign(
        actor=agents["anna"], case=new_case(agents["anna"], queue), assignee=None, auto=True
    )
    assert auto.assignee is not None


def test_the_status_follows_the_allowed_transitions(agents, queue):
    case = new_case(agents["anna"], queue)
    for status in ("open", "waiting", "open", "resolved", "reopened", "resolved", "closed"):
        case = services.case_set_status(actor=agents["anna"], case=case, status=status)
        assert case.status == status
    assert case.resolved_at is not None and case.closed_at is not None
    with pytest.raises(ValidationError) as closed:
        services.case_set_status(actor=agents["anna"], case=case, status="open")
    assert "open a new case" in closed.value.message_dict["status"][0]


def test_a_bad_transition_names_the_allowed_next_statuses(agents, queue):
    case = new_case(agents["anna"], queue)
    with pytest.raises(ValidationError) as error:
        services.case_set_status(actor=agents["anna"], case=case, status="reopened")
    message = error.value.message_dict["status"][0]
    assert "“New”" in message and "“Waiting on customer”" in message and "“Closed”" in message
    case.refresh_from_db()
    assert case.status == "new" and case.version == 1


def test_moving_to_another_queue_takes_its_team(admin, agents, queue, south_queue):
    case = new_case(admin, queue)
    assert case.assignee is not None
    moved = services.case_update(
        actor=admin, case=case, data={"queue": south_queue}, expected_version=case.version
    )
    assert moved.team_id == south_queue.team_id
    assert moved.assignee is None  # a north agent may not see it in the south's queue


def test_a_queue_that_changes_team_takes_its_cases(admin, agents, queue, teams):
    case = new_case(admin, queue)
    config.queue_update(actor=admin, queue=queue, data={"team": teams["south"]})
    case.refresh_from_db()
    assert case.team_id == teams["south"].pk
    entry = SearchEntry.objects.get(kind="case", object_id=case.pk)
    assert entry.team_id == teams["south"].pk


def test_merge_closes_the_sources_and_moves_what_points_at_them(agents, queue, monkeypatch):
    anna = agents["anna"]
    target, source, older = (new_case(anna, queue) for _ in range(3))
    services.case_merge(actor=anna, target=source, sources=[older])
    calls: list[tuple[int, int]] = []

    def mover(*, source: Any, actor: Any, target: Any, journal: dict[str, Any]) -> int:
        calls.append((source.pk, target.pk))
        note_moved(journal, Case, "merged_into", [])
        return 0

    monkeypatch.setitem(
        extensions._relinkers,
        services.MERGE_KIND,
        [*extensions._relinkers[services.MERGE_KIND], mover],
    )
    kept = services.case_merge(actor=anna, target=target, sources=[source])
    source.refresh_from_db()
    older.refresh_from_db()
    assert source.status == "closed" and source.merged_into == kept
    assert older.merged_into == kept  # the earlier merge follows
    assert calls == [(source.pk, target.pk)]
    history = (
        ChangeEntry.objects.filter(content_type__model="case", object_id=kept.pk)
        .order_by("-id")
        .first()
    )
    assert history is not None and source.reference in history.changes["merged"][1]
    assert services.case_find_by_token(f"Re: {source.token} help") == kept


@pytest.mark.parametrize(
    "bad, message",
    [("self", "itself"), ("twice", "twice"), ("none", "at least one"), ("merged", "Already")],
)
def test_a_bad_merge_is_refused_and_changes_nothing(agents, queue, bad, message):
    anna = agents["anna"]
    target, other, third = (new_case(anna, queue) for _ in range(3))
    if bad == "merged":
        services.case_merge(actor=anna, target=third, sources=[other])
    sources = {"self": [target], "twice": [other, other], "none": [], "merged": [other]}[bad]
    with pytest.raises(ValidationError) as error:
        services.case_merge(actor=anna, target=target, sources=sources)
    assert message in str(error.value.message_dict)
    target.refresh_from_db()
    assert target.status == "new"


def test_a_merge_needs_the_right_to_edit_every_case(agents, queue, south_queue):
    mine = new_case(agents["anna"], queue)
    theirs = new_case(agents["dario"], south_queue)
    with pytest.raises(PermissionDenied):
        services.case_merge(actor=agents["anna"], target=mine, sources=[theirs])
    theirs.refresh_from_db()
    assert theirs.merged_into is None


def test_tokens_in_subjects_find_their_case(queue):
    case = new_case(None, queue)
    assert services.case_token(case) == case.token
    assert services.case_find_by_token(f"Re: Fwd: {case.token.lower()}") == case
    assert services.case_find_by_token("Re: [C-999999999] nothing") is None
    assert services.case_find_by_token("no token") is None


def test_the_first_response_is_recorded_once(agents, queue):
    case = new_case(None, queue)
    answered = services.case_agent_responded(case=case, at=MONDAY, actor=agents["anna"])
    assert answered.first_response_at == MONDAY and answered.status == "open"
    later = MONDAY + datetime.timedelta(hours=2)
    again = services.case_agent_responded(case=answered, at=later, actor=None)
    assert again.first_response_at == MONDAY and again.version == answered.version


def test_a_customer_reply_resumes_reopens_or_asks_for_a_new_case(agents, queue):
    anna = agents["anna"]
    case = services.case_set_status(actor=anna, case=new_case(anna, queue), status="waiting")
    assert services.case_customer_replied(case=case, at=MONDAY) == CustomerReply.RESUMED
    case.refresh_from_db()
    assert case.status == "open" and case.paused_since is None
    assert services.case_customer_replied(case=case, at=MONDAY) == CustomerReply.UNCHANGED
    case = services.case_set_status(actor=anna, case=case, status="resolved")
    assert services.case_customer_replied(case=case, at=MONDAY) == CustomerReply.REOPENED
    case.refresh_from_db()
    assert case.status == "reopened" and case.resolved_at is None
    case = services.case_set_status(actor=anna, case=case, status="closed")
    assert services.case_customer_replied(case=case, at=MONDAY) == CustomerReply.CLOSED
    case.refresh_from_db()
    assert case.status == "closed"


def test_deleting_a_case(agents, queue):
    case = new_case(agents["anna"], queue)
    services.case_delete(actor=agents["anna"], case=case)
    assert not Case.objects.filter(pk=case.pk).exists()
    assert not SearchEntry.objects.filter(kind="case", object_id=case.pk).exists()
