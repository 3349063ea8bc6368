from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from perno.activities.models import Activity
from perno.web.forms import RecordForm


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any):
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"class": "form-control form-control-sm"})
        )
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class ActivityForm(RecordForm):
    class Meta:
        model = Activity
        fields = [
            "kind",
            "subject",
            "description",
            "assignee",
            "due_at",
            "duration_minutes",
            "remind_at",
            "priority",
            "status",
            "moment",
            "company",
            "contact",
            "deal",
            "lead",
            "owner",
            "team",
            "is_confidential",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "due_at": forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
            ),
            "remind_at": forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
            ),
            "company": forms.HiddenInput,
            "contact": forms.HiddenInput,
            "deal": forms.HiddenInput,
            "lead": forms.HiddenInput,
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        due, remind = data.get("due_at"), data.get("remind_at")
        if due and remind and remind > due:
            self.add_error("remind_at", _("The reminder should come before the due time."))
        return data


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
    )
    attachments = MultipleFileField(label=_("Attachments"), required=False)
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)
