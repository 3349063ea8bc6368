"""Forms of the mail pages. They only shape input: ``perno.mail.services`` and
``perno.mail.outgoing`` validate and write."""

from __future__ import annotations

from email.utils import parseaddr
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from perno.accounts.models import Team
from perno.accounts.permissions import access_for
from perno.accounts.rights import ALL
from perno.cases.selectors import queue_list
from perno.mail import selectors
from perno.mail.models import Mailbox, MailTemplate
from perno.web.accounts.forms import style
from perno.web.activities.forms import MultipleFileField

KEEP = _("Leave empty to keep the stored password: it is never shown again.")
PASSWORD_FIELDS = ("imap_password", "smtp_password")


def choice_field(form: forms.BaseForm, name: str) -> forms.ModelChoiceField[Any]:
    field = form.fields[name]
    assert isinstance(field, forms.ModelChoiceField)
    return field


def _password(label: Any) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        strip=False,
        max_length=500,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )


class MailboxForm(forms.ModelForm):
    """A mailbox's settings. Passwords are write-only: the fields are always empty,
    and an empty field keeps the stored password."""

    imap_password = _password(_("IMAP password"))
    smtp_password = _password(_("SMTP password"))
    smtp_password_clear = forms.BooleanField(
        label=_("Remove the stored SMTP password"),
        required=False,
        help_text=_("For a relay that takes mail without a password."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    GENERAL = ("name", "kind", "address", "purpose", "queue", "team", "language", "acknowledgement")
    IMAP = (
        "imap_host",
        "imap_port",
        "imap_security",
        "imap_username",
        "imap_password",
        "imap_folder",
    )
    SMTP = (
        "smtp_host",
        "smtp_port",
        "smtp_security",
        "smtp_username",
        "smtp_password",
        "smtp_password_clear",
    )

    class Meta:
        model = Mailbox
        fields = [
            "name",
            "kind",
            "address",
            "purpose",
            "queue",
            "team",
            "language",
            "acknowledgement",
            "imap_host",
            "imap_port",
            "imap_security",
            "imap_username",
            "imap_folder",
            "smtp_host",
            "smtp_port",
            "smtp_security",
            "smtp_username",
        ]

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        instance = self.instance
        choice_field(self, "queue").queryset = queue_list().order_by("name", "id")
        choice_field(self, "acknowledgement").queryset = selectors.template_list(user=user)
        teams = Team.objects.order_by("name", "id")
        access = access_for(user)
        if not access.administer and ALL not in {
            access.scope("mailbox", action) for action in ("create", "edit")
        }:
            # The user's own teams (and the mailbox's, kept as it is).
            ids = set(access.team_ids) | ({instance.team_id} if instance.team_id else set())
            teams = teams.filter(pk__in=sorted(ids))
        choice_field(self, "team").queryset = teams
        self.fields["team"].required = False
        self.fields["team"].help_text = _(
            "Who shares the mailbox (a shared mailbox only; a personal one is its owner's alone)."
        )
        if instance.pk:
            self.fields["version"].initial = instance.version
        else:
            self.fields["team"].initial = getattr(user, "team_id", None)
        for name, stored in (
            ("imap_password", instance.pk and instance.has_imap_password),
            ("smtp_password", instance.pk and instance.has_smtp_password),
        ):
            field = self.fields[name]
            if stored:
                field.help_text = KEEP
            elif name == "imap_password":
                field.help_text = _("Required. Stored encrypted; never shown again.")
            else:
                field.help_text = _(
                    "Only if the SMTP server asks for one (it is never sent without TLS)."
                )
        if not (instance.pk and instance.has_smtp_password):
            del self.fields["smtp_password_clear"]
        for field in self.fields.values():
            if isinstance(field, forms.ModelChoiceField):
                field.empty_label = "—"
        style(self)

    def _post_clean(self) -> None:
        # Validation is the service's (``mailbox_create`` / ``mailbox_update``).
        pass

    def sections(self) -> list[tuple[Any, list[Any]]]:
        """The fields in three groups, in order, for the template."""
        groups: list[tuple[Any, tuple[str, ...]]] = [
            (_("Mailbox"), self.GENERAL),
            (_("Incoming (IMAP)"), self.IMAP),
            (_("Outgoing (SMTP)"), self.SMTP),
        ]
        return [
            (title, [self[name] for name in names if name in self.fields])
            for title, names in groups
        ]

    def data_for_service(self) -> dict[str, Any]:
        data = {name: self.cleaned_data.get(name) for name in self.Meta.fields}
        if data.get("kind") == Mailbox.Kind.PERSONAL:
            data["team"] = None
        if self.instance.pk is None:
            return {k: v for k, v in data.items() if v not in (None, "")}
        return data

    def passwords(self) -> dict[str, str | None]:
        """The passwords typed (None: keep the stored one; "": remove it)."""
        found: dict[str, str | None] = {}
        for name in PASSWORD_FIELDS:
            value = self.cleaned_data.get(name) or ""
            found[name] = value if value else None
        if self.cleaned_data.get("smtp_password_clear") and not found["smtp_password"]:
            found["smtp_password"] = ""
        return found


class TemplateForm(forms.ModelForm):
    class Meta:
        model = MailTemplate
        fields = ["name", "language", "subject", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 12})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style(self)

    def _post_clean(self) -> None:
        # Validation (merge fields, one version per language) is the service's.
        pass


class TemplateChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return getattr(obj, "choice_label", str(obj))


class ComposeForm(forms.Form):
    mailbox = forms.ModelChoiceField(label=_("From"), queryset=Mailbox.objects.none())
    to = forms.CharField(
        label=_("To"),
        max_length=5000,
        help_text=_("Separate addresses with commas."),
    )
    cc = forms.CharField(label=_("Cc"), required=False, max_length=5000)
    template = TemplateChoiceField(
        label=_("Template"),
        required=False,
        queryset=MailTemplate.objects.none(),
        help_text=_(
            "In the recipient's language when the template has a version in it; "
            "“Apply template” fills in the subject and text for you to check."
        ),
    )
    subject = forms.CharField(label=_("Subject"), required=False, max_length=450)
    body = forms.CharField(
        label=_("Message"),
        required=False,
        max_length=200_000,
        widget=forms.Textarea(attrs={"rows": 12}),
    )
    attachments = MultipleFileField(label=_("Attachments"), required=False)
    reply_to = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(
        self, *args: Any, user: Any, mailboxes: Any, templates: list[MailTemplate], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        mailbox_field = choice_field(self, "mailbox")
        mailbox_field.queryset = mailboxes
        mailbox_field.empty_label = None
        template_field = choice_field(self, "template")
        # Any version may be chosen (the recipient's language decides which is used);
        # the list shows one per template.
        template_field.queryset = selectors.template_list(user=user)
        labels: list[tuple[Any, str]] = [
            (t.pk, getattr(t, "choice_label", str(t))) for t in templates
        ]
        template_field.choices = [("", "—"), *labels]
        style(self)
        self.fields["template"].widget.attrs["data-mail-template"] = "1"

    @staticmethod
    def split(value: str) -> list[str]:
        """The addresses typed, separated by commas or semicolons; "Name <address>"
        gives its address."""
        found = []
        for part in (value or "").replace(";", ",").split(","):
            part = part.strip()
            if "<" in part and part.endswith(">"):
                address = parseaddr(part)[1]
                part = address if "@" in address else part
            if part:
                found.append(part)
        return found

    def clean_reply_to(self) -> int | None:
        value = self.cleaned_data.get("reply_to")
        if value is not None and value <= 0:
            raise ValidationError(_("This is not a message you can answer."))
        return value


class EmlForm(forms.Form):
    file = forms.FileField(
        label=_("E-mail file (.eml)"),
        help_text=_(
            "Save the message from your mail program (“Save as…” or drag it to the desktop) and drop the .eml file here."
        ),
    )
