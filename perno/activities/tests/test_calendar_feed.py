"""The ICS feed at a secret, revocable address: made and shown once, stored hashed,
readable without log-in while active, a 404 once revoked or when unknown, holding only
what its user may see, without descriptions confidential to them."""

import datetime
import hashlib
import json

import pytest
from django.core.cache import cache
from django.utils import timezone
from icalendar import Calendar

from perno.activities.calendar_feeds import feed_authenticate, feed_create
from perno.activities.models import CalendarFeed
from perno.activities.services import activity_create, activity_update
from perno.records.confidential import confidential_fields_set

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_rate_memory():
    cache.clear()
    yield
    cache.clear()


def soon(days: int = 3) -> datetime.datetime:
    return timezone.now().replace(microsecond=0) + datetime.timedelta(days=days)


def events(response) -> dict[str, dict]:
    calendar = Calendar.from_ical(response.content)
    return {str(e["SUMMARY"]): e for e in calendar.walk("VEVENT")}


def make_feed(client, user) -> str:
    client.force_login(user)
    page = client.post("/calendar/feed/", {"action": "create"}).content.decode()
    start = page.index("http://testserver/calendar/feed/")
    url = page[start : page.index('"', start)]
    client.logout()
    return url.removeprefix("http://testserver")


def test_the_feed_is_made_shown_once_works_without_log_in_and_is_hashed_at_rest(client, user):
    demo = activity_create(
        actor=user,
        data={
            "kind": "meeting",
            "subject": "Demo Rossi",
            "description": "Portare il preventivo",
            "due_at": soon(),
            "duration_minutes": 90,
        },
    )
    path = make_feed(client, user)
    token = path.removeprefix("/calendar/feed/").removesuffix(".ics")
    feed = CalendarFeed.objects.get()
    assert (
        feed.token_hash == hashlib.sha256(token.encode()).hexdigest()
        and token not in feed.token_hash
    )
    assert feed.prefix == token[: len(feed.prefix)] and len(token) > 40
    response = client.get(path)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    event = events(response)["Demo Rossi"]
    assert str(event["UID"]) == f"perno-activity-{demo.pk}@example.com" or str(
        event["UID"]
    ).startswith(f"perno-activity-{demo.pk}@")
    assert event["SEQUENCE"] == 0 and str(event["STATUS"]) == "CONFIRMED"
    assert str(event["DESCRIPTION"]) == "Portare il preventivo"
    assert event["DTSTART"].dt == demo.due_at and event["DTEND"].dt == demo.ends_at
    assert event.get("DTSTAMP") is not None
    assert str(event["URL"]) == f"http://testserver/activities/{demo.pk}/"
    # The page never shows the address again.
    client.force_login(user)
    assert token not in client.get("/calendar/feed/").content.decode()
    activity_update(actor=user, activity=demo, data={"subject": "Demo Rossi"}, expected_version=1)
    activity_update(actor=user, activity=demo, data={"status": "cancelled"}, expected_version=2)
    again = events(client.get(path))["Demo Rossi"]
    assert again["SEQUENCE"] == 2 and str(again["STATUS"]) == "CANCELLED"
    assert again["UID"] == event["UID"]


def test_a_revoked_or_unknown_address_is_a_404_and_a_new_one_replaces_the_old(client, user):
    first = make_feed(client, user)
    second = make_feed(client, user)
    assert client.get(first).status_code == 404  # regenerated: the old address is gone
    assert client.get(second).status_code == 200
    assert (
        client.get("/calendar/feed/pcal_nosuchtokenatall0000000000000000000000000.ics").status_code
        == 404
    )
    assert client.get("/calendar/feed/whatever.ics").status_code == 404
    client.force_login(user)
    active = CalendarFeed.objects.get(revoked_at__isnull=True)
    response = client.post("/calendar/feed/", {"action": "revoke", "feed": active.pk})
    assert response.status_code == 302
    client.logout()
    assert client.get(second).status_code == 404
    user.is_active = False
    user.save()
    assert feed_authenticate(second.removeprefix("/calendar/feed/").removesuffix(".ics")) is None


def test_a_user_cannot_revoke_someone_elses_feed(client, user, make_user):
    other = make_user("ion")
    feed, clear = feed_create(actor=other)
    client.force_login(user)
    assert client.post("/calendar/feed/", {"action": "revoke", "feed": feed.pk}).status_code == 404
    assert client.post("/calendar/feed/", {"action": "revoke", "feed": "x"}).status_code == 404
    assert feed_authenticate(clear) is not None


def test_the_feed_holds_only_what_its_user_may_see_in_the_window(
    client, user, make_user, admin_user
):
    stranger = make_user("ion", team="Sud")
    mine = activity_create(actor=user, data={"subject": "Mine", "due_at": soon()})
    given = activity_create(
        actor=stranger, data={"subject": "Given to Giulia", "due_at": soon(), "assignee": user}
    )
    # Assigned to Giulia, but confidential: her role may not see confidential records.
    activity_create(
        actor=admin_user,
        data={"subject": "Secret", "due_at": soon(), "assignee": user, "is_confidential": True},
    )
    activity_create(actor=stranger, data={"subject": "Ion's own", "due_at": soon()})
    activity_create(actor=user, data={"subject": "Long ago", "due_at": soon(-200)})
    activity_create(actor=user, data={"subject": "Far ahead", "due_at": soon(500)})
    activity_create(actor=user, data={"kind": "note", "subject": "A note", "due_at": soon()})
    activity_create(actor=user, data={"subject": "No date"})
    assert min(mine.pk, given.pk) > 10_000
    path = make_feed(client, user)
    assert sorted(events(client.get(path))) == ["Given to Giulia", "Mine"]


def test_a_description_confidential_to_the_user_is_left_out(client, user, admin_user):
    activity_create(
        actor=user,
        data={
            "subject": "Call",
            "description": "Private matter",
            "due_at": soon(),
            "assignee": admin_user,
        },
    )
    confidential_fields_set(actor=admin_user, subject="activity", fields=["description"])
    path = make_feed(client, user)
    response = client.get(path)
    assert (
        "DESCRIPTION" not in events(response)["Call"] and b"Private matter" not in response.content
    )
    # Who may see confidential data (the administrator it is assigned to) reads it.
    _feed, clear = feed_create(actor=admin_user)
    admin_feed = client.get(f"/calendar/feed/{clear}.ics")
    assert str(events(admin_feed)["Call"]["DESCRIPTION"]) == "Private matter"


def test_too_many_requests_from_one_address_are_refused(client, user, settings):
    path = make_feed(client, user)
    for _ in range(60):
        assert client.get(path).status_code == 200
    refused = client.get(path)
    assert refused.status_code == 429 and refused["Retry-After"] == "60"


def test_api_makes_lists_and_revokes_feeds(api, client, user, make_user):
    made = api.post("/api/v1/calendar/feeds")
    assert made.status_code == 201
    url = made.json()["url"]
    assert url.startswith("http://testserver/calendar/feed/pcal_") and url.endswith(".ics")
    listed = api.get("/api/v1/calendar/feeds").json()
    assert [f["id"] for f in listed] == [made.json()["id"]] and "url" not in listed[0]
    assert client.get(url.removeprefix("http://testserver")).status_code == 200
    other, _clear = feed_create(actor=make_user("ion"))
    assert api.delete(f"/api/v1/calendar/feeds/{other.pk}").status_code == 404
    assert api.delete(f"/api/v1/calendar/feeds/{made.json()['id']}").status_code == 204
    assert client.get(url.removeprefix("http://testserver")).status_code == 404
    assert json.loads(api.get("/api/v1/calendar/feeds").content)[0]["revoked_at"] is not None
