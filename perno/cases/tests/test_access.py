"""Queues are the access scope: the gate's team scope gives an agent the cases of their
team's queues; the timelines and the search follow the same rules."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from perno.activities.selectors import timeline, timeline_kinds
from perno.cases import selectors, services
from perno.cases.models import Case
from perno.contacts.models import Affiliation, Company, Contact
from perno.search.engine import search

pytestmark = pytest.mark.django_db


def new_case(actor: Any, queue: Any, **data: Any) -> Case:
    return services.case_create(
        actor=actor, data={"subject": "Broken hinge", "queue": queue, **data}
    )


def test_an_agent_sees_the_cases_of_their_teams_queues_only(agents, queue, south_queue):
    north = new_case(None, queue)
    south = new_case(None, south_queue)
    assert north.pk > 10_000 and south.pk > 10_000
    assert set(selectors.case_list(user=agents["anna"])) == {north}
    assert set(selectors.case_list(user=agents["dario"])) == {south}
    assert selectors.case_get(user=agents["anna"], pk=north.pk) == north
    with pytest.raises(Http404):
        selectors.case_get(user=agents["anna"], pk=south.pk)
    with pytest.raises(Http404):
        selectors.case_get(user=agents["anna"], pk=99_999_999)


def test_the_list_filters(agents, queue, customer):
    anna = agents["anna"]
    mine = new_case(anna, queue, contact=customer, priority=4, assignee=anna)
    other = new_case(anna, queue, priority=1, assignee=agents["bruno"])
    services.case_set_status(actor=anna, case=other, status="resolved")

    def listed(**filters: Any) -> set[Case]:
        return set(selectors.case_list(user=anna, filters={k: str(v) for k, v in filters.items()}))

    assert listed(status="active") == {mine}
    assert listed(status="resolved") == {other}
    assert listed(priority=4) == {mine}
    assert listed(assignee=anna.pk) == {mine}
    assert listed(contact=customer.pk) == {mine}
    assert listed(queue=queue.pk) == {mine, other}
    assert listed(q="hinge") == {mine, other}
    assert [c.pk for c in selectors.case_list(user=anna, filters={"sort": "number"})] == [
        mine.pk,
        other.pk,
    ]


def test_a_bad_filter_is_a_field_error(agents):
    with pytest.raises(ValidationError) as error:
        list(selectors.case_list(user=agents["anna"], filters={"status": "lost"}))
    assert "status" in error.value.message_dict


def test_a_contacts_timeline_and_its_companys_rollup_show_their_cases(
    agents, queue, south_queue, customer, teams
):
    acme = Company.objects.create(name="Acme", team=teams["north"])
    Affiliation.objects.create(contact=customer, company=acme, is_primary=True)
    colleague = Contact.objects.create(first_name="Luca", last_name="Verdi", team=teams["south"])
    Affiliation.objects.create(contact=colleague, company=acme)
    own = new_case(agents["anna"], queue, contact=customer)
    assert own.company == acme  # the contact's primary company
    company_only = new_case(agents["anna"], queue, company=acme)
    hidden = new_case(None, south_queue, contact=colleague)
    assert "case" in timeline_kinds()
    entries, _more = timeline(user=agents["anna"], target=customer, kinds=["case"])
    assert [e.item.pk for e in entries] == [own.pk]
    entries, _more = timeline(user=agents["anna"], target=acme, kinds=["case"])
    assert {e.item.pk for e in entries} == {own.pk, company_only.pk}
    assert hidden.pk not in {e.item.pk for e in entries}
    entries, _more = timeline(user=agents["dario"], target=colleague, kinds=["case"])
    assert [e.item.pk for e in entries] == [hidden.pk]


def test_the_timeline_partial_shows_the_case(agents, queue, customer, client, login_verified):
    case = new_case(agents["anna"], queue, contact=customer)
    login_verified(client, agents["anna"])
    page = client.get(f"/timeline/contact/{customer.pk}/", {"kind": "case"})
    assert page.status_code == 200
    body = page.content.decode()
    assert case.reference in body and 'data-kind="case"' in body


def test_search_finds_cases_by_number_and_words_within_the_scope(agents, queue, south_queue):
    north = new_case(None, queue, subject="Frigorifero rumoroso", description="Il compressore")
    south = new_case(None, south_queue, subject="Frigorifero rotto")
    found = {(h.type, h.id) for h in search(agents["anna"], "frigorifero").hits}
    assert ("case", north.pk) in found and ("case", south.pk) not in found
    by_number = search(agents["anna"], north.reference).hits
    assert by_number and by_number[0].id == north.pk
    assert by_number[0].title.startswith(north.reference)
