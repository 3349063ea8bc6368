from django.conf import settings
from django.db import migrations

# A frozen copy of perno/sla/defaults.py at the time of this migration: later changes
# there must not rewrite what an administrator may have edited.
WORKDAYS = ("mon", "tue", "wed", "thu", "fri")
ALL_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def weekly(*ranges):
    return {day: (list(ranges) if day in WORKDAYS else []) for day in ALL_DAYS}


CALENDARS = [
    ("Italia", "Europe/Rome", "IT", weekly("09:00-13:00", "14:00-18:00")),
    ("România", "Europe/Bucharest", "RO", weekly("09:00-17:00")),
]
# (priority, name, first response, resolution, warning, rank)
POLICIES = [
    (4, "Urgent", 60, 240, 30, 10),
    (3, "High", 240, 1440, 30, 20),
    (2, "Normal", 480, 2880, 30, 30),
    (1, "Low", 960, 4800, 30, 40),
]


def add_defaults(apps, schema_editor):
    BusinessCalendar = apps.get_model("sla", "BusinessCalendar")
    SlaPolicy = apps.get_model("sla", "SlaPolicy")
    if not BusinessCalendar.objects.exists():
        for name, zone, country, hours in CALENDARS:
            BusinessCalendar.objects.create(
                name=name, time_zone=zone, country=country, hours=hours
            )
    if SlaPolicy.objects.exists():
        return
    region = str(getattr(settings, "PERNO_DEFAULT_REGION", "IT")).upper()
    wanted = "România" if region == "RO" else "Italia"
    calendar = (
        BusinessCalendar.objects.filter(name=wanted).first()
        or BusinessCalendar.objects.order_by("id").first()
    )
    for priority, name, first, resolution, warning, rank in POLICIES:
        SlaPolicy.objects.create(
            name=name,
            priority=priority,
            calendar=calendar,
            first_response_minutes=first,
            resolution_minutes=resolution,
            warn_before_minutes=warning,
            rank=rank,
        )


class Migration(migrations.Migration):
    dependencies = [("sla", "0001_initial")]
    operations = [migrations.RunPython(add_defaults, migrations.RunPython.noop)]
