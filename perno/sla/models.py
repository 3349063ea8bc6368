"""Service levels: business calendars (when the company works) and SLA policies (how
fast it answers and resolves, per priority and customer group). Configuration only: no
personal data."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from perno.activities.models import Activity
from perno.sla import schedule

# Targets are business minutes: a million is about eight years of 8-hour working days.
MAX_MINUTES = 1_000_000
# Their names for the access gate (administrators manage both).
CALENDARS, POLICIES = "businesscalendar", "slapolicy"
DEFAULT_WARNING = 30


def default_time_zone() -> str:
    return settings.TIME_ZONE


def default_hours() -> dict[str, list[str]]:
    weekday = ["09:00-13:00", "14:00-18:00"]
    return {key: (list(weekday) if key not in ("sat", "sun") else []) for key in schedule.WEEKDAYS}


class BusinessCalendar(models.Model):
    """When the company works: weekly hours in a time zone, the public holidays of a
    country (and subdivision), extra closed days and extra open days."""

    class Country(models.TextChoices):
        ITALY = "IT", _("Italy")
        ROMANIA = "RO", _("Romania")

    name = models.CharField(_("name"), max_length=100, unique=True)
    time_zone = models.CharField(_("time zone"), max_length=64, default=default_time_zone)
    country = models.CharField(
        _("public holidays of"),
        max_length=2,
        choices=Country.choices,
        blank=True,
        default="",
    )
    subdivision = models.CharField(
        _("province or region"),
        max_length=20,
        blank=True,
        help_text=_(
            "Adds the local holidays of a province or city, e.g. MI for Milan (7 December)."
        ),
    )
    hours = models.JSONField(_("working hours"), default=default_hours)
    closed_days = models.JSONField(_("extra closed days"), default=list, blank=True)
    open_days = models.JSONField(_("extra open days"), default=list, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")

    def __str__(self) -> str:
        return self.name

    def working_days(self) -> list[tuple[Any, list[str]]]:
        """(weekday name, ranges) of the days with working hours, Monday first."""
        hours = self.hours if isinstance(self.hours, dict) else {}
        return [(label, hours[key]) for key, label in schedule.WEEKDAYS.items() if hours.get(key)]

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}

        def run(key: str, func: Any) -> Any:
            try:
                return func()
            except ValidationError as exc:
                messages = exc.message_dict if hasattr(exc, "error_dict") else {key: exc.messages}
                for name, items in messages.items():
                    errors.setdefault(name, []).extend(items)
                return None

        zone = run("time_zone", lambda: schedule.clean_time_zone(self.time_zone))
        if zone is not None:
            self.time_zone = zone
        country = self.country or ""
        if country not in self.Country.values:
            country = ""  # clean_fields reports the unknown choice
        subdivision = run(
            "subdivision", lambda: schedule.clean_subdivision(country, self.subdivision)
        )
        if subdivision is not None:
            self.subdivision = subdivision
        hours = run("hours", lambda: schedule.clean_hours(self.hours))
        if hours is not None:
            self.hours = hours
        closed = run("closed_days", lambda: schedule.clean_days(self.closed_days))
        if closed is not None:
            self.closed_days = closed
        opened = run("open_days", lambda: schedule.clean_days(self.open_days, open_days=True))
        if opened is not None:
            self.open_days = opened
        if closed is not None and opened is not None:
            clash = schedule.days_clash(closed, opened)
            if clash:
                errors.setdefault("open_days", []).append(
                    gettext(
                        "%(days)s cannot be both closed and open; remove it from one of the lists."
                    )
                    % {"days": ", ".join(clash)}
                )
        if errors:
            raise ValidationError(errors)


def segment_removed(collector: Any, field: Any, sub_objs: Any, using: str) -> None:
    """A deleted customer group takes its policies out of use: they would otherwise
    apply to every customer. The policy stays, inactive and without a group, for an
    administrator to look at."""
    active = field.model._meta.get_field("active")
    collector.add_field_update(active, False, sub_objs)
    collector.add_field_update(field, None, sub_objs)


class SlaPolicy(models.Model):
    """First-response and resolution targets in business minutes, for a priority (or
    any) and a customer group (a marketing segment, or any customer), counted on a
    business calendar. The first active policy by rank that matches applies; a policy
    with a customer group comes before one without at equal rank."""

    Priority = Activity.Priority

    name = models.CharField(_("name"), max_length=100)
    active = models.BooleanField(_("active"), default=True)
    priority = models.PositiveSmallIntegerField(
        _("priority"),
        choices=Activity.Priority.choices,
        null=True,
        blank=True,
        help_text=_("Empty: any priority."),
    )
    segment = models.ForeignKey(
        "marketing.Segment",
        verbose_name=_("customer group"),
        on_delete=segment_removed,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("A static list or dynamic segment of contacts. Empty: any customer."),
    )
    calendar = models.ForeignKey(
        BusinessCalendar,
        verbose_name=_("business calendar"),
        on_delete=models.PROTECT,
        related_name="policies",
    )
    first_response_minutes = models.PositiveIntegerField(
        _("first response (business minutes)"),
        validators=[MinValueValidator(1), MaxValueValidator(MAX_MINUTES)],
    )
    resolution_minutes = models.PositiveIntegerField(
        _("resolution (business minutes)"),
        validators=[MinValueValidator(1), MaxValueValidator(MAX_MINUTES)],
    )
    warn_before_minutes = models.PositiveIntegerField(
        _("warn before (business minutes)"),
        default=DEFAULT_WARNING,
        validators=[MaxValueValidator(MAX_MINUTES)],
        help_text=_("A warning goes out this long before a target is missed."),
    )
    rank = models.PositiveSmallIntegerField(
        _("rank"),
        default=100,
        validators=[MaxValueValidator(32_000)],
        help_text=_("Lower ranks are tried first."),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        ordering = ["rank", "id"]
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        indexes = [models.Index(fields=["active", "rank"], name="slapolicy_active_rank_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(first_response_minutes__gt=0),
                name="slapolicy_first_response_positive",
            ),
            models.CheckConstraint(
                condition=models.Q(resolution_minutes__gte=models.F("first_response_minutes")),
                name="slapolicy_resolution_after_response",
            ),
            models.CheckConstraint(
                condition=models.Q(warn_before_minutes__lt=models.F("first_response_minutes")),
                name="slapolicy_warning_before_target",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, str] = {}
        first, resolution, warn = (
            self.first_response_minutes,
            self.resolution_minutes,
            self.warn_before_minutes,
        )
        if isinstance(first, int) and isinstance(resolution, int) and first > resolution:
            errors["resolution_minutes"] = gettext(
                "The resolution target (%(resolution)s minutes) must be at least the first-response target (%(first)s minutes)."
            ) % {"resolution": resolution, "first": first}
        if isinstance(first, int) and isinstance(warn, int) and first > 0 and warn >= first:
            errors["warn_before_minutes"] = gettext(
                "The warning must come before the first-response target: give fewer than %(first)s minutes."
            ) % {"first": first}
        if errors:
            raise ValidationError(errors)
