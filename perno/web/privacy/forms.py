from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from perno.accounts.models import User
from perno.audit.models import AuditEvent
from perno.contacts.models import Contact
from perno.core.inputs import validate_moment
from perno.core.privacy import CATEGORIES
from perno.privacy.models import (
    Breach,
    Channel,
    ConsentEvent,
    Controller,
    Purpose,
    SubjectRequest,
)
from perno.web.accounts.forms import style
from perno.web.pickers import record_picker


class ControllerForm(forms.ModelForm):
    class Meta:
        model = Controller
        fields = [
            "name",
            "address",
            "email",
            "phone",
            "representative",
            "dpo_name",
            "dpo_email",
            "supervisory_authority",
        ]
        widgets = {"address": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style(self)


class PurposeForm(forms.ModelForm):
    data_categories = forms.MultipleChoiceField(
        label=_("data categories"),
        choices=list(CATEGORIES.items()),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = Purpose
        fields = [
            "code",
            "name",
            "legal_basis",
            "is_direct_marketing",
            "is_active",
            "description",
            "basis_detail",
            "data_subjects",
            "data_categories",
            "recipients",
            "transfers",
            "security_measures",
        ]
        widgets = {
            name: forms.Textarea(attrs={"rows": 2})
            for name in (
                "description",
                "basis_detail",
                "recipients",
                "transfers",
                "security_measures",
            )
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style(self)


class NoticeForm(forms.Form):
    version = forms.CharField(label=_("version"), max_length=30)
    language = forms.ChoiceField(
        label=_("language"), choices=[("it", "Italiano"), ("ro", "Română"), ("en", "English")]
    )
    text = forms.CharField(label=_("text"), widget=forms.Textarea(attrs={"rows": 6}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style(self)


class ConsentForm(forms.Form):
    """An operator records a consent step with its proof."""

    purpose = forms.ModelChoiceField(
        label=_("purpose"),
        queryset=Purpose.objects.filter(is_active=True),
        empty_label=_("All direct marketing (objection only)"),
        required=False,
    )
    kind = forms.ChoiceField(label=_("step"), choices=ConsentEvent.Kind.choices)
    channel = forms.ChoiceField(
        label=_("channel"),
        choices=[(c.value, c.label) for c in Channel if c not in (Channel.LINK, Channel.API)],
    )
    occurred_at = forms.DateTimeField(
        label=_("when"),
        required=False,
        validators=[validate_moment],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text=_("Empty: now."),
    )
    source = forms.CharField(
        label=_("source"),
        max_length=500,
        required=False,
        help_text=_("The form's URL, the document or the call it came from."),
    )
    note = forms.CharField(
        label=_("note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style(self)


class RestrictionForm(forms.Form):
    reason = forms.CharField(label=_("reason"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style(self)


class AuditFilterForm(forms.Form):
    actor = forms.IntegerField(label=_("user"), required=False, min_value=1)
    action = forms.ChoiceField(
        label=_("action"), choices=[("", "—"), *AuditEvent.Action.choices], required=False
    )
    record_type = forms.CharField(label=_("record type"), required=False, max_length=60)
    contact = forms.IntegerField(label=_("contact"), required=False, min_value=1)
    term = forms.CharField(
        label=_("searched for"),
        required=False,
        max_length=500,
        help_text=_("Finds searches for exactly these words (kept as a keyed hash)."),
    )
    date_from = forms.DateField(
        label=_("from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[validate_moment],
    )
    date_to = forms.DateField(
        label=_("to"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[validate_moment],
    )

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Users and contacts are picked by name (the users who acted may since have
        # been deactivated, so every account is listed; contacts are searched).
        self.fields["actor"].widget = forms.Select(
            choices=[("", "—")] + [(str(u.pk), str(u)) for u in User.objects.order_by("username")]
        )
        self.fields["contact"].widget = record_picker(
            Contact,
            self.data.get("contact") if self.data else None,
            "contacts:contact_lookup",
            user,
        )
        style(self)


class RequestForm(forms.ModelForm):
    received_on = forms.DateField(
        label=_("received on"),
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[validate_moment],
    )

    class Meta:
        model = SubjectRequest
        fields = [
            "kind",
            "received_on",
            "channel",
            "requester_name",
            "requester_email",
            "requester_phone",
            "identifier",
            "details",
        ]
        widgets = {"details": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style(self)


class IdentityForm(forms.Form):
    identity = forms.ChoiceField(label=_("identity"), choices=SubjectRequest.Identity.choices)
    identity_note = forms.CharField(
        label=_("how the identity was checked"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style(self)


class ExtendForm(forms.Form):
    extended_to = forms.DateField(
        label=_("extended to"),
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[validate_moment],
    )
    extension_reason = forms.CharField(
        label=_("reason for the extension"), widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style(self)


class CloseForm(forms.Form):
    status = forms.ChoiceField(
        label=_("status"),
        choices=[
            (SubjectRequest.Status.DONE, SubjectRequest.Status.DONE.label),
            (SubjectRequest.Status.REFUSED, SubjectRequest.Status.REFUSED.label),
        ],
    )
    outcome = forms.CharField(label=_("outcome"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style(self)


class BreachForm(forms.ModelForm):
    categories = forms.MultipleChoiceField(
        label=_("data categories affected"),
        choices=list(CATEGORIES.items()),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = Breach
        fields = [
            "title",
            "discovered_at",
            "occurred_at",
            "description",
            "categories",
            "people_affected",
            "records_affected",
            "consequences",
            "measures",
            "high_risk",
            "authority_notified_at",
            "authority_reference",
            "no_notification_reason",
            "late_reason",
            "people_notified_at",
            "people_notice",
        ]
        widgets = {
            **{
                name: forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
                for name in (
                    "discovered_at",
                    "occurred_at",
                    "authority_notified_at",
                    "people_notified_at",
                )
            },
            **{
                name: forms.Textarea(attrs={"rows": 2})
                for name in (
                    "description",
                    "consequences",
                    "measures",
                    "people_notice",
                    "no_notification_reason",
                    "late_reason",
                )
            },
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("discovered_at", "occurred_at", "authority_notified_at", "people_notified_at"):
            cast(forms.DateTimeField, self.fields[name]).input_formats = [
                "%Y-%m-%dT%H:%M",
                "%Y-%m-%d %H:%M",
                "%Y-%m-%d %H:%M:%S",
            ]
        style(self)
