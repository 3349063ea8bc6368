"""Service levels through the API: administrators manage calendars and policies through
the audited services; everyone else gets 403."""

from __future__ import annotations

import pytest

from perno.accounts.services import token_create
from perno.audit.models import ChangeEntry
from perno.marketing.models import Segment
from perno.sla.models import BusinessCalendar, SlaPolicy

pytestmark = pytest.mark.django_db

HOURS = {"mon": ["09:00-17:00"], "tue": ["09:00-17:00"], "wed": ["09:00-12:00"]}


def caller(client, user):
    _token, clear = token_create(user=user, name="sla", scope="write")
    headers = {"Authorization": f"Bearer {clear}"}

    class Api:
        def call(self, method, path, data=None):
            kwargs = {"headers": headers}
            if data is not None:
                kwargs.update(data=data, content_type="application/json")
            return getattr(client, method)(f"/api/v1/sla/{path}", **kwargs)

    return Api()


@pytest.fixture
def admin_api(client, admin_user):
    return caller(client, admin_user)


def test_calendars_are_listed_created_changed_and_deleted(admin_api):
    listed = admin_api.call("get", "calendars")
    assert listed.status_code == 200
    assert {c["name"] for c in listed.json()} == {"Italia", "România"}
    response = admin_api.call(
        "post",
        "calendars",
        {
            "name": "Cluj",
            "country": "RO",
            "hours": HOURS,
            "closed_days": [{"date": "2026-12-24", "name": "Ajun"}],
            "open_days": [{"date": "2026-12-01", "hours": ["10:00-12:00"]}],
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["time_zone"] == "Europe/Rome"  # the installation's zone by default
    assert body["hours"]["thu"] == [] and body["hours"]["wed"] == ["09:00-12:00"]
    assert body["open_days"] == [{"date": "2026-12-01", "name": "", "hours": ["10:00-12:00"]}]
    pk = body["id"]
    response = admin_api.call("patch", f"calendars/{pk}", {"time_zone": "Europe/Bucharest"})
    assert response.status_code == 200 and response.json()["time_zone"] == "Europe/Bucharest"
    assert response.json()["closed_days"] == [{"date": "2026-12-24", "name": "Ajun"}]
    closures = admin_api.call("get", f"calendars/{pk}/closures?year=2026").json()
    by_date = {row["date"]: row for row in closures}
    assert by_date["2026-12-01"]["kind"] == "public" and by_date["2026-12-01"]["open"] is True
    assert by_date["2026-12-24"] == {
        "date": "2026-12-24",
        "name": "Ajun",
        "kind": "company",
        "open": False,
    }
    assert by_date["2026-04-13"]["kind"] == "public"  # Orthodox Easter Monday
    assert admin_api.call("get", f"calendars/{pk}").json()["name"] == "Cluj"
    assert admin_api.call("delete", f"calendars/{pk}").status_code == 204
    assert not BusinessCalendar.objects.filter(pk=pk).exists()
    assert (
        ChangeEntry.objects.filter(content_type__model="businesscalendar", object_id=pk).count()
        == 3
    )


def test_bad_calendar_data_is_refused_with_the_reason_and_nothing_saved(admin_api):
    before = BusinessCalendar.objects.count()
    cases = [
        ({"name": "X", "hours": {"mon": ["13:00-09:00"]}}, 400, "hours", "ends before it starts"),
        (
            {"name": "X", "hours": HOURS, "time_zone": "Nowhere/City"},
            400,
            "time_zone",
            "not a time zone",
        ),
        ({"name": "X", "hours": HOURS, "country": "DE"}, 400, "country", "not a valid choice"),
        (
            {"name": "X", "hours": HOURS, "closed_days": [{"date": "13-01"}]},
            400,
            "closed_days",
            "not a day of the year",
        ),
        ({"name": "Italia", "hours": HOURS}, 409, "name", "already exists"),
        ({"name": "X", "hours": HOURS, "time_zone": "Europe/\u0000Rome"}, 400, "", "NUL"),
        ({"name": "X"}, 422, "hours", ""),
        (
            {"name": "X", "hours": HOURS, "closed_days": [{"date": "2026-01-01"}] * 501},
            422,
            "closed_days",
            "",
        ),
    ]
    for data, status, field, words in cases:
        response = admin_api.call("post", "calendars", data)
        assert response.status_code == status, (data, response.content)
        if field:
            assert field in response.json()["errors"], response.json()
        assert words in str(response.json()), response.json()
    italia = BusinessCalendar.objects.get(name="Italia")
    response = admin_api.call("patch", f"calendars/{italia.pk}", {"hours": None})
    assert response.status_code == 400 and "hours" in response.json()["errors"]
    response = admin_api.call("delete", f"calendars/{italia.pk}")
    assert response.status_code == 400 and "used by the policies" in str(response.json())
    assert admin_api.call("get", "calendars/99999999").status_code == 404
    assert BusinessCalendar.objects.count() == before


def test_policies_are_listed_created_changed_and_deleted(admin_api):
    listed = admin_api.call("get", "policies").json()
    assert [p["name"] for p in listed] == ["Urgent", "High", "Normal", "Low"]
    assert listed[0]["calendar"]["name"] == "Italia" and listed[0]["segment"] is None
    italia = BusinessCalendar.objects.get(name="Italia")
    segment = Segment.objects.create(name="Gold", kind="static")
    response = admin_api.call(
        "post",
        "policies",
        {
            "name": "Gold urgent",
            "priority": 4,
            "segment_id": segment.pk,
            "calendar_id": italia.pk,
            "first_response_minutes": 20,
            "resolution_minutes": 120,
            "warn_before_minutes": 5,
            "rank": 1,
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["segment"] == {"id": segment.pk, "name": "Gold"} and body["active"] is True
    pk = body["id"]
    response = admin_api.call("patch", f"policies/{pk}", {"segment_id": None, "priority": None})
    assert response.status_code == 200
    assert response.json()["segment"] is None and response.json()["priority"] is None
    response = admin_api.call("patch", f"policies/{pk}", {"rank": None})
    assert response.status_code == 400 and "rank" in response.json()["errors"]
    assert admin_api.call("delete", f"policies/{pk}").status_code == 204
    assert not SlaPolicy.objects.filter(pk=pk).exists()


def test_bad_policy_data_is_refused_and_nothing_saved(admin_api):
    italia = BusinessCalendar.objects.get(name="Italia")
    base = {
        "name": "P",
        "calendar_id": italia.pk,
        "first_response_minutes": 60,
        "resolution_minutes": 90,
    }
    before = SlaPolicy.objects.count()
    cases = [
        ({**base, "resolution_minutes": 30}, 400, "resolution_minutes"),
        ({**base, "warn_before_minutes": 60}, 400, "warn_before_minutes"),
        ({**base, "calendar_id": 99_999_999}, 400, "calendar_id"),
        ({**base, "segment_id": 99_999_999}, 400, "segment_id"),
        ({**base, "priority": 5}, 422, "priority"),
        ({**base, "first_response_minutes": 0}, 422, "first_response_minutes"),
        ({**base, "resolution_minutes": 10**12}, 422, "resolution_minutes"),
        ({**base, "name": ""}, 422, "name"),
    ]
    for data, status, field in cases:
        response = admin_api.call("post", "policies", data)
        assert response.status_code == status, (data, response.content)
        assert field in response.json()["errors"], response.json()
    assert SlaPolicy.objects.count() == before


@pytest.mark.parametrize("role", ["sales", "manager", "support", "dpo", "auditor"])
def test_everyone_but_administrators_gets_403(client, make_user, role):
    api = caller(client, make_user(role=role))
    italia = BusinessCalendar.objects.get(name="Italia")
    urgent = SlaPolicy.objects.get(name="Urgent")
    calls = [
        ("get", "calendars", None),
        ("post", "calendars", {"name": "X", "hours": HOURS}),
        ("get", f"calendars/{italia.pk}", None),
        ("patch", f"calendars/{italia.pk}", {"name": "Hacked"}),
        ("delete", f"calendars/{italia.pk}", None),
        ("get", f"calendars/{italia.pk}/closures", None),
        ("get", "policies", None),
        (
            "post",
            "policies",
            {
                "name": "P",
                "calendar_id": italia.pk,
                "first_response_minutes": 1,
                "resolution_minutes": 2,
            },
        ),
        ("get", f"policies/{urgent.pk}", None),
        ("patch", f"policies/{urgent.pk}", {"name": "Hacked"}),
        ("delete", f"policies/{urgent.pk}", None),
    ]
    for method, path, data in calls:
        response = api.call(method, path, data)
        assert response.status_code == 403, (method, path, response.content)
    assert BusinessCalendar.objects.get(pk=italia.pk).name == "Italia"
    assert SlaPolicy.objects.get(pk=urgent.pk).name == "Urgent"
