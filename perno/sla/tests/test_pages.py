"""Settings → Service levels: the pages administrators use, their errors, and the 403
everyone else gets."""

from __future__ import annotations

import pytest
from django.utils import timezone

from perno.audit.models import ChangeEntry
from perno.marketing.models import Segment
from perno.sla.models import BusinessCalendar, SlaPolicy

pytestmark = pytest.mark.django_db

BASE = "/settings/service-levels/"


@pytest.fixture
def admin_client(client, admin_user, login_verified):
    login_verified(client, admin_user)
    return client


def calendar_form(**extra):
    data = {
        "name": "Milano",
        "time_zone": "Europe/Rome",
        "country": "IT",
        "subdivision": "MI",
        "hours_mon": "09:00-13:00, 14:00-18:00",
        "hours_tue": "09:00-13:00, 14:00-18:00",
        "hours_wed": "09:00-13:00, 14:00-18:00",
        "hours_thu": "09:00-13:00, 14:00-18:00",
        "hours_fri": "09:00-13:00",
        "hours_sat": "",
        "hours_sun": "",
        "closed_days": "08-14 Ponte di Ferragosto\n2026-12-24 Vigilia",
        "open_days": "2026-12-27 09:00-12:00 Inventario",
    }
    data.update(extra)
    return data


def policy_form(calendar, /, **extra):
    data = {
        "name": "Premium",
        "active": "on",
        "priority": "4",
        "segment": "",
        "calendar": str(calendar.pk),
        "first_response_minutes": "30",
        "resolution_minutes": "120",
        "warn_before_minutes": "10",
        "rank": "5",
    }
    data.update(extra)
    return data


def test_the_settings_page_lists_policies_and_calendars(admin_client):
    page = admin_client.get(BASE)
    assert page.status_code == 200
    body = page.content.decode()
    for text in ("Urgent", "Italia", "România", "Europe/Bucharest", "1 h", "4 h", "Service levels"):
        assert text in body
    assert admin_client.get("/settings/users/").content.decode().count(BASE) == 1  # the menu


def test_a_calendar_is_created_from_the_form_and_shows_its_closed_days(admin_client):
    response = admin_client.post(BASE + "calendars/new/", calendar_form())
    assert response.status_code == 302, response.content.decode()[:2000]
    milano = BusinessCalendar.objects.get(name="Milano")
    assert milano.hours["fri"] == ["09:00-13:00"] and milano.hours["sat"] == []
    assert milano.closed_days == [
        {"date": "08-14", "name": "Ponte di Ferragosto"},
        {"date": "2026-12-24", "name": "Vigilia"},
    ]
    assert milano.open_days == [
        {"date": "2026-12-27", "name": "Inventario", "hours": ["09:00-12:00"]}
    ]
    page = admin_client.get(response["Location"])
    body = page.content.decode()
    year = timezone.localdate().year
    assert f">{year}<" in body and f">{year + 1}<" in body
    assert "Christmas Day" in body and "Ponte di Ferragosto" in body
    assert "Saint Ambrose&#x27;s Day" in body  # Milan's own holiday (subdivision MI)
    assert ChangeEntry.objects.filter(
        content_type__model="businesscalendar", object_id=milano.pk
    ).exists()


def test_calendar_form_errors_are_shown_next_to_their_fields_and_nothing_is_saved(admin_client):
    before = BusinessCalendar.objects.count()
    response = admin_client.post(
        BASE + "calendars/new/",
        calendar_form(
            name="Italia",
            hours_mon="09:00-13:00, 12:00-14:00",
            hours_tue="25:00-26:00",
            closed_days="31/12/2026 Capodanno",
            open_days="2026-12-27 18:00-09:00",
            subdivision="Atlantis",
        ),
    )
    assert response.status_code == 400
    body = response.content.decode()
    for message in (
        "09:00-13:00 and 12:00-14:00 overlap",
        "ends at 24:00 at the latest",
        "is not a date",
        "ends before it starts",
        "is not a subdivision of Italy",
    ):
        assert message in body, message
    assert 'data-field-error="hours_mon"' in body and 'data-field-error="closed_days"' in body
    assert BusinessCalendar.objects.count() == before
    response = admin_client.post(
        BASE + "calendars/new/",
        calendar_form(name="<script>alert(1)</script>", time_zone="Mars/Olympus"),
    )
    assert response.status_code == 400
    assert "<script>alert(1)</script>" not in response.content.decode()
    # A name already taken: the service's error under the field.
    response = admin_client.post(BASE + "calendars/new/", calendar_form(name="Italia"))
    assert response.status_code == 400 and "already exists" in response.content.decode()
    assert BusinessCalendar.objects.count() == before


def test_a_calendar_is_edited_and_deleted_unless_in_use(admin_client):
    admin_client.post(BASE + "calendars/new/", calendar_form())
    milano = BusinessCalendar.objects.get(name="Milano")
    response = admin_client.post(
        f"{BASE}calendars/{milano.pk}/",
        calendar_form(hours_fri="09:00-17:00", name="Milano centro"),
    )
    assert response.status_code == 302
    milano.refresh_from_db()
    assert (milano.name, milano.hours["fri"]) == ("Milano centro", ["09:00-17:00"])
    italia = BusinessCalendar.objects.get(name="Italia")
    response = admin_client.post(f"{BASE}calendars/{italia.pk}/delete/", follow=True)
    assert "used by the policies" in response.content.decode()
    assert BusinessCalendar.objects.filter(pk=italia.pk).exists()
    response = admin_client.post(f"{BASE}calendars/{milano.pk}/delete/")
    assert (
        response.status_code == 302 and not BusinessCalendar.objects.filter(pk=milano.pk).exists()
    )
    assert admin_client.get(f"{BASE}calendars/{milano.pk}/").status_code == 404
    assert admin_client.get(f"{BASE}calendars/{milano.pk}/delete/").status_code == 405


def test_a_policy_is_created_edited_and_deleted(admin_client):
    italia = BusinessCalendar.objects.get(name="Italia")
    segment = Segment.objects.create(name="Clienti VIP", kind="static")
    page = admin_client.get(BASE + "policies/new/")
    assert "Clienti VIP" in page.content.decode() and "Any customer" in page.content.decode()
    response = admin_client.post(BASE + "policies/new/", policy_form(italia, segment=segment.pk))
    assert response.status_code == 302, response.content.decode()[:3000]
    premium = SlaPolicy.objects.get(name="Premium")
    assert (premium.segment, premium.priority, premium.first_response_minutes) == (segment, 4, 30)
    response = admin_client.post(
        f"{BASE}policies/{premium.pk}/", policy_form(italia, priority="", segment="")
    )
    assert response.status_code == 302
    premium.refresh_from_db()
    assert premium.priority is None and premium.segment is None
    assert "Change history" in admin_client.get(f"{BASE}policies/{premium.pk}/").content.decode()
    response = admin_client.post(f"{BASE}policies/{premium.pk}/delete/")
    assert response.status_code == 302 and not SlaPolicy.objects.filter(pk=premium.pk).exists()


def test_policy_form_errors_say_what_to_fix_and_save_nothing(admin_client):
    italia = BusinessCalendar.objects.get(name="Italia")
    before = SlaPolicy.objects.count()
    for data, message in (
        (policy_form(italia, first_response_minutes="300"), "at least the first-response target"),
        (policy_form(italia, warn_before_minutes="30"), "fewer than 30 minutes"),
        (policy_form(italia, first_response_minutes="0"), "greater than or equal to 1"),
        (policy_form(italia, calendar="99999999"), "Select a valid choice"),
        (policy_form(italia, segment="99999999"), "Select a valid choice"),
        (policy_form(italia, priority="7"), "Select a valid choice"),
        (policy_form(italia, resolution_minutes="1" * 30), "Ensure this value"),
    ):
        response = admin_client.post(BASE + "policies/new/", data)
        assert response.status_code == 400, data
        assert message in response.content.decode(), message
    assert SlaPolicy.objects.count() == before


@pytest.mark.parametrize("role", ["sales", "manager", "support", "marketing", "dpo", "auditor"])
def test_everyone_but_administrators_gets_403(client, make_user, login_verified, role):
    login_verified(client, make_user(role=role))
    italia = BusinessCalendar.objects.get(name="Italia")
    urgent = SlaPolicy.objects.get(name="Urgent")
    for path in (
        BASE,
        BASE + "calendars/new/",
        f"{BASE}calendars/{italia.pk}/",
        BASE + "policies/new/",
        f"{BASE}policies/{urgent.pk}/",
    ):
        assert client.get(path).status_code == 403, path
    assert client.post(BASE + "calendars/new/", calendar_form()).status_code == 403
    assert client.post(f"{BASE}policies/{urgent.pk}/delete/").status_code == 403
    assert client.post(f"{BASE}calendars/{italia.pk}/delete/").status_code == 403
    assert SlaPolicy.objects.filter(pk=urgent.pk).exists()
    assert not BusinessCalendar.objects.filter(name="Milano").exists()


def test_names_with_markup_are_shown_as_text(admin_client):
    response = admin_client.post(
        BASE + "calendars/new/", calendar_form(name="<b>Bold</b><script>x()</script>")
    )
    assert response.status_code == 302
    italia = BusinessCalendar.objects.get(name="Italia")
    admin_client.post(BASE + "policies/new/", policy_form(italia, name="<img src=x onerror=y>"))
    body = admin_client.get(BASE).content.decode()
    assert "<script>x()</script>" not in body and "&lt;script&gt;x()&lt;/script&gt;" in body
    assert "<img src=x" not in body and "&lt;img src=x onerror=y&gt;" in body
