"""``policy_for``: which policy a case gets, by priority and customer group (static lists
and dynamic segments), rank and specificity; and the settings lists behind the gate."""

from __future__ import annotations

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from perno.contacts.models import Contact
from perno.marketing.models import Segment, SegmentMember
from perno.sla import selectors
from perno.sla.models import BusinessCalendar, SlaPolicy

pytestmark = pytest.mark.django_db

URGENT, HIGH, NORMAL, LOW = 4, 3, 2, 1


@pytest.fixture
def italia():
    return BusinessCalendar.objects.get(name="Italia")


def policy(calendar, name, *, priority=None, segment=None, rank=100, active=True):
    return SlaPolicy.objects.create(
        name=name,
        priority=priority,
        segment=segment,
        calendar=calendar,
        first_response_minutes=30,
        resolution_minutes=60,
        warn_before_minutes=10,
        rank=rank,
        active=active,
    )


@pytest.fixture
def people():
    return {
        "anna": Contact.objects.create(first_name="Anna", last_name="Rossi", country="IT"),
        "ion": Contact.objects.create(first_name="Ion", last_name="Popa", country="RO"),
        "luca": Contact.objects.create(first_name="Luca", last_name="Neri", country="IT"),
    }


def test_the_shipped_policies_match_by_priority(people):
    assert selectors.policy_for(priority=URGENT, contact=people["anna"]).name == "Urgent"
    assert selectors.policy_for(priority=LOW, contact=None).name == "Low"
    assert selectors.policy_for(priority=NORMAL, contact=people["ion"].pk).name == "Normal"


def test_a_static_list_gives_its_members_their_policy(italia, people):
    vip = Segment.objects.create(name="VIP", kind="static")
    SegmentMember.objects.create(segment=vip, contact=people["anna"])
    gold = policy(italia, "VIP urgent", priority=URGENT, segment=vip, rank=10)
    assert selectors.policy_for(priority=URGENT, contact=people["anna"]) == gold
    assert selectors.policy_for(priority=URGENT, contact=people["luca"]).name == "Urgent"
    assert selectors.policy_for(priority=URGENT, contact=None).name == "Urgent"
    assert selectors.policy_for(priority=HIGH, contact=people["anna"]).name == "High"


def test_a_dynamic_segment_matches_by_its_criteria(italia, people):
    romanians = Segment.objects.create(
        name="Romanian customers",
        kind="dynamic",
        criteria=[{"field": "country", "op": "eq", "value": "RO"}],
    )
    ro = policy(italia, "Romania, any priority", segment=romanians, rank=10)
    for priority in (LOW, NORMAL, HIGH, URGENT):
        assert selectors.policy_for(priority=priority, contact=people["ion"]) == ro
        assert selectors.policy_for(priority=priority, contact=people["anna"]) != ro


def test_rank_decides_and_a_group_wins_at_equal_rank(italia, people):
    vip = Segment.objects.create(name="VIP", kind="static")
    SegmentMember.objects.create(segment=vip, contact=people["anna"])
    everyone = policy(italia, "Everyone first", priority=HIGH, rank=5)
    assert selectors.policy_for(priority=HIGH, contact=people["anna"]) == everyone
    grouped = policy(italia, "VIP at the same rank", priority=HIGH, segment=vip, rank=5)
    assert selectors.policy_for(priority=HIGH, contact=people["anna"]) == grouped
    assert selectors.policy_for(priority=HIGH, contact=people["luca"]) == everyone
    # A policy for this priority comes before one for any priority at the same rank.
    any_priority = policy(italia, "Any priority", rank=4)
    assert selectors.policy_for(priority=HIGH, contact=people["luca"]) == any_priority
    exact = policy(italia, "Exactly high", priority=HIGH, rank=4)
    assert selectors.policy_for(priority=HIGH, contact=people["luca"]) == exact


def test_inactive_policies_are_skipped_and_none_may_match(italia, people):
    SlaPolicy.objects.filter(priority=URGENT).update(active=False)
    assert selectors.policy_for(priority=URGENT, contact=people["anna"]) is None
    fallback = policy(italia, "Fallback", rank=500)
    assert selectors.policy_for(priority=URGENT, contact=people["anna"]) == fallback
    policy(italia, "Off", priority=URGENT, rank=1, active=False)
    assert selectors.policy_for(priority=URGENT, contact=people["anna"]) == fallback


def test_membership_is_one_query_on_the_contact_not_a_loop_over_contacts(italia, people):
    for n in range(30):
        Contact.objects.create(first_name="Other", last_name=f"Person {n}", country="RO")
    lists = []
    for n in range(3):
        segment = Segment.objects.create(name=f"List {n}", kind="static")
        SegmentMember.objects.create(
            segment=segment, contact=people["luca"] if n == 2 else people["ion"]
        )
        lists.append(policy(italia, f"List {n}", priority=URGENT, segment=segment, rank=1 + n))
    with CaptureQueriesContext(connection) as queries:
        found = selectors.policy_for(priority=URGENT, contact=people["luca"])
    assert found == lists[2]
    assert len(queries) == 2  # the candidate policies, then one membership query
    assert "contacts_contact" in queries[1]["sql"]


def test_an_unknown_contact_gets_the_policy_for_everyone(italia):
    segment = Segment.objects.create(name="VIP", kind="static")
    policy(italia, "VIP", priority=URGENT, segment=segment, rank=1)
    assert selectors.policy_for(priority=URGENT, contact=99_999_999).name == "Urgent"


def test_the_settings_lists_are_for_administrators(admin_user, make_user):
    assert selectors.calendar_list(user=admin_user).count() == 2
    assert [p.name for p in selectors.policy_list(user=admin_user)] == [
        "Urgent",
        "High",
        "Normal",
        "Low",
    ]
    italia = BusinessCalendar.objects.get(name="Italia")
    assert selectors.calendar_get(user=admin_user, pk=italia.pk) == italia
    for role in ("sales", "manager", "dpo"):
        someone = make_user(role=role)
        assert not selectors.calendar_list(user=someone).exists()
        assert not selectors.policy_list(user=someone).exists()
        with pytest.raises(Http404):
            selectors.calendar_get(user=someone, pk=italia.pk)
