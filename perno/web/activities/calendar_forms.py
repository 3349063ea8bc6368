"""Forms of the calendar's pages: importing an .ics file and inviting contacts."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from perno.activities.calendar_import import MAX_BYTES
from perno.activities.calendar_invites import MAX_NOTE


class IcsImportForm(forms.Form):
    file = forms.FileField(
        label=_("iCalendar file (.ics)"),
        help_text=_(
            "Exported from Outlook, Google Calendar, Thunderbird or Apple Calendar; at most 1 MB."
        ),
        widget=forms.ClearableFileInput(
            attrs={"accept": ".ics,text/calendar", "class": "form-control"}
        ),
    )

    def clean_file(self) -> bytes:
        upload = self.cleaned_data["file"]
        if upload.size is not None and upload.size > MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than 1 MB; split it or export a shorter period.")
            )
        return upload.read(MAX_BYTES + 1)


class InviteForm(forms.Form):
    contacts = forms.MultipleChoiceField(
        label=_("Contacts"), required=False, widget=forms.CheckboxSelectMultiple
    )
    emails = forms.CharField(
        label=_("Other contacts, by e-mail address"),
        required=False,
        max_length=5000,
        help_text=_(
            "One address per line (or separated by commas); each must be the address of a contact you may see."
        ),
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
    )
    note = forms.CharField(
        label=_("Message to the invitees"),
        required=False,
        max_length=MAX_NOTE,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
    )

    def __init__(self, *args: Any, choices: list[tuple[str, str]] = (), **kwargs: Any) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        field = self.fields["contacts"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = choices

    def addresses(self) -> list[str]:
        text = self.cleaned_data.get("emails") or ""
        return [
            part.strip()
            for part in text.replace(",", "\n").replace(";", "\n").splitlines()
            if part.strip()
        ]
