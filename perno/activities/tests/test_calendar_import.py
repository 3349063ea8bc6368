"""Importing an .ics file: good files become meetings in the right time zone; malformed
ones are refused with a clear message and nothing stored; recurring events are expanded
within the window (or refused, saying why); importing again adds nothing."""

import datetime
import zoneinfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from perno.accounts.services import user_set_preference
from perno.activities.calendar_import import ics_import
from perno.activities.models import Activity, ImportedEvent

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
NOW = datetime.datetime(2030, 6, 1, 12, tzinfo=UTC)


def ics(*events: str, extra: str = "") -> bytes:
    body = "".join(f"BEGIN:VEVENT\r\n{e.strip()}\r\nEND:VEVENT\r\n" for e in events)
    text = f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//EN\r\n{extra}{body}END:VCALENDAR\r\n"
    return text.replace("\r\n", "\n").replace("\n", "\r\n").encode()


GOOD = ics(
    """UID:one@example.com
DTSTAMP:20300101T000000Z
DTSTART;TZID=Europe/Rome:20300710T100000
DTEND;TZID=Europe/Rome:20300710T113000
SUMMARY:Riunione <b>Rossi</b>
DESCRIPTION:Ordine del giorno
LOCATION:Milano""",
    """UID:two@example.com
DTSTART:20300711T080000Z
DURATION:PT45M
SUMMARY:Call with Ion
STATUS:CANCELLED""",
    """UID:three@example.com
DTSTART;VALUE=DATE:20300712
SUMMARY:Fiera""",
    """UID:floating@example.com
DTSTART:20300713T090000
SUMMARY:Floating""",
    extra="BEGIN:VTODO\r\nUID:todo\r\nSUMMARY:Not an event\r\nEND:VTODO\r\n",
)


def meetings(user):
    return {a.subject: a for a in Activity.objects.filter(owner=user)}


def test_a_good_file_becomes_meetings_in_the_right_time_zones(user):
    user_set_preference(user=user, key="time_zone", value="Europe/Bucharest")
    result = ics_import(actor=user, data=GOOD, now=NOW)
    assert (result.created, result.ignored) == (4, 1)
    rows = meetings(user)
    riunione = rows["Riunione <b>Rossi</b>"]
    assert riunione.kind == "meeting" and riunione.assignee == user and riunione.pk > 10_000
    assert riunione.due_at == datetime.datetime(2030, 7, 10, 8, tzinfo=UTC)  # 10:00 in Rome
    assert riunione.duration_minutes == 90 and riunione.description.startswith("Place: Milano")
    assert "Ordine del giorno" in riunione.description
    call = rows["Call with Ion"]
    assert call.duration_minutes == 45 and call.status == Activity.Status.CANCELLED
    fair = rows["Fiera"]  # all day: midnight in the user's zone (Bucharest), one day long
    assert fair.due_at == datetime.datetime(2030, 7, 11, 21, tzinfo=UTC)
    assert fair.duration_minutes == 24 * 60
    floating = rows["Floating"]  # no zone: the user's
    assert floating.due_at == datetime.datetime(2030, 7, 13, 6, tzinfo=UTC)
    assert ImportedEvent.objects.filter(user=user).count() == 4


def test_outlook_and_vtimezone_zones_are_honoured(user):
    data = ics(
        """UID:win@example.com
DTSTART;TZID=W. Europe Standard Time:20300115T100000
DTEND;TZID=W. Europe Standard Time:20300115T110000
SUMMARY:Outlook""",
        """UID:custom@example.com
DTSTART;TZID=Ufficio Est:20300715T100000
DTEND;TZID=Ufficio Est:20300715T103000
SUMMARY:Custom zone""",
        extra="""BEGIN:VTIMEZONE\r
TZID:Ufficio Est\r
BEGIN:STANDARD\r
DTSTART:19701025T040000\r
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r
TZOFFSETFROM:+0300\r
TZOFFSETTO:+0200\r
END:STANDARD\r
BEGIN:DAYLIGHT\r
DTSTART:19700329T030000\r
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r
TZOFFSETFROM:+0200\r
TZOFFSETTO:+0300\r
END:DAYLIGHT\r
END:VTIMEZONE\r
""",
    )
    ics_import(actor=user, data=data, now=NOW)
    rows = meetings(user)
    assert rows["Outlook"].due_at == datetime.datetime(2030, 1, 15, 9, tzinfo=UTC)  # CET
    assert rows["Custom zone"].due_at == datetime.datetime(2030, 7, 15, 7, tzinfo=UTC)  # +03:00
    assert rows["Custom zone"].duration_minutes == 30


FINE = "UID:fine\nDTSTART:20300101T100000Z\nSUMMARY:Fine"


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (b"hello world", "not an iCalendar"),
        (b"", "empty"),
        (b"\xff\xfe\x00garbage", "not an iCalendar"),
        (ics(FINE, "UID:x\nSUMMARY:No start"), "has no start"),
        (ics(FINE, "UID:x\nDTSTART:2030XX01\nSUMMARY:Broken"), "is not a date or time"),
        (
            ics(FINE, "UID:x\nDTSTART:20300101T100000Z\nDTEND:20291201T100000Z\nSUMMARY:Back"),
            "ends before it starts",
        ),
        (
            ics(FINE, "UID:x\nDTSTART;TZID=Mars/Olympus:20300101T100000\nSUMMARY:Mars"),
            "Mars/Olympus",
        ),
        (ics(FINE, "UID:x\nDTSTART:99990101T100000Z\nSUMMARY:Far"), "between"),
        (ics(FINE, "UID:x\nDTSTART:20300101T100000Z\nDURATION:P40D\nSUMMARY:Long"), "31 days"),
        (ics(FINE, "UID:x\nDTSTART:20300101T100000Z\nRRULE:garbage\nSUMMARY:Rule"), "frequency"),
        (
            b"BEGIN:VCALENDAR\r\n" + b"X" * (1024 * 1024) + b"\r\nEND:VCALENDAR\r\n",
            "larger than 1 MB",
        ),
    ],
)
def test_malformed_files_are_refused_clearly_and_nothing_is_stored(user, data, fragment):
    with pytest.raises(ValidationError) as caught:
        ics_import(actor=user, data=data, now=NOW)
    assert fragment in " ".join(caught.value.message_dict["file"])
    assert not Activity.objects.exists() and not ImportedEvent.objects.exists()


def test_recurring_events_are_expanded_within_the_window_with_exceptions(user):
    data = ics(
        """UID:weekly@example.com
DTSTART;TZID=Europe/Rome:20300304T090000
DTEND;TZID=Europe/Rome:20300304T093000
RRULE:FREQ=WEEKLY;BYDAY=MO;UNTIL=20300401T235959Z
EXDATE;TZID=Europe/Rome:20300318T090000
SUMMARY:Stand-up""",
        """UID:weekly@example.com
RECURRENCE-ID;TZID=Europe/Rome:20300325T090000
DTSTART;TZID=Europe/Rome:20300326T150000
DTEND;TZID=Europe/Rome:20300326T153000
SUMMARY:Stand-up (moved)""",
        """UID:forever@example.com
DTSTART;VALUE=DATE:20000101
RRULE:FREQ=YEARLY
SUMMARY:Capodanno""",
    )
    result = ics_import(actor=user, data=data, now=datetime.datetime(2030, 3, 1, tzinfo=UTC))
    assert result.series == 2
    standups = Activity.objects.filter(subject__startswith="Stand-up").order_by("due_at")
    starts = [timezone.localtime(a.due_at).strftime("%m-%d %H:%M") for a in standups]
    # 4, 11, (18 excluded), 25 moved to 26 at 15:00, 1 April; DST begins on 31 March.
    assert starts == ["03-04 09:00", "03-11 09:00", "03-26 15:00", "04-01 09:00"]
    assert [a.subject for a in standups][2] == "Stand-up (moved)"
    new_years = Activity.objects.filter(subject="Capodanno").order_by("due_at")
    # From 90 days back to a year ahead of 1 March 2030: 1 January 2030 and 2031.
    assert [a.due_at.astimezone(zoneinfo.ZoneInfo("Europe/Rome")).year for a in new_years] == [
        2030,
        2031,
    ]
    assert {e.recurrence_id for e in ImportedEvent.objects.filter(uid="forever@example.com")} == {
        "20291231T230000Z",
        "20301231T230000Z",
    }


@pytest.mark.parametrize(
    ("rule", "fragment"),
    [
        ("FREQ=HOURLY", "more often than daily"),
        ("FREQ=DAILY;BYHOUR=9,10,11", "more often than daily"),
        # Every hour for 501 hours, as a list of dates.
        (
            "FREQ=YEARLY;COUNT=1\nRDATE:"
            + ",".join(
                (datetime.datetime(2030, 7, 1, tzinfo=UTC) + datetime.timedelta(hours=n)).strftime(
                    "%Y%m%dT%H%M%SZ"
                )
                for n in range(501)
            ),
            "more than 500 times",
        ),
    ],
)
def test_recurring_events_that_repeat_too_often_are_refused_saying_so(user, rule, fragment):
    data = ics(f"UID:r\nDTSTART:20300601T090000Z\nRRULE:{rule}\nSUMMARY:Often")
    with pytest.raises(ValidationError) as caught:
        ics_import(actor=user, data=data, now=NOW)
    assert fragment in " ".join(caught.value.message_dict["file"])
    assert not Activity.objects.exists()


def test_importing_the_same_file_again_adds_nothing_and_a_changed_event_updates(user):
    ics_import(actor=user, data=GOOD, now=NOW)
    again = ics_import(actor=user, data=GOOD, now=NOW)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 4)
    assert Activity.objects.count() == 4
    changed = GOOD.replace(b"20300710T100000", b"20300710T140000").replace(
        b"20300710T113000", b"20300710T153000"
    )
    third = ics_import(actor=user, data=changed, now=NOW)
    assert (third.created, third.updated, third.unchanged) == (0, 1, 3)
    riunione = Activity.objects.get(subject="Riunione <b>Rossi</b>")
    assert (
        riunione.due_at == datetime.datetime(2030, 7, 10, 12, tzinfo=UTC) and riunione.version == 2
    )


def test_import_needs_the_right_to_create_activities(make_user):
    auditor = make_user("aldo", role="auditor")
    with pytest.raises(PermissionDenied):
        ics_import(actor=auditor, data=GOOD, now=NOW)
    assert not Activity.objects.exists()


def test_import_page_and_api(client_user, api, user):
    page = client_user.get("/calendar/import/")
    assert page.status_code == 200
    bad = client_user.post("/calendar/import/", {"file": SimpleUploadedFile("x.ics", b"nonsense")})
    assert bad.status_code == 400 and "not an iCalendar" in bad.content.decode()
    good = client_user.post("/calendar/import/", {"file": SimpleUploadedFile("cal.ics", GOOD)})
    assert good.status_code == 302 and good["Location"].startswith("/calendar/?date=")
    assert Activity.objects.count() == 4
    response = api.post(
        "/api/v1/calendar/imports",
        {"file": SimpleUploadedFile("cal.ics", GOOD, content_type="text/calendar")},
        multipart=True,
    )
    assert response.status_code == 201 and response.json()["unchanged"] == 4
    broken = api.post(
        "/api/v1/calendar/imports",
        {"file": SimpleUploadedFile("cal.ics", b"BEGIN:VCALENDAR\r\nFOO\r\n")},
        multipart=True,
    )
    assert broken.status_code == 400 and "file" in broken.json()["errors"]
