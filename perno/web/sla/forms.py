"""Forms of the service-level settings. They shape input and report every mistake at
once, next to its field; the services validate again and save."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from perno.accounts.permissions import restrict
from perno.marketing.models import Segment
from perno.sla import schedule
from perno.sla.models import BusinessCalendar, SlaPolicy
from perno.sla.selectors import calendar_list
from perno.web.accounts.forms import style

HOURS_HELP = _("Ranges separated by commas, e.g. 09:00-13:00, 14:00-18:00. Empty: closed.")
CLOSED_HELP = _(
    "One day per line with an optional name: 2026-12-24 for one day, 12-07 Sant'Ambrogio for the same day every year."
)
OPEN_HELP = _(
    "Days worked although closed otherwise (a holiday, a weekend), one per line: the date, optionally the hours, then a name, e.g. 2026-12-27 09:00-13:00 Inventory. Without hours: the hours of that weekday, or of the first working weekday."
)


def _zone_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(schedule.time_zones())]


class CalendarForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    time_zone = forms.ChoiceField(label=_("Time zone"))
    country = forms.ChoiceField(label=_("Public holidays of"), required=False)
    subdivision = forms.CharField(
        label=_("Province or region"),
        max_length=40,
        required=False,
        help_text=_(
            "Optional: adds its local holidays, e.g. MI (Milano) for 7 December. Italy only."
        ),
    )
    closed_days = forms.CharField(
        label=_("Extra closed days"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=CLOSED_HELP,
    )
    open_days = forms.CharField(
        label=_("Extra open days"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=OPEN_HELP,
    )

    def __init__(self, *args: Any, calendar: BusinessCalendar | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["time_zone"]).choices = _zone_choices()
        cast(forms.ChoiceField, self.fields["country"]).choices = [
            ("", _("None (no public holidays)")),
            *schedule.COUNTRIES,
        ]
        for key, label in schedule.WEEKDAYS.items():
            self.fields[f"hours_{key}"] = forms.CharField(
                label=label, required=False, max_length=300, help_text=HOURS_HELP
            )
        source = calendar or BusinessCalendar()
        self.initial.setdefault("name", source.name)
        self.initial.setdefault("time_zone", source.time_zone or settings.TIME_ZONE)
        self.initial.setdefault("country", source.country)
        self.initial.setdefault("subdivision", source.subdivision)
        for key in schedule.WEEKDAYS:
            self.initial.setdefault(f"hours_{key}", ", ".join((source.hours or {}).get(key, [])))
        self.initial.setdefault("closed_days", schedule.days_to_text(source.closed_days))
        self.initial.setdefault("open_days", schedule.days_to_text(source.open_days))
        self.fields["subdivision"].widget.attrs["list"] = "sla-subdivisions"
        style(self)

    def weekday_fields(self) -> list[Any]:
        return [self[f"hours_{key}"] for key in schedule.WEEKDAYS]

    def other_fields(self) -> list[Any]:
        return [self[name] for name in ("name", "time_zone", "country", "subdivision")]

    def _field_errors(self, name: str, exc: ValidationError) -> None:
        for message in exc.messages:
            self.add_error(name, message)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        hours: dict[str, list[str]] = {}
        for key in schedule.WEEKDAYS:
            try:
                hours[key] = schedule.clean_ranges(data.get(f"hours_{key}") or "")
            except ValidationError as exc:
                self._field_errors(f"hours_{key}", exc)
        if len(hours) == len(schedule.WEEKDAYS) and not any(hours.values()):
            self.add_error(None, _("Give working hours on at least one day of the week."))
        data["hours"] = hours
        for name, is_open in (("closed_days", False), ("open_days", True)):
            text = data.get(name) or ""
            try:
                data[name] = schedule.clean_days(
                    schedule.days_from_text(text, open_days=is_open), open_days=is_open
                )
            except ValidationError as exc:
                self._field_errors(name, exc)
        country = data.get("country") or ""
        try:
            data["subdivision"] = schedule.clean_subdivision(country, data.get("subdivision"))
        except ValidationError as exc:
            self._field_errors("subdivision", exc)
        return data

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "name": data["name"].strip(),
            "time_zone": data["time_zone"],
            "country": data.get("country") or "",
            "subdivision": data.get("subdivision") or "",
            "hours": data["hours"],
            "closed_days": data["closed_days"],
            "open_days": data["open_days"],
        }


class PolicyForm(forms.ModelForm):
    class Meta:
        model = SlaPolicy
        fields = [
            "name",
            "active",
            "priority",
            "segment",
            "calendar",
            "first_response_minutes",
            "resolution_minutes",
            "warn_before_minutes",
            "rank",
        ]
        help_texts = {
            "first_response_minutes": _(
                "Working minutes until the first answer: 60 is one working hour, 480 one 8-hour working day."
            ),
            "resolution_minutes": _("Working minutes until the case is resolved."),
        }

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        priority = cast(forms.ChoiceField, self.fields["priority"])
        priority.choices = [("", _("Any priority")), *SlaPolicy.Priority.choices]
        segment = self.fields["segment"]
        segment.queryset = restrict(Segment.objects.all(), user).order_by("name", "id")  # type: ignore[attr-defined]
        segment.empty_label = _("Any customer")  # type: ignore[attr-defined]
        self.fields["calendar"].queryset = calendar_list(user=user)  # type: ignore[attr-defined]
        for name in ("first_response_minutes", "resolution_minutes", "warn_before_minutes", "rank"):
            self.fields[name].widget.attrs.setdefault("min", 0)
        style(self)

    def _post_clean(self) -> None:
        """The service validates the whole policy (and says so per field)."""

    def values(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in self.Meta.fields}
