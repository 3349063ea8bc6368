from __future__ import annotations

from typing import Any

import pytest

from perno.cases.models import Case, CaseCategory, Queue, QueueMember

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client: Any, bearer: Any, agents: dict[str, Any]) -> Any:
    """Calls as an agent of the north team (or as ``who``)."""

    def call(method: str, path: str, body: Any = None, who: Any = None, **headers: str) -> Any:
        auth = {**bearer(who or agents["anna"]), **headers}
        if method == "get":
            return client.get(path, body or {}, headers=auth)
        return getattr(client, method)(
            path, body or {}, content_type="application/json", headers=auth
        )

    return call


def test_open_get_list_and_update_a_case(api, queue, customer):
    created = api(
        "post",
        "/api/v1/cases",
        {
            "subject": "Chat: the app crashes",
            "queue_id": queue.pk,
            "channel": "chat",
            "contact_email": "MARIA.bianchi@example.com",
            "priority": 3,
        },
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["contact_id"] == customer.pk and body["channel"] == "chat"
    assert body["reference"].startswith("C-") and body["queue"]["id"] == queue.pk
    assert body["sla_state"] in {"on_track", "at_risk", "breached"}
    assert body["assignee"] is not None  # round robin
    listed = api("get", "/api/v1/cases", {"status": "active", "priority": "3"}).json()
    assert [item["id"] for item in listed["items"]] == [body["id"]]
    changed = api("patch", f"/api/v1/cases/{body['id']}", {"subject": "App crash", "version": 1})
    assert changed.status_code == 200 and changed.json()["version"] == 2
    stale = api("patch", f"/api/v1/cases/{body['id']}", {"subject": "Again", "version": 1})
    assert stale.status_code == 409
    assert stale.json()["current"]["subject"] == "App crash"
    assert Case.objects.get(pk=body["id"]).subject == "App crash"


def test_a_case_by_phone_and_the_errors_that_name_their_field(api, queue, customer):
    by_phone = api(
        "post",
        "/api/v1/cases",
        {"subject": "Call", "queue_id": queue.pk, "contact_phone": "06 1234 5678"},
    )
    assert by_phone.status_code == 201, by_phone.content
    assert by_phone.json()["contact_id"] == customer.pk
    before = Case.objects.count()
    cases = [
        ({"subject": "x", "queue_id": 99_999_999}, "queue_id"),
        (
            {"subject": "x", "queue_id": queue.pk, "contact_email": "nobody@example.com"},
            "contact_email",
        ),
        ({"subject": "x", "queue_id": queue.pk, "contact_phone": "12"}, "contact_phone"),
        (
            {
                "subject": "x",
                "queue_id": queue.pk,
                "contact_id": customer.pk,
                "contact_email": "a@b.it",
            },
            "contact_id",
        ),
        ({"subject": "x", "queue_id": queue.pk, "contact_id": 99_999_999}, "contact_id"),
        ({"subject": "x", "queue_id": queue.pk, "category_id": 99_999_999}, "category_id"),
    ]
    for body, field in cases:
        answer = api("post", "/api/v1/cases", body)
        assert answer.status_code == 400, (body, answer.content)
        assert field in answer.json()["errors"], (body, answer.json())
    shape = api("post", "/api/v1/cases", {"subject": "", "queue_id": queue.pk, "priority": 9})
    assert shape.status_code == 422
    assert {"subject", "priority"} <= set(shape.json()["errors"])
    hostile = api(
        "post",
        "/api/v1/cases",
        {"subject": "<script>alert(1)</script>", "queue_id": queue.pk, "description": "x" * 5000},
    )
    assert hostile.status_code == 201
    assert hostile.json()["subject"] == "<script>alert(1)</script>"  # stored as text
    assert Case.objects.count() == before + 1


def test_status_assign_and_merge(api, agents, queue):
    ids = [
        api("post", "/api/v1/cases", {"subject": f"Case {n}", "queue_id": queue.pk}).json()["id"]
        for n in range(3)
    ]
    bad = api("post", f"/api/v1/cases/{ids[0]}/status", {"status": "reopened"})
    assert bad.status_code == 400 and "can go to" in bad.json()["errors"]["status"][0]
    ok = api("post", f"/api/v1/cases/{ids[0]}/status", {"status": "waiting"})
    assert ok.status_code == 200 and ok.json()["sla_state"] == "paused"
    given = api("post", f"/api/v1/cases/{ids[0]}/assign", {"assignee_id": agents["carla"].pk})
    assert given.status_code == 200 and given.json()["assignee"]["id"] == agents["carla"].pk
    outsider = api("post", f"/api/v1/cases/{ids[0]}/assign", {"assignee_id": agents["dario"].pk})
    assert outsider.status_code == 400 and "assignee" in outsider.json()["errors"]
    merged = api("post", f"/api/v1/cases/{ids[0]}/merge", {"sources": [ids[1], ids[2]]})
    assert merged.status_code == 200, merged.content
    assert set(Case.objects.filter(merged_into=ids[0]).values_list("pk", flat=True)) == {
        ids[1],
        ids[2],
    }
    twice = api("post", f"/api/v1/cases/{ids[0]}/merge", {"sources": [ids[1]]})
    assert twice.status_code == 400
    unknown = api("post", f"/api/v1/cases/{ids[0]}/merge", {"sources": [99_999_999]})
    assert unknown.status_code == 400 and "sources" in unknown.json()["errors"]


def test_another_teams_agent_gets_404(api, agents, queue):
    case_id = api("post", "/api/v1/cases", {"subject": "Mine", "queue_id": queue.pk}).json()["id"]
    dario = agents["dario"]
    assert api("get", f"/api/v1/cases/{case_id}", who=dario).status_code == 404
    assert api("patch", f"/api/v1/cases/{case_id}", {"subject": "x"}, who=dario).status_code == 404
    assert (
        api("post", f"/api/v1/cases/{case_id}/status", {"status": "open"}, who=dario).status_code
        == 404
    )
    assert api("delete", f"/api/v1/cases/{case_id}", who=dario).status_code == 404
    assert api("get", "/api/v1/cases", who=dario).json()["items"] == []
    assert Case.objects.get(pk=case_id).subject == "Mine"


def test_queues_and_categories_are_read_by_all_and_changed_by_administrators(
    api, admin, agents, queue, teams
):
    anna = agents["anna"]
    assert [q["name"] for q in api("get", "/api/v1/queues").json()] == ["Support North"]
    denied = api("post", "/api/v1/case-categories", {"name": "Billing"})
    assert denied.status_code == 403
    made = api("post", "/api/v1/case-categories", {"name": "Billing"}, who=admin)
    assert made.status_code == 201
    category = made.json()["id"]
    assert api("post", "/api/v1/case-categories", {"name": "Billing"}, who=admin).status_code == 409
    queue_body = {
        "name": "Billing North",
        "team_id": teams["north"].pk,
        "assignment": "by_category",
        "members": [{"user_id": anna.pk}, {"user_id": agents["bruno"].pk, "available": False}],
        "rules": [{"category_id": category, "user_id": anna.pk}],
    }
    assert api("post", "/api/v1/queues", queue_body).status_code == 403
    created = api("post", "/api/v1/queues", queue_body, who=admin)
    assert created.status_code == 201, created.content
    new = created.json()
    assert [m["available"] for m in new["members"]] == [True, False]
    assert new["rules"][0]["user"]["id"] == anna.pk
    no_team = api(
        "post", "/api/v1/queues", {**queue_body, "name": "X", "team_id": 99_999_999}, who=admin
    )
    assert no_team.status_code == 400 and "team_id" in no_team.json()["errors"]
    outsider_rule = api(
        "patch",
        f"/api/v1/queues/{new['id']}",
        {"rules": [{"category_id": category, "user_id": agents["dario"].pk}]},
        who=admin,
    )
    assert outsider_rule.status_code == 400 and "rules" in outsider_rule.json()["errors"]
    # A member sent without "available" in a PATCH is available (the schema's default).
    members = [{"user_id": agents["bruno"].pk}, {"user_id": anna.pk, "available": False}]
    patched = api("patch", f"/api/v1/queues/{new['id']}", {"members": members}, who=admin)
    assert patched.status_code == 200, patched.content
    assert {m["user"]["id"]: m["available"] for m in patched.json()["members"]} == {
        agents["bruno"].pk: True,
        anna.pk: False,
    }
    api("patch", f"/api/v1/queues/{new['id']}", {"members": queue_body["members"]}, who=admin)
    away = api("put", f"/api/v1/queues/{new['id']}/availability", {"available": False})
    assert away.status_code == 200 and away.json()["available"] is False
    assert not QueueMember.objects.get(queue_id=new["id"], user=anna).available
    not_member = api(
        "put", f"/api/v1/queues/{new['id']}/availability", {"available": True}, who=agents["dario"]
    )
    assert not_member.status_code == 404
    api("post", "/api/v1/cases", {"subject": "Busy", "queue_id": queue.pk})
    full = api("delete", f"/api/v1/queues/{queue.pk}", who=admin)
    assert full.status_code == 400 and "move them" in full.json()["errors"]["queue"][0]
    assert api("delete", f"/api/v1/queues/{new['id']}", who=admin).status_code == 204
    assert not Queue.objects.filter(pk=new["id"]).exists()
    assert api("delete", f"/api/v1/case-categories/{category}", who=admin).status_code == 204
    assert not CaseCategory.objects.filter(pk=category).exists()
