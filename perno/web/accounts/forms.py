from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from perno.accounts import lockout
from perno.accounts.models import ApiToken, Role, Team, User
from perno.accounts.rights import RECORD_ACTIONS, SCOPES, SUBJECTS
from perno.core.net import client_ip
from perno.web.countries import country_field


def style(form: forms.BaseForm) -> None:
    """Bootstrap classes on every widget."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(widget, forms.CheckboxSelectMultiple):
            continue
        elif isinstance(widget, forms.Select | forms.SelectMultiple):
            widget.attrs.setdefault("class", "form-select")
        elif not isinstance(widget, forms.HiddenInput):
            widget.attrs.setdefault("class", "form-control")


def add_errors(form: forms.BaseForm, exc: ValidationError) -> None:
    """Put a service's ValidationError on the form: under each field it names, the rest
    on top."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            for error in errors:
                form.add_error(field if field in form.fields else None, error)
    else:
        for error in exc.messages:
            form.add_error(None, error)


class StyledForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style(self)


class LoginForm(AuthenticationForm):
    """Django's log-in form with the lockout: a locked account or address is refused
    before the password is even checked, and every failure is counted."""

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username") or ""
        ip = client_ip(self.request) if self.request else None
        reason = lockout.lock_reason(username, ip)
        if reason:
            raise ValidationError(reason, code="locked")
        try:
            cleaned = super().clean()
        except ValidationError:
            if self.request is not None:
                lockout.record_failure(self.request, username)
            reason = lockout.lock_reason(username, ip)
            if reason:
                raise ValidationError(reason, code="locked") from None
            raise
        lockout.record_success(username)
        return cleaned


class CodeForm(StyledForm):
    code = forms.CharField(
        label=_("Code"),
        max_length=20,
        help_text=_("The 6-digit code from your authenticator app, or one of your recovery codes."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True}),
    )


class TokenForm(StyledForm):
    name = forms.CharField(label=_("Name"), max_length=100, help_text=_("What the token is for."))
    scope = forms.ChoiceField(label=_("Scope"), choices=ApiToken.Scope.choices)
    expires_in_days = forms.IntegerField(
        label=_("Valid for (days)"), min_value=1, max_value=365, initial=90
    )


class UserForm(forms.ModelForm):
    class Meta:
        model = User
        fields = [
            "username",
            "first_name",
            "last_name",
            "email",
            "team",
            "country",
            "roles",
            "is_active",
        ]
        widgets = {"roles": forms.CheckboxSelectMultiple}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].required = True
        self.fields["roles"].required = True
        self.fields["country"] = country_field(
            self.instance.country,
            help_text=_(
                "Phone numbers the user types without a +country code are read as numbers of this country; empty: the team's country."
            ),
        )
        style(self)


class NewUserForm(UserForm):
    password = forms.CharField(
        label=_("Initial password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 12 characters; the user can change it after logging in."),
    )


class TeamForm(forms.ModelForm):
    class Meta:
        model = Team
        fields = ["name", "parent", "country"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["country"] = country_field(
            self.instance.country,
            help_text=_(
                "Phone numbers the team's members type without a +country code are read as numbers of this country; empty: the parent team's, else the installation's default."
            ),
        )
        if self.instance.pk:
            self.fields["parent"].queryset = Team.objects.exclude(pk=self.instance.pk)  # type: ignore[attr-defined]
        style(self)


class RoleForm(forms.ModelForm):
    """The role's flags plus one scope per record type and action."""

    class Meta:
        model = Role
        fields = [
            "code",
            "name",
            "description",
            "administer",
            "see_confidential",
            "handle_privacy",
            "require_2fa",
            "export_max_rows",
            "export_daily_rows",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        rights = self.instance.rights or {}
        for subject in SUBJECTS:
            for action in RECORD_ACTIONS:
                name = f"right_{subject}_{action}"
                self.fields[name] = forms.ChoiceField(
                    label=f"{SUBJECTS[subject]} · {RECORD_ACTIONS[action]}",
                    choices=list(SCOPES.items()),
                    initial=rights.get(subject, {}).get(action, "none"),
                )
        style(self)

    def matrix(self) -> list[tuple[Any, list[forms.BoundField]]]:
        return [
            (label, [self[f"right_{subject}_{action}"] for action in RECORD_ACTIONS])
            for subject, label in SUBJECTS.items()
        ]

    def rights(self) -> dict[str, dict[str, str]]:
        return {
            subject: {
                action: self.cleaned_data[f"right_{subject}_{action}"] for action in RECORD_ACTIONS
            }
            for subject in SUBJECTS
        }
