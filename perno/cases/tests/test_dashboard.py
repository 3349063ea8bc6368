"""The care dashboard's figures (``cases.dashboard``), computed from known data, and its
page: an agent sees the figures of the cases they may see only."""

from __future__ import annotations

import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from perno.cases import dashboard, services
from perno.cases.models import Case, QueueMember
from perno.contacts.models import Contact
from perno.marketing.models import Invitation, Response, Survey
from perno.privacy.models import Purpose

pytestmark = pytest.mark.django_db

ROME = ZoneInfo("Europe/Rome")
HOUR = datetime.timedelta(hours=1)
MINUTE = datetime.timedelta(minutes=1)


def opened(actor: Any, queue: Any, at: datetime.datetime, **fields: Any) -> Case:
    """A case opened at ``at``, then given the stored times in ``fields`` (known data)."""
    data = {"subject": "Printer jams", "queue": queue}
    for name in ("assignee", "contact"):
        if name in fields:
            data[name] = fields.pop(name)
    case = services.case_create(actor=actor, data=data, now=at)
    if fields:
        Case.objects.filter(pk=case.pk).update(**fields)
    return Case.objects.get(pk=case.pk)


@pytest.fixture
def now() -> datetime.datetime:
    return timezone.now()


@pytest.fixture
def period(now: datetime.datetime) -> dashboard.Period:
    return dashboard.Period.last_weeks(4, zone=ROME, now=now)


@pytest.fixture
def known(agents, queue, south_queue, admin, now, customer) -> dict[str, Any]:
    """Cases in both teams' queues with known answers, resolutions and due times."""
    anna, bruno, dario = agents["anna"], agents["bruno"], agents["dario"]
    start = now - datetime.timedelta(days=3)
    north = [
        # answered after 10, 20, 30, 40 minutes; resolved after 1, 2, 3 hours (one open)
        opened(
            admin,
            queue,
            start,
            assignee=anna,
            contact=customer,
            status="resolved",
            first_response_at=start + 10 * MINUTE,
            resolved_at=start + HOUR,
            first_response_due=start + 30 * MINUTE,
            resolution_due=start + 8 * HOUR,
        ),
        opened(
            admin,
            queue,
            start,
            assignee=anna,
            status="resolved",
            first_response_at=start + 20 * MINUTE,
            resolved_at=start + 2 * HOUR,
            first_response_due=start + 30 * MINUTE,
            resolution_due=start + HOUR,  # resolved late: breached
        ),
        opened(
            admin,
            queue,
            start,
            assignee=bruno,
            status="resolved",
            first_response_at=start + 30 * MINUTE,
            resolved_at=start + 3 * HOUR,
            first_response_due=start + 30 * MINUTE,  # answered exactly on time: met
            resolution_due=start + 8 * HOUR,
        ),
        opened(
            admin,
            queue,
            start,
            assignee=bruno,
            status="open",
            first_response_at=start + 40 * MINUTE,  # late: breached
            first_response_due=start + 30 * MINUTE,
            resolution_due=start + 4 * HOUR,  # never resolved, clock ran: breached
        ),
    ]
    south = [
        opened(
            admin,
            south_queue,
            start,
            assignee=dario,
            status="open",
            first_response_at=start + 5 * MINUTE,
            first_response_due=start + 30 * MINUTE,
            resolution_due=start + 4 * HOUR,
        ),
        opened(
            admin,
            south_queue,
            start,
            assignee=dario,
            status="waiting",
            first_response_due=None,
            resolution_due=None,
        ),
    ]
    return {"north": north, "south": south}


def test_open_cases_per_queue_status_and_sla_state(admin, known, queue, south_queue):
    figures = dashboard.open_cases(user=admin)
    rows = {(r["queue"], r["status"]): r["count"] for r in figures["rows"]}
    assert rows == {
        ("Support North", "open"): 1,
        ("Support South", "open"): 1,
        ("Support South", "waiting"): 1,
    }
    assert figures["total"] == 3
    assert figures["sla"]["breached"] == 2  # north's late one, south's overdue resolution
    assert figures["sla"]["none"] == 1
    only_north = dashboard.open_cases(user=admin, queue=queue)
    assert only_north["total"] == 1


def test_sla_compliance_per_week_and_target(admin, known, period, queue):
    figures = dashboard.sla_compliance(user=admin, period=period, queue=queue)
    first, resolution = figures["totals"]["first_response"], figures["totals"]["resolution"]
    assert (first["met"], first["breached"]) == (3, 1)
    assert (resolution["met"], resolution["breached"]) == (2, 2)
    assert first["rate"] == 75.0 and resolution["rate"] == 50.0
    assert len(figures["weeks"]) == 4
    assert sum(w["first_response"]["met"] for w in figures["weeks"]) == 3


def test_handling_times_median_and_90th_percentile(admin, known, period, queue):
    times = dashboard.handling_times(user=admin, period=period, queue=queue)
    assert times["first_response"] == {"count": 4, "median": 20.0, "p90": 40.0}
    assert times["resolution"] == {"count": 3, "median": 120.0, "p90": 180.0}


def test_agent_figures(admin, known, period, agents):
    rows = {r["assignee_id"]: r for r in dashboard.agent_figures(user=admin, period=period)}
    anna = rows[agents["anna"].pk]
    assert anna["name"] == agents["anna"].get_full_name()
    assert (anna["open"], anna["resolved"], anna["breaches"]) == (0, 2, 1)
    assert anna["first_response_median"] == 10.0
    assert anna["resolution_median"] == 60.0
    bruno = rows[agents["bruno"].pk]
    assert (bruno["open"], bruno["resolved"], bruno["breaches"]) == (1, 1, 1)
    assert bruno["first_response_median"] == 30.0


def test_an_agent_sees_only_the_figures_of_their_teams_queues(agents, known, period):
    dario = agents["dario"]
    opened_now = dashboard.open_cases(user=dario)
    assert {r["queue"] for r in opened_now["rows"]} == {"Support South"}
    assert opened_now["total"] == 2
    times = dashboard.handling_times(user=dario, period=period)
    assert times["first_response"]["count"] == 1
    assert times["resolution"]["count"] == 0 and times["resolution"]["median"] is None
    agents_seen = {r["assignee_id"] for r in dashboard.agent_figures(user=dario, period=period)}
    assert agents_seen == {dario.pk}
    compliance = dashboard.sla_compliance(user=dario, period=period)
    assert compliance["totals"]["first_response"]["met"] == 1


def test_merged_cases_are_counted_once(admin, agents, queue, now):
    kept = opened(admin, queue, now - HOUR)
    extra = opened(admin, queue, now - HOUR)
    services.case_merge(actor=admin, target=kept, sources=[extra])
    assert dashboard.open_cases(user=admin)["total"] == 1


def survey_answer(
    contact: Contact, at: datetime.datetime, *, csat: int, nps: int, case: Any = None
) -> Response:
    purpose, _created = Purpose.objects.get_or_create(
        code="care", defaults={"name": "Care", "legal_basis": "consent"}
    )
    survey, _created = Survey.objects.get_or_create(name="After care", purpose=purpose)
    invitation = Invitation.objects.create(
        survey=survey,
        contact=contact,
        language="it",
        audience="b2c",
        nonce=f"{Invitation.objects.count():032d}",
        expires_at=at + datetime.timedelta(days=30),
        answered_at=at,
    )
    if case is not None:
        type(case).objects.filter(pk=case.pk).update(satisfaction_invitation=invitation)
    return Response.objects.create(
        invitation=invitation,
        survey=survey,
        contact=contact,
        language="it",
        audience="b2c",
        submitted_at=at,
        csat=csat,
        nps=nps,
    )


def test_satisfaction_after_resolved_cases(admin, known, period, customer, teams, now):
    resolved = [c for c in known["north"] if c.resolved_at is not None]
    resolved_at = resolved[0].resolved_at
    survey_answer(customer, resolved_at + HOUR, csat=5, nps=10, case=resolved[0])
    survey_answer(customer, resolved_at + 2 * HOUR, csat=3, nps=5, case=resolved[1])
    # Answers to a survey not sent after a case, and of a contact without cases: not
    # about care.
    survey_answer(customer, resolved_at + HOUR, csat=1, nps=0)
    other = Contact.objects.create(first_name="Ion", last_name="Popa", team=teams["north"])
    survey_answer(other, resolved_at + HOUR, csat=1, nps=0)
    figures = dashboard.satisfaction(user=admin, period=period)
    assert figures["answers"] == 2
    assert figures["csat"] == 4.0
    assert figures["nps"] == 0  # one promoter, one detractor
    assert sum(w["answers"] for w in figures["weeks"]) == 2


def test_a_period_is_whole_weeks_in_the_users_time_zone():
    now = datetime.datetime(2026, 3, 4, 12, 0, tzinfo=ROME)  # a Wednesday
    period = dashboard.Period.last_weeks(2, zone=ROME, now=now)
    assert period.start == datetime.datetime(2026, 2, 23, 0, 0, tzinfo=ROME)
    assert period.weeks() == [datetime.date(2026, 2, 23), datetime.date(2026, 3, 2)]
    assert len(dashboard.Period.last_weeks(10_000, zone=ROME, now=now).weeks()) == 104


def test_the_dashboard_page_shows_an_agent_their_queues_figures(client, agents, known):
    client.force_login(agents["dario"])
    response = client.get("/cases/dashboard/")
    body = response.content.decode()
    assert response.status_code == 200
    table = body[body.index('data-testid="open-table"') :]
    table = table[: table.index("</table>")]
    assert "Support South" in table and "Support North" not in table
    assert 'data-testid="open-chart"' in body and 'data-testid="fr-chart"' in body
    agents_table = body[body.index('data-testid="agents"') :]
    assert f'data-agent="{agents["dario"].pk}"' in agents_table
    assert f'data-agent="{agents["anna"].pk}"' not in agents_table
    # Odd parameters fall back to the defaults instead of failing.
    for query in ("weeks=abc", "weeks=3", "queue=99999999999999999", "queue=<script>"):
        assert client.get(f"/cases/dashboard/?{query}").status_code == 200, query


def test_the_dashboard_page_filters_by_queue_and_period(
    client, admin, known, queue, login_verified
):
    login_verified(client, admin)
    body = client.get(f"/cases/dashboard/?queue={queue.pk}&weeks=4").content.decode()
    table = body[body.index('data-testid="open-table"') :]
    table = table[: table.index("</table>")]
    assert "Support North" in table and "Support South" not in table
    assert 'data-testid="fr-rate">75.0 %' in body
    assert 'data-testid="res-rate">50.0 %' in body
    times = body[body.index('data-testid="times-first-response"') :]
    assert "20 min" in times[: times.index("</tr>")]
    for hostile in ("²", "abc", "-1", "99999999999999999999"):  # every queue, no error
        assert client.get(f"/cases/dashboard/?queue={hostile}").status_code == 200


def test_roles_without_cases_count_nothing_and_are_told_why(client, make_user, known):
    client.force_login(make_user("mara", role="marketing"))
    response = client.get("/cases/dashboard/")
    body = response.content.decode()
    assert response.status_code == 200 and 'data-testid="no-cases"' in body
    assert 'data-testid="open-total">0<' in body
    table = body[body.index('data-testid="open-table"') :]
    assert "Support" not in table[: table.index("</table>")]


def test_the_api_gives_the_same_figures_over_what_the_caller_may_see(
    client, agents, known, bearer, queue
):
    headers = bearer(agents["dario"])
    response = client.get("/api/v1/cases/dashboard?weeks=4", headers=headers)
    assert response.status_code == 200, response.content
    data = response.json()
    assert {row["queue"] for row in data["open"]["rows"]} == {"Support South"}
    assert data["open"]["total"] == 2
    assert data["times"]["first_response"]["count"] == 1
    assert [a["assignee_id"] for a in data["agents"]] == [agents["dario"].pk]
    assert len(data["compliance"]["weeks"]) == 4
    assert client.get("/api/v1/cases/dashboard?weeks=0", headers=headers).status_code == 422
    unknown = client.get("/api/v1/cases/dashboard?queue_id=99999999", headers=headers)
    assert unknown.status_code == 400 and "queue_id" in unknown.content.decode()
    north = client.get(
        f"/api/v1/cases/dashboard?queue_id={queue.pk}", headers=bearer(agents["anna"])
    ).json()
    assert north["compliance"]["totals"]["first_response"]["rate"] == 75.0
    assert north["queue_id"] == queue.pk


def test_a_member_says_whether_they_take_new_cases(client, agents, queue, south_queue):
    client.force_login(agents["anna"])
    body = client.get("/cases/dashboard/").content.decode()
    assert f'data-testid="availability-{queue.pk}"' in body
    assert (
        client.post(f"/cases/queues/{queue.pk}/availability/", {"available": "0"}).status_code
        == 302
    )
    assert QueueMember.objects.get(queue=queue, user=agents["anna"]).available is False
    client.post(f"/cases/queues/{queue.pk}/availability/", {"available": "1"})
    assert QueueMember.objects.get(queue=queue, user=agents["anna"]).available is True
    # Not a member of the south queue: not found, nothing changes.
    assert client.post(f"/cases/queues/{south_queue.pk}/availability/").status_code == 404
    assert client.post("/cases/queues/99999999/availability/").status_code == 404
