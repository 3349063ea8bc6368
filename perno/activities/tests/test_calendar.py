"""The calendar: periods in the user's language and time zone, entries through the gate,
the month, week and day pages, and rescheduling (page and API) with the optimistic
version and the change history."""

import datetime
import json
import zoneinfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from perno.accounts.services import user_set_preference
from perno.activities import calendar
from perno.activities.calendar_time import calendar_zone, first_weekday, parse_moment
from perno.activities.models import Activity
from perno.activities.services import activity_create, activity_update
from perno.audit.models import ChangeEntry

pytestmark = pytest.mark.django_db

ROME = zoneinfo.ZoneInfo("Europe/Rome")


def at(year, month, day, hour=0, minute=0, zone=ROME):
    return datetime.datetime(year, month, day, hour, minute, tzinfo=zone)


def meeting(actor, subject, due, **extra):
    return activity_create(
        actor=actor, data={"kind": "meeting", "subject": subject, "due_at": due, **extra}
    )


# --- Periods ---------------------------------------------------------------------------------


def test_the_week_starts_on_monday_in_italian_and_romanian_and_sunday_in_english():
    assert (first_weekday("it"), first_weekday("ro"), first_weekday("en")) == (0, 0, 6)
    july = datetime.date(2030, 7, 17)  # 1 July 2030 is a Monday
    italian = calendar.period_for("month", july, first_weekday("it"))
    english = calendar.period_for("month", july, first_weekday("en"))
    assert italian.start == datetime.date(2030, 7, 1)
    assert english.start == datetime.date(2030, 6, 30)
    assert italian.end == datetime.date(2030, 8, 5) and len(italian.weeks) == 5
    assert (italian.previous, italian.next) == (
        datetime.date(2030, 6, 1),
        datetime.date(2030, 8, 1),
    )
    week = calendar.period_for("week", july, 0)
    assert (week.start, week.end) == (datetime.date(2030, 7, 15), datetime.date(2030, 7, 22))
    day = calendar.period_for("day", july, 0)
    assert day.days == [july] and day.next == datetime.date(2030, 7, 18)


def test_a_day_of_daylight_saving_change_has_its_real_length():
    day = calendar.period_for("day", datetime.date(2030, 3, 31), 0)  # clocks forward in Rome
    start, end = day.bounds(ROME)
    assert end.astimezone(datetime.UTC) - start.astimezone(datetime.UTC) == datetime.timedelta(
        hours=23
    )


def test_times_typed_without_an_offset_are_read_in_the_user_zone():
    bucharest = zoneinfo.ZoneInfo("Europe/Bucharest")
    moment = parse_moment("2030-07-10T09:30", bucharest)
    assert moment.astimezone(datetime.UTC).hour == 6
    assert parse_moment("2030-07-10T09:30+00:00", bucharest).hour == 9
    for bad in ("tomorrow", "2030-13-01T10:00", "9999-01-01T10:00", ""):
        with pytest.raises(ValidationError) as caught:
            parse_moment(bad, bucharest)
        assert "due_at" in caught.value.message_dict


# --- Entries and the gate --------------------------------------------------------------------


@pytest.fixture
def people(make_user, user):
    mate = make_user("marco", team="Vendite Nord")
    stranger = make_user("ion", team="Sud")
    return user, mate, stranger


def test_entries_are_the_users_own_or_a_teams_and_never_out_of_sight(people):
    user, mate, stranger = people
    mine = meeting(user, "Mine", at(2030, 7, 10, 9))
    given = activity_create(
        actor=mate, data={"subject": "For Giulia", "due_at": at(2030, 7, 11, 9), "assignee": user}
    )
    teammates = meeting(mate, "Marco's", at(2030, 7, 12, 9))
    elsewhere = meeting(stranger, "Ion's", at(2030, 7, 12, 10))
    note = activity_create(
        actor=user, data={"kind": "note", "subject": "A note", "due_at": at(2030, 7, 12, 11)}
    )
    assert min(mine.pk, elsewhere.pk) > 10_000
    start, end = at(2030, 7, 1), at(2030, 8, 1)
    own, _more = calendar.calendar_entries(user=user, start=start, end=end)
    assert [a.pk for a in own] == [mine.pk, given.pk]
    team = calendar.owner_for(user, f"team:{user.team_id}")
    rows, _more = calendar.calendar_entries(user=user, start=start, end=end, owner=team)
    assert {a.pk for a in rows} == {mine.pk, given.pk, teammates.pk}
    # Ion's calendar and his team are out of reach: his meeting is never listed.
    assert calendar.owner_for(user, f"team:{stranger.team_id}").kind == "mine"
    theirs = calendar.owner_for(user, f"user:{stranger.pk}")
    rows, _more = calendar.calendar_entries(user=user, start=start, end=end, owner=theirs)
    assert rows == []
    assert elsewhere.pk not in {a.pk for a in rows} and note.pk not in {a.pk for a in own}


def test_a_period_lists_at_most_the_limit(user):
    for hour in range(3):
        meeting(user, f"M{hour}", at(2030, 7, 10, 9 + hour))
    rows, more = calendar.calendar_entries(
        user=user, start=at(2030, 7, 1), end=at(2030, 8, 1), limit=2
    )
    assert len(rows) == 2 and more


# --- Pages -----------------------------------------------------------------------------------


def test_month_week_and_day_pages_show_entries_coloured_linked_and_overdue(client_user, people):
    user, _mate, stranger = people
    late = activity_create(
        actor=user,
        data={
            "subject": "Richiamare <b>Rossi</b>",
            "due_at": timezone.now() - datetime.timedelta(days=1),
        },
    )
    future = meeting(user, "Demo", at(2030, 7, 10, 15, 30), duration_minutes=45)
    hidden = meeting(stranger, "Ion secret", at(2030, 7, 10, 16))
    page = client_user.get("/calendar/", {"date": "2030-07-10"}).content.decode()
    assert 'data-testid="calendar-month"' in page
    assert f'data-testid="entry-{future.pk}"' in page and "cal-kind-meeting" in page
    assert f'href="/activities/{future.pk}/"' in page and "15:30" in page
    assert "Ion secret" not in page and f"entry-{hidden.pk}" not in page
    assert f'data-version="{future.version}"' in page
    week = client_user.get("/calendar/", {"view": "week", "date": "2030-07-10"}).content.decode()
    assert 'data-testid="calendar-week"' in week and "Demo" in week
    day = client_user.get("/calendar/", {"view": "day", "date": "2030-07-10"}).content.decode()
    assert 'data-testid="hour-15"' in day and "Demo" in day
    assert "date=2030-07-09" in day and "date=2030-07-11" in day  # previous and next
    today = timezone.localtime(late.due_at).date().isoformat()
    overdue = client_user.get("/calendar/", {"view": "day", "date": today}).content.decode()
    assert (
        "is-overdue" in overdue
        and "&lt;b&gt;Rossi&lt;/b&gt;" in overdue
        and "<b>Rossi" not in overdue
    )


def test_the_page_is_in_the_users_language_and_time_zone(client, make_user):
    ana = make_user("ana", team="București")
    user_set_preference(user=ana, key="time_zone", value="Europe/Bucharest")
    meeting(ana, "Întâlnire", at(2030, 7, 1, 9))  # 9:00 in Rome is 10:00 in Bucharest
    client.force_login(ana)
    client.post("/language/", {"language": "ro", "next": "/"})
    page = client.get("/calendar/", {"date": "2030-07-01"}).content.decode()
    assert "Iulie 2030" in page and "10:00" in page and "Europe/Bucharest" in page
    # Monday first: the grid opens on Monday 1 July.
    assert page.index('data-testid="day-2030-07-01"') < page.index('data-testid="day-2030-07-07"')
    assert 'data-testid="day-2030-06-30"' not in page
    translation.activate("en")


def test_the_time_zone_is_a_preference_checked_against_the_list(client_user, user):
    response = client_user.post(
        "/calendar/time-zone/", {"time_zone": "Mars/Olympus", "next": "/calendar/"}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert calendar_zone(user) == ROME
    client_user.post("/calendar/time-zone/", {"time_zone": "Europe/Bucharest"})
    user.refresh_from_db()
    assert str(calendar_zone(user)) == "Europe/Bucharest"


def test_the_calendar_page_keeps_its_query_budget(client_user, user, django_assert_max_num_queries):
    for day in range(1, 25):
        meeting(user, f"M{day}", at(2030, 7, day, 10))
    with django_assert_max_num_queries(20):
        response = client_user.get("/calendar/", {"date": "2030-07-10"})
    assert response.status_code == 200 and response.content.decode().count("cal-entry ") == 24


def test_bad_addresses_fall_back_instead_of_failing(client_user):
    for params in (
        {"view": "year", "date": "2030-99-01"},
        {"date": "0001-01-01"},
        {"who": "team:abc"},
        {"who": "user:99999999"},
        {"date": "2200-12-31", "view": "month"},
    ):
        assert client_user.get("/calendar/", params).status_code == 200


# --- Rescheduling ---------------------------------------------------------------------------


def post_move(client, activity, due, version, **headers):
    return client.post(
        f"/calendar/activities/{activity.pk}/move/",
        {"due_at": due, "version": version, "next": "/calendar/"},
        headers=headers,
    )


def test_drag_to_reschedule_moves_keeps_the_duration_and_the_reminder_gap(client_user, user):
    demo = meeting(
        user, "Demo", at(2030, 7, 10, 15), duration_minutes=60, remind_at=at(2030, 7, 10, 14)
    )
    response = post_move(
        client_user, demo, "2030-07-12T15:00", demo.version, Accept="application/json"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["version"] == 2 and body["due"] == "2030-07-12T15:00" and "moved" in body["message"]
    demo.refresh_from_db()
    assert demo.due_at == at(2030, 7, 12, 15) and demo.duration_minutes == 60
    assert demo.remind_at == at(2030, 7, 12, 14)
    entry = ChangeEntry.objects.filter(object_id=str(demo.pk), action="update").latest("id")
    assert "due_at" in entry.changes


def test_a_stale_version_is_a_409_that_changes_nothing_and_leaves_a_message(client_user, user):
    demo = meeting(user, "Demo", at(2030, 7, 10, 15))
    activity_update(actor=user, activity=demo, data={"subject": "Demo v2"}, expected_version=1)
    response = post_move(client_user, demo, "2030-07-12T15:00", 1, Accept="application/json")
    assert response.status_code == 409
    assert "changed" in response.json()["message"] and response.json()["current_version"] == 2
    demo.refresh_from_db()
    assert demo.due_at == at(2030, 7, 10, 15)
    page = client_user.get("/calendar/", {"date": "2030-07-10"}).content.decode()
    assert "Someone else changed “Demo v2”" in page or "Someone else changed" in page


def test_the_move_to_form_works_without_script_and_explains_bad_input(client_user, user):
    demo = meeting(user, "Demo", at(2030, 7, 10, 15))
    response = post_move(client_user, demo, "2030-07-11T08:15", demo.version)
    assert response.status_code == 302 and response["Location"] == "/calendar/"
    demo.refresh_from_db()
    assert demo.due_at == at(2030, 7, 11, 8, 15)
    bad = post_move(client_user, demo, "not a date", demo.version, Accept="application/json")
    assert bad.status_code == 400 and "YYYY-MM-DD" in bad.json()["message"]
    far = post_move(client_user, demo, "9999-01-01T10:00", demo.version, Accept="application/json")
    assert far.status_code == 400
    version = post_move(client_user, demo, "2030-07-11T08:15", "x1", Accept="application/json")
    assert version.status_code == 400
    note = activity_create(
        actor=user, data={"kind": "note", "subject": "N", "due_at": at(2030, 7, 1, 9)}
    )
    kind = post_move(client_user, note, "2030-07-11T08:15", note.version, Accept="application/json")
    assert kind.status_code == 400
    offsite = client_user.post(
        f"/calendar/activities/{demo.pk}/move/",
        {"due_at": "2030-07-11T09:00", "next": "https://evil.example/"},
    )
    assert offsite["Location"] == "/calendar/"


def test_another_teams_activity_cannot_be_moved_or_seen(client_user, people):
    _user, mate, stranger = people
    theirs = meeting(stranger, "Ion's", at(2030, 7, 10, 15))
    assert post_move(client_user, theirs, "2030-07-12T15:00", 1).status_code == 404
    teammates = meeting(mate, "Marco's", at(2030, 7, 10, 15))  # visible, not editable
    assert post_move(client_user, teammates, "2030-07-12T15:00", 1).status_code == 403
    theirs.refresh_from_db()
    teammates.refresh_from_db()
    assert theirs.version == teammates.version == 1


# --- API ------------------------------------------------------------------------------------


def test_api_entries_for_a_range_and_reschedule_with_if_match(api, client, user, people):
    _user, _mate, stranger = people
    demo = meeting(user, "Demo", at(2030, 7, 10, 15), duration_minutes=30)
    meeting(stranger, "Ion's", at(2030, 7, 10, 16))
    response = api.get(
        "/api/v1/calendar/entries", data={"start": "2030-07-01T00:00", "end": "2030-08-01T00:00"}
    )
    assert response.status_code == 200
    body = response.json()
    assert [e["id"] for e in body["entries"]] == [demo.pk] and body["time_zone"] == "Europe/Rome"
    assert body["entries"][0]["ends_at"].startswith("2030-07-10T13:30")  # UTC
    too_long = api.get(
        "/api/v1/calendar/entries", data={"start": "2030-01-01", "end": "2030-12-01"}
    )
    assert too_long.status_code == 400
    unknown = api.get(
        "/api/v1/calendar/entries",
        data={
            "start": "2030-07-01T00:00",
            "end": "2030-07-02T00:00",
            "who": f"team:{stranger.team_id}",
        },
    )
    assert unknown.status_code == 400
    moved = client.post(
        f"/api/v1/calendar/activities/{demo.pk}/reschedule",
        json.dumps({"due_at": "2030-07-11T10:00"}),
        content_type="application/json",
        headers={**api.headers, "If-Match": '"1"'},
    )
    assert moved.status_code == 200 and moved.json()["version"] == 2
    assert moved.json()["due_at"].startswith("2030-07-11T08:00")
    stale = api.post(
        f"/api/v1/calendar/activities/{demo.pk}/reschedule",
        json.dumps({"due_at": "2030-07-12T10:00", "version": 1}),
    )
    assert stale.status_code == 409 and stale.json()["current_version"] == 2
    demo.refresh_from_db()
    assert demo.due_at == at(2030, 7, 11, 10) and demo.kind == Activity.Kind.MEETING
