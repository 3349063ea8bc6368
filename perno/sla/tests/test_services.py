"""Writes to calendars and policies: validation with clear errors and nothing stored,
administrators only, change history and audit trail, the shipped defaults."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from perno.audit.models import AuditEvent, ChangeEntry
from perno.marketing.models import Segment
from perno.sla import services
from perno.sla.defaults import weekly
from perno.sla.models import BusinessCalendar, SlaPolicy

pytestmark = pytest.mark.django_db

CAL = {
    "name": "Napoli",
    "time_zone": "Europe/Rome",
    "country": "IT",
    "subdivision": "NA",
    "hours": weekly("08:30-12:30", "15:00-19:00"),
    "closed_days": [{"date": "09-19", "name": "San Gennaro"}],
    "open_days": [],
}


def _policy_data(calendar, /, **extra):
    data = {
        "name": "Gold",
        "priority": 4,
        "calendar": calendar,
        "first_response_minutes": 30,
        "resolution_minutes": 120,
        "warn_before_minutes": 10,
        "rank": 5,
    }
    data.update(extra)
    return data


def test_the_shipped_calendars_and_policies_are_there():
    italia = BusinessCalendar.objects.get(name="Italia")
    assert (italia.time_zone, italia.country) == ("Europe/Rome", "IT")
    assert italia.hours["mon"] == ["09:00-13:00", "14:00-18:00"] and italia.hours["sat"] == []
    romania = BusinessCalendar.objects.get(name="România")
    assert (romania.time_zone, romania.country, romania.hours["fri"]) == (
        "Europe/Bucharest",
        "RO",
        ["09:00-17:00"],
    )
    targets = {
        p.priority: (p.first_response_minutes, p.resolution_minutes, p.warn_before_minutes)
        for p in SlaPolicy.objects.filter(segment__isnull=True)
    }
    assert targets == {4: (60, 240, 30), 3: (240, 1440, 30), 2: (480, 2880, 30), 1: (960, 4800, 30)}
    for row in [*BusinessCalendar.objects.all(), *SlaPolicy.objects.all()]:
        row.full_clean()  # the migration wrote valid rows


def test_ensure_defaults_fills_an_empty_database_once_and_never_overwrites():
    SlaPolicy.objects.all().delete()
    BusinessCalendar.objects.all().delete()
    services.sla_ensure_defaults()
    assert set(BusinessCalendar.objects.values_list("name", flat=True)) == {"Italia", "România"}
    assert SlaPolicy.objects.count() == 4
    urgent = SlaPolicy.objects.get(priority=4)
    assert urgent.calendar.name == "Italia"
    urgent.first_response_minutes = 45
    urgent.save()
    SlaPolicy.objects.filter(priority=1).delete()
    services.sla_ensure_defaults()
    assert SlaPolicy.objects.count() == 3
    assert SlaPolicy.objects.get(priority=4).first_response_minutes == 45


def test_ensure_defaults_counts_on_the_region_s_calendar(settings):
    settings.PERNO_DEFAULT_REGION = "RO"
    SlaPolicy.objects.all().delete()
    services.sla_ensure_defaults()
    assert set(SlaPolicy.objects.values_list("calendar__name", flat=True)) == {"România"}


def test_an_administrator_creates_changes_and_deletes_a_calendar_with_history(admin_user):
    calendar = services.calendar_create(actor=admin_user, data=dict(CAL))
    assert calendar.subdivision == "NA"
    updated = services.calendar_update(
        actor=admin_user, calendar=calendar, data={"hours": weekly("09:00-17:00")}
    )
    assert updated.hours["mon"] == ["09:00-17:00"]
    entries = ChangeEntry.objects.filter(
        content_type__model="businesscalendar", object_id=calendar.pk
    )
    assert [e.action for e in entries.order_by("id")] == ["create", "update"]
    assert entries.order_by("id").last().changes["hours"][1]["mon"] == ["09:00-17:00"]
    services.calendar_delete(actor=admin_user, calendar=calendar)
    assert not BusinessCalendar.objects.filter(pk=calendar.pk).exists()
    assert entries.filter(action="delete").exists()
    assert (
        AuditEvent.objects.filter(object_type="sla.businesscalendar", object_id=calendar.pk).count()
        == 3
    )


def test_an_update_that_changes_nothing_writes_no_history(admin_user):
    calendar = services.calendar_create(actor=admin_user, data=dict(CAL))
    services.calendar_update(actor=admin_user, calendar=calendar, data={"name": "Napoli"})
    assert (
        ChangeEntry.objects.filter(content_type__model="businesscalendar", object_id=calendar.pk)
        .filter(action="update")
        .count()
        == 0
    )


def test_only_administrators_write(make_user, admin_user):
    for role in ("sales", "manager", "support", "dpo", "auditor", "marketing"):
        someone = make_user(role=role)
        with pytest.raises(PermissionDenied, match="administrators"):
            services.calendar_create(actor=someone, data=dict(CAL))
        with pytest.raises(PermissionDenied):
            services.policy_delete(actor=someone, policy=SlaPolicy.objects.first())
    assert not BusinessCalendar.objects.filter(name="Napoli").exists()
    assert SlaPolicy.objects.count() == 4


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"time_zone": "Europe/Milano"}, "time_zone", "is not a time zone"),
        ({"time_zone": "../../etc/passwd"}, "time_zone", "is not a time zone"),
        ({"subdivision": "ZZ"}, "subdivision", "is not a subdivision of Italy"),
        ({"country": "", "subdivision": "MI"}, "subdivision", "Choose the country first"),
        ({"country": "RO", "subdivision": "B"}, "subdivision", "no subdivisions"),
        ({"country": "FR"}, "country", "not a valid choice"),
        (
            {"hours": {"mon": ["09:00-13:00", "12:00-14:00"]}},
            "hours",
            "Monday: 09:00-13:00 and 12:00-14:00 overlap",
        ),
        (
            {"hours": {"tue": ["18:00-09:00"]}},
            "hours",
            "Tuesday: “18:00-09:00” ends before it starts",
        ),
        ({"hours": {"wed": ["9-13"]}}, "hours", "write it as 09:00-13:00"),
        ({"hours": {"thu": ["09:00-25:00"]}}, "hours", "24:00 at the latest"),
        ({"hours": {"mon": [], "sun": []}}, "hours", "at least one day"),
        ({"hours": {"monday": ["09:00-13:00"]}}, "hours", "Unknown weekday"),
        ({"hours": ["09:00-13:00"]}, "hours", "per weekday"),
        (
            {"closed_days": [{"date": "02-30"}]},
            "closed_days",
            "Day 1: “02-30” is not a day of the year",
        ),
        (
            {"closed_days": [{"date": "1800-01-01"}]},
            "closed_days",
            "between 1900-01-01 and 2200-12-31",
        ),
        ({"closed_days": [{"date": "24/12/2026"}]}, "closed_days", "is not a date"),
        ({"closed_days": [{"date": "12-07"}, {"date": "12-07"}]}, "closed_days", "listed twice"),
        ({"closed_days": [{"date": "12-07", "name": "x" * 101}]}, "closed_days", "at most 100"),
        ({"closed_days": [{"date": "12-07", "name": "a\x00b"}]}, "closed_days", "NUL"),
        ({"closed_days": [{"date": "12-07", "when": "x"}]}, "closed_days", "unknown key"),
        (
            {"open_days": [{"date": "12-07", "hours": ["10:00-09:00"]}]},
            "open_days",
            "ends before it starts",
        ),
        ({"open_days": [{"date": "09-19"}]}, "open_days", "both closed and open"),
        ({"name": "Italia"}, "name", "already exists"),
        ({"name": ""}, "name", "cannot be blank"),
    ],
)
def test_bad_calendars_are_refused_with_the_reason_and_nothing_stored(
    admin_user, change, field, words
):
    before = (BusinessCalendar.objects.count(), ChangeEntry.objects.count())
    with pytest.raises(ValidationError) as caught:
        services.calendar_create(actor=admin_user, data={**CAL, **change})
    assert field in caught.value.message_dict, caught.value.message_dict
    assert words in " ".join(caught.value.message_dict[field])
    assert (BusinessCalendar.objects.count(), ChangeEntry.objects.count()) == before


def test_unknown_fields_are_refused(admin_user):
    with pytest.raises(ValidationError) as caught:
        services.calendar_create(actor=admin_user, data={**CAL, "colour": "red"})
    assert "colour" in caught.value.message_dict


def test_a_calendar_in_use_cannot_be_deleted(admin_user):
    italia = BusinessCalendar.objects.get(name="Italia")
    with pytest.raises(ValidationError, match="used by the policies “Urgent”"):
        services.calendar_delete(actor=admin_user, calendar=italia)
    assert BusinessCalendar.objects.filter(pk=italia.pk).exists()


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        (
            {"first_response_minutes": 300},
            "resolution_minutes",
            "at least the first-response target",
        ),
        ({"warn_before_minutes": 30}, "warn_before_minutes", "fewer than 30 minutes"),
        ({"first_response_minutes": 0}, "first_response_minutes", "greater than or equal to 1"),
        ({"resolution_minutes": 10**7}, "resolution_minutes", "less than or equal to 1000000"),
        ({"priority": 9}, "priority", "not a valid choice"),
        ({"name": "G" * 101}, "name", "at most 100"),
        ({"calendar": "Italia"}, "calendar", "Choose a business calendar"),
        ({"segment": 12}, "segment", "Choose a customer group"),
    ],
)
def test_bad_policies_are_refused_with_the_reason_and_nothing_stored(
    admin_user, change, field, words
):
    calendar = BusinessCalendar.objects.get(name="Italia")
    before = SlaPolicy.objects.count()
    with pytest.raises(ValidationError) as caught:
        services.policy_create(actor=admin_user, data=_policy_data(calendar, **change))
    assert words in " ".join(caught.value.message_dict[field]), caught.value.message_dict
    assert SlaPolicy.objects.count() == before


def test_a_policy_is_created_changed_and_deleted_with_history(admin_user):
    calendar = BusinessCalendar.objects.get(name="Italia")
    segment = Segment.objects.create(name="Gold customers", kind="static")
    policy = services.policy_create(actor=admin_user, data=_policy_data(calendar, segment=segment))
    services.policy_update(
        actor=admin_user, policy=policy, data={"priority": None, "resolution_minutes": 90}
    )
    policy.refresh_from_db()
    assert (policy.priority, policy.resolution_minutes, policy.segment) == (None, 90, segment)
    entries = ChangeEntry.objects.filter(content_type__model="slapolicy", object_id=policy.pk)
    created = entries.get(action="create").changes
    assert created["segment"] == [None, "Gold customers"]
    assert created["segment#ref"] == [None, f"segment:{segment.pk}"]
    assert entries.get(action="update").changes["resolution_minutes"] == [120, 90]
    services.policy_delete(actor=admin_user, policy=policy)
    assert not SlaPolicy.objects.filter(pk=policy.pk).exists()
    assert entries.filter(action="delete").exists()


def test_deleting_a_customer_group_takes_its_policies_out_of_use(admin_user):
    calendar = BusinessCalendar.objects.get(name="Italia")
    segment = Segment.objects.create(name="Gold customers", kind="static")
    policy = services.policy_create(actor=admin_user, data=_policy_data(calendar, segment=segment))
    segment.delete()
    policy.refresh_from_db()
    assert policy.segment is None and policy.active is False
    assert SlaPolicy.objects.filter(active=True).count() == 4  # the shipped ones
