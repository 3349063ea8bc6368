"""Invitations to meetings as iMIP e-mails through a real SMTP server (aiosmtpd): the
invitation, its update when the meeting moves (SEQUENCE + 1) and its cancellation
(METHOD:CANCEL); bad requests change nothing; the invitations are personal data in the
privacy registry (found for the contact, erased with them)."""

import datetime
import email
import email.policy
import json

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from icalendar import Calendar

from perno.accounts.permissions import forget_access
from perno.activities import calendar
from perno.activities.calendar_invites import invitations_send
from perno.activities.models import Activity, CalendarInvitation
from perno.activities.services import activity_create, activity_delete, activity_update
from perno.audit.models import ChangeEntry
from perno.contacts.services import contact_create
from perno.core.privacy import registry
from perno.privacy.erasure import erase_contact
from perno.privacy.subject import rows_about
from perno.records.confidential import confidential_fields_set

pytestmark = pytest.mark.django_db


def soon(days: int = 3) -> datetime.datetime:
    return timezone.now().replace(second=0, microsecond=0) + datetime.timedelta(days=days)


@pytest.fixture
def people(user):
    ada = contact_create(
        actor=user,
        data={
            "first_name": "Ada",
            "last_name": "Neri",
            "email": "ada@example.com",
            "language": "it",
        },
    )
    ion = contact_create(
        actor=user,
        data={"first_name": "Ion", "last_name": "Pop", "email": "ion@example.ro", "language": "ro"},
    )
    return ada, ion


@pytest.fixture
def demo(user, people):
    return activity_create(
        actor=user,
        data={
            "kind": "meeting",
            "subject": "Demo prodotto",
            "description": "Note interne: cliente difficile",
            "due_at": soon(),
            "duration_minutes": 60,
            "contact": people[0],
        },
    )


def received(inbox, count):
    messages = inbox.wait(count)
    assert len(messages) == count
    return [email.message_from_bytes(m.content, policy=email.policy.default) for m in messages]


def calendar_part(message):
    parts = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    assert len(parts) == 1 and not parts[0].is_attachment()
    attachments = [p for p in message.walk() if p.is_attachment()]
    assert [a.get_filename() for a in attachments] == ["invite.ics"]
    inline = parts[0].get_content().encode()
    assert attachments[0].get_content() == inline
    return parts[0], Calendar.from_ical(inline)


def test_an_invitation_reaches_each_invitee_as_imip_and_is_recorded(
    user, people, demo, smtp_inbox, django_capture_on_commit_callbacks
):
    ada, ion = people
    with django_capture_on_commit_callbacks(execute=True):
        invited = invitations_send(
            actor=user,
            activity=demo,
            contact_ids=[ada.pk],
            emails=["ION@example.ro"],
            note="Porto il catalogo.",
        )
    assert {i.contact_id for i in invited} == {ada.pk, ion.pk}
    messages = {m["To"].addresses[0].addr_spec: m for m in received(smtp_inbox, 2)}
    # The calendar part travels as text with iCalendar's CRLF line ends.
    assert all(b"\r\nMETHOD:REQUEST\r\n" in m.content for m in smtp_inbox.messages)
    assert set(messages) == {"ada@example.com", "ion@example.ro"}
    to_ada = messages["ada@example.com"]
    local = timezone.localtime(demo.due_at)
    assert "Demo prodotto" in to_ada["Subject"]
    assert local.strftime("%d/%m/%Y %H:%M") in to_ada["Subject"]  # in Italian
    assert to_ada["Reply-To"] == user.email
    body = to_ada.get_body(preferencelist=("plain",)).get_content()
    assert "Porto il catalogo." in body and "cliente difficile" not in body
    part, ics = calendar_part(to_ada)
    assert part.get_param("method") == "REQUEST"
    assert str(ics["METHOD"]) == "REQUEST"
    (event,) = ics.walk("VEVENT")
    assert str(event["UID"]).startswith(f"perno-activity-{demo.pk}@")
    assert event["SEQUENCE"] == 0 and str(event["SUMMARY"]) == "Demo prodotto"
    assert event["DTSTART"].dt == demo.due_at and event["DTEND"].dt == demo.ends_at
    assert str(event["ORGANIZER"]) == f"mailto:{user.email}"
    attendee = event["ATTENDEE"]
    assert str(attendee) == "mailto:ada@example.com"  # only the recipient: no one else's address
    assert attendee.params["PARTSTAT"] == "NEEDS-ACTION" and attendee.params["CN"] == "Ada Neri"
    assert "cliente difficile" not in to_ada.as_string()
    assert local.strftime("%d.%m.%Y, %H:%M") in messages["ion@example.ro"]["Subject"]  # Romanian
    rows = CalendarInvitation.objects.filter(activity=demo)
    assert rows.count() == 2 and all(r.sent_at and r.sequence == 0 and not r.error for r in rows)
    history = ChangeEntry.objects.filter(object_id=str(demo.pk)).latest("id")
    assert history.changes == {"invitees": [0, 2]}


def test_moving_an_invited_meeting_sends_an_update_and_cancelling_it_a_cancel(
    user, people, demo, smtp_inbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitations_send(
            actor=user, activity=demo, contact_ids=[people[0].pk], emails=["ion@example.ro"]
        )
    received(smtp_inbox, 2)
    smtp_inbox.messages.clear()
    with django_capture_on_commit_callbacks(execute=True):
        moved = calendar.activity_reschedule(
            actor=user, activity=demo, due_at=soon(5), expected_version=demo.version
        )
    updates = received(smtp_inbox, 2)
    for message in updates:
        part, ics = calendar_part(message)
        (event,) = ics.walk("VEVENT")
        assert part.get_param("method") == "REQUEST" and event["SEQUENCE"] == 1
        assert event["DTSTART"].dt == moved.due_at
    smtp_inbox.messages.clear()
    # Done is no news to the invitees; a new priority neither.
    with django_capture_on_commit_callbacks(execute=True):
        moved = activity_update(
            actor=user, activity=moved, data={"priority": 3}, expected_version=2
        )
    assert smtp_inbox.messages == []
    with django_capture_on_commit_callbacks(execute=True):
        activity_update(
            actor=user, activity=moved, data={"status": "cancelled"}, expected_version=3
        )
    for message in received(smtp_inbox, 2):
        part, ics = calendar_part(message)
        (event,) = ics.walk("VEVENT")
        assert part.get_param("method") == "CANCEL" and str(ics["METHOD"]) == "CANCEL"
        assert str(event["STATUS"]) == "CANCELLED" and event["SEQUENCE"] == 3
    assert all(i.cancelled_at for i in CalendarInvitation.objects.filter(activity=demo))


def test_deleting_an_invited_meeting_cancels_it(
    user, people, demo, smtp_inbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitations_send(actor=user, activity=demo)
    received(smtp_inbox, 1)
    smtp_inbox.messages.clear()
    with django_capture_on_commit_callbacks(execute=True):
        activity_delete(actor=user, activity=demo)
    (message,) = received(smtp_inbox, 1)
    part, ics = calendar_part(message)
    (event,) = ics.walk("VEVENT")
    assert part.get_param("method") == "CANCEL" and event["SEQUENCE"] == 1
    assert not CalendarInvitation.objects.exists()


@pytest.mark.parametrize(
    ("change", "invite", "field"),
    [
        ({"kind": "task"}, {}, "kind"),
        ({"due_at": None}, {}, "due_at"),
        ({"status": "done"}, {}, "status"),
        ({}, {"emails": ["nobody@example.com"]}, "emails"),
        ({}, {"emails": ["not an address"]}, "emails"),
        ({}, {"contact_ids": [99_999_999]}, "contacts"),
        ({}, {"contact_ids": ["x"]}, "contacts"),
        ({"contact": None}, {}, "contacts"),
    ],
)
def test_bad_invitations_are_refused_and_change_nothing(
    user, demo, smtp_inbox, django_capture_on_commit_callbacks, change, invite, field
):
    if change:
        demo = activity_update(actor=user, activity=demo, data=change, expected_version=1)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError) as caught:
        invitations_send(actor=user, activity=demo, **invite)
    assert field in caught.value.message_dict
    assert not CalendarInvitation.objects.exists() and smtp_inbox.messages == []


def test_contacts_out_of_sight_or_without_a_usable_address_cannot_be_invited(
    user, make_user, admin_user, demo, smtp_inbox
):
    stranger = make_user("luca", team="Sud")
    hidden = contact_create(
        actor=stranger, data={"first_name": "Eva", "last_name": "Sud", "email": "eva@example.com"}
    )
    mute = contact_create(actor=user, data={"first_name": "No", "last_name": "Mail"})
    past = activity_update(actor=user, activity=demo, data={"due_at": soon(-1)}, expected_version=1)
    with pytest.raises(ValidationError) as caught:
        invitations_send(actor=user, activity=past)
    assert "due_at" in caught.value.message_dict
    future = activity_update(actor=user, activity=past, data={"due_at": soon()}, expected_version=2)
    for kwargs in (
        {"emails": ["eva@example.com"]},
        {"contact_ids": [hidden.pk]},
        {"contact_ids": [mute.pk]},
    ):
        with pytest.raises(ValidationError):
            invitations_send(actor=user, activity=future, **kwargs)
    confidential_fields_set(actor=admin_user, subject="contact", fields=["email"])
    forget_access(user)  # a new request would read the rights afresh
    with pytest.raises(ValidationError) as caught:
        invitations_send(actor=user, activity=future, emails=["ada@example.com"])
    assert "confidential" in str(caught.value.message_dict["emails"])
    assert not CalendarInvitation.objects.exists()


def test_invitations_are_declared_found_for_the_contact_and_erased_with_them(
    user, make_user, people, demo, django_capture_on_commit_callbacks
):
    declaration = registry()[CalendarInvitation]
    assert declaration.personal == {"email": "contact", "name": "identity"}
    assert declaration.erasure == "delete" and declaration.retained_with == "activity"
    assert declaration.about == ("contact",)
    ada, ion = people
    other = activity_create(
        actor=user, data={"kind": "meeting", "subject": "Altro", "due_at": soon(), "contact": ion}
    )
    with django_capture_on_commit_callbacks(execute=False):
        invitations_send(actor=user, activity=other, contact_ids=[ada.pk])
    found = {f.label: list(f.rows) for f in rows_about(ada)}
    assert [i.email for i in found["activities.calendarinvitation"]] == ["ada@example.com"]
    dpo = make_user("dora", role="dpo")
    counts = erase_contact(actor=dpo, contact=ada)
    assert counts["activities.calendarinvitation"] == 1
    assert not CalendarInvitation.objects.filter(email="ada@example.com").exists()
    assert Activity.objects.filter(pk=other.pk).exists()  # Ion's meeting stays


def test_invite_page_and_api(
    client_user, api, user, people, demo, smtp_inbox, make_user, django_capture_on_commit_callbacks
):
    ada, _ion = people
    page = client_user.get(f"/activities/{demo.pk}/invite/")
    assert page.status_code == 200 and "ada@example.com" in page.content.decode()
    detail = client_user.get(f"/activities/{demo.pk}/").content.decode()
    assert f"/activities/{demo.pk}/invite/" in detail
    bad = client_user.post(f"/activities/{demo.pk}/invite/", {"emails": "nobody@example.com"})
    assert bad.status_code == 400 and "add the person as a contact first" in bad.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        sent = client_user.post(f"/activities/{demo.pk}/invite/", {"contacts": [str(ada.pk)]})
    assert sent.status_code == 302 and len(smtp_inbox.wait(1)) == 1
    listed = client_user.get(f"/activities/{demo.pk}/invite/").content.decode()
    assert 'data-testid="invitees"' in listed and "Ada Neri" in listed
    made = api.post(
        f"/api/v1/calendar/activities/{demo.pk}/invitations",
        json.dumps({"emails": ["ion@example.ro"], "note": "A presto"}),
    )
    assert made.status_code == 201 and made.json()[0]["email"] == "ion@example.ro"
    got = api.get(f"/api/v1/calendar/activities/{demo.pk}/invitations").json()
    assert sorted(i["name"] for i in got) == ["Ada Neri", "Ion Pop"]
    refused = api.post(
        f"/api/v1/calendar/activities/{demo.pk}/invitations", json.dumps({"emails": ["x@y.z"]})
    )
    assert refused.status_code == 400 and "emails" in refused.json()["errors"]
    stranger = make_user("luca", team="Sud")
    theirs = activity_create(
        actor=stranger, data={"kind": "meeting", "subject": "Loro", "due_at": soon()}
    )
    assert (
        api.post(f"/api/v1/calendar/activities/{theirs.pk}/invitations", json.dumps({})).status_code
        == 404
    )
    assert client_user.get(f"/activities/{theirs.pk}/invite/").status_code == 404
