"""The breach register: the 72-hour clock shown wherever the DPO looks, reminders at 24
and 60 hours, notifications with their dates, a reason required when late."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from perno.activities.models import Notification
from perno.audit.models import AuditEvent
from perno.privacy import breaches
from perno.privacy.models import Breach

pytestmark = pytest.mark.django_db


@pytest.fixture
def dpo(make_user):
    return make_user("dora", role="dpo")


def record(dpo, hours_ago=1, **data):
    return breaches.breach_save(
        actor=dpo,
        breach=None,
        data={
            "title": "Laptop stolen",
            "description": "An unencrypted laptop with an export of 300 contacts was stolen.",
            "discovered_at": timezone.now() - timedelta(hours=hours_ago),
            "categories": ["identity", "contact"],
            "people_affected": 300,
            **data,
        },
    )


def test_the_clock_is_shown_on_every_page_of_the_dpo(client, dpo, user, login_verified):
    breach = record(dpo, hours_ago=30)
    login_verified(client, dpo)
    for path in ("/", "/contacts/", "/privacy/requests/"):
        body = client.get(path).content.decode()
        assert "Laptop stolen" in body and "41 hours left to notify" in body, path
    client.force_login(user)  # not someone who handles personal data
    assert "Laptop stolen" not in client.get("/").content.decode()
    breaches.breach_save(
        actor=dpo,
        breach=breach,
        data={"authority_notified_at": timezone.now(), "authority_reference": "GPDP 123"},
    )
    login_verified(client, dpo)
    assert "hours left to notify" not in client.get("/").content.decode()
    assert AuditEvent.objects.filter(action="breach").count() == 2


def test_reminders_at_24_and_60_hours_once_each(dpo):
    breach = record(dpo, hours_ago=1)
    later = breach.discovered_at
    assert breaches.reminders_send(now=later + timedelta(hours=23)) == 0
    assert breaches.reminders_send(now=later + timedelta(hours=25)) == 1
    assert breaches.reminders_send(now=later + timedelta(hours=30)) == 0
    assert breaches.reminders_send(now=later + timedelta(hours=61)) == 1
    assert breaches.reminders_send(now=later + timedelta(hours=62)) == 0
    titles = sorted(Notification.objects.filter(user=dpo).values_list("title", flat=True))
    assert titles == [
        "Data breach “Laptop stolen”: 11 hours left to notify the authority",
        "Data breach “Laptop stolen”: 47 hours left to notify the authority",
    ]


def test_a_late_notification_needs_its_reasons(dpo):
    breach = record(dpo, hours_ago=80)
    with pytest.raises(ValidationError) as caught:
        breaches.breach_save(
            actor=dpo, breach=breach, data={"authority_notified_at": timezone.now()}
        )
    assert "reasons for the delay" in caught.value.message_dict["late_reason"][0]
    breaches.breach_save(
        actor=dpo,
        breach=Breach.objects.get(pk=breach.pk),
        data={
            "authority_notified_at": timezone.now(),
            "late_reason": "The theft was reported to us by the employee three days later.",
        },
    )
    assert Breach.objects.get(pk=breach.pk).authority_notified_at is not None


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"title": ""}, "title"),
        ({"discovered_at": timezone.now() + timedelta(days=1)}, "discovered_at"),
        ({"categories": ["secrets"]}, "categories"),
    ],
)
def test_bad_breach_input_is_refused(dpo, data, field):
    with pytest.raises(ValidationError) as caught:
        record(dpo, **data)
    assert field in caught.value.message_dict
    assert not Breach.objects.exists()


def test_closing_needs_the_notifications(dpo):
    breach = record(dpo, high_risk=True)
    with pytest.raises(ValidationError, match="Notify the authority first"):
        breaches.breach_close(actor=dpo, breach=breach)
    breach = breaches.breach_save(
        actor=dpo, breach=breach, data={"authority_notified_at": timezone.now()}
    )
    with pytest.raises(ValidationError, match="tell the people affected"):
        breaches.breach_close(actor=dpo, breach=breach)
    breach = breaches.breach_save(
        actor=dpo,
        breach=breach,
        data={"people_notified_at": timezone.now(), "people_notice": "E-mail to each person"},
    )
    assert breaches.breach_close(actor=dpo, breach=breach).closed_at is not None


def test_the_dpo_records_a_breach_in_the_ui(client, dpo, login_verified):
    login_verified(client, dpo)
    when = (timezone.localtime() - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        "/privacy/breaches/new/",
        {
            "title": "Wrong recipient",
            "description": "An offer with a customer's data was e-mailed to another customer.",
            "discovered_at": when,
            "categories": ["identity", "contact"],
            "people_affected": "1",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    breach = Breach.objects.get()
    assert breach.recorded_by == dpo and breach.categories == ["identity", "contact"]
    bad = client.post(
        f"/privacy/breaches/{breach.pk}/",
        {"title": "", "description": "x", "discovered_at": "yesterday"},
    )
    assert bad.status_code == 400 and 'data-field-error="discovered_at"' in bad.content.decode()
