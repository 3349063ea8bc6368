"""Consent with its proof (Art. 7), double opt-in sign-ups, where each contact's data
came from, and restrictions of processing (Art. 18)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from perno.core.inputs import validate_moment
from perno.privacy.models.register import Notice, Purpose


class Channel(models.TextChoices):
    WEB_FORM = "web_form", _("Web form")
    PORTAL = "portal", _("Customer portal")
    EMAIL = "email", _("E-mail")
    PHONE = "phone", _("Phone")
    PAPER = "paper", _("Paper form")
    IMPORT = "import", _("Import")
    OPERATOR = "operator", _("Recorded by an operator")
    API = "api", _("API")
    LINK = "link", _("Link in an e-mail")


class ConsentEvent(models.Model):
    """One step of a contact's consent history for a purpose, with its proof. The
    history is append-only: a database trigger refuses updates; a new step is a new row.
    An objection without a purpose objects to all direct marketing."""

    class Kind(models.TextChoices):
        GIVEN = "given", _("given")
        WITHDRAWN = "withdrawn", _("withdrawn")
        OBJECTED = "objected", _("objected")

    contact = models.ForeignKey(
        "contacts.Contact", on_delete=models.CASCADE, related_name="consent_events"
    )
    purpose = models.ForeignKey(
        Purpose,
        verbose_name=_("purpose"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="consent_events",
    )
    kind = models.CharField(_("step"), max_length=10, choices=Kind.choices)
    occurred_at = models.DateTimeField(_("when"), validators=[validate_moment])
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    notice = models.ForeignKey(
        Notice,
        verbose_name=_("notice"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="consent_events",
    )
    notice_text = models.TextField(_("notice text"), blank=True)
    notice_version = models.CharField(_("notice version"), max_length=30, blank=True)
    source = models.CharField(
        _("source"), max_length=500, blank=True, help_text=_("The form's URL or the document.")
    )
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)
    note = models.TextField(_("note"), blank=True)
    # PROTECT, not SET_NULL: the history is never updated (users are anonymized, not
    # deleted, so the proof keeps who recorded it).
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["contact", "purpose", "occurred_at"], name="consent_history_idx"),
            models.Index(fields=["purpose", "contact"], name="consent_purpose_idx"),
        ]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")

    def __str__(self) -> str:
        return f"{self.contact_id} {self.purpose_id} {self.kind}"

    def clean(self) -> None:
        if self.purpose_id is None and self.kind != self.Kind.OBJECTED:
            raise ValidationError(_("Only an objection may concern all direct marketing."))


class ConsentRequest(models.Model):
    """A web sign-up waiting for its double opt-in: the link in the e-mail confirms it
    once, before it expires."""

    contact = models.ForeignKey(
        "contacts.Contact", on_delete=models.CASCADE, related_name="consent_requests"
    )
    purpose = models.ForeignKey(Purpose, on_delete=models.PROTECT, related_name="+")
    notice = models.ForeignKey(Notice, on_delete=models.PROTECT, related_name="+")
    source = models.CharField(max_length=500, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_ip = models.GenericIPAddressField(null=True, blank=True)
    confirmed_user_agent = models.CharField(max_length=300, blank=True)
    nonce = models.CharField(max_length=32, unique=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("pending consent")
        verbose_name_plural = _("pending consents")

    def __str__(self) -> str:
        return f"{self.contact_id} {self.purpose_id}"


class DataSource(models.Model):
    """Where a contact's data came from (Art. 14(2)(f), 15(1)(g)): an import file, a web
    form, an operator, the API."""

    contact = models.ForeignKey(
        "contacts.Contact", on_delete=models.CASCADE, related_name="data_sources"
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    detail = models.CharField(
        _("detail"), max_length=500, blank=True, help_text=_("File name, form URL or document.")
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        ordering = ["recorded_at", "id"]
        indexes = [models.Index(fields=["contact", "recorded_at"], name="datasource_contact_idx")]
        verbose_name = _("data source")
        verbose_name_plural = _("data sources")

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.detail}".strip()


class Restriction(models.Model):
    """Processing of a contact restricted (Art. 18): only storage until lifted."""

    contact = models.ForeignKey(
        "contacts.Contact", on_delete=models.CASCADE, related_name="restrictions"
    )
    reason = models.TextField(_("reason"))
    started_at = models.DateTimeField(_("since"), default=timezone.now)
    lifted_at = models.DateTimeField(_("lifted"), null=True, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["contact", "lifted_at"], name="restriction_contact_idx")]
        verbose_name = _("restriction")
        verbose_name_plural = _("restrictions")

    def __str__(self) -> str:
        return f"{self.contact_id} {self.started_at:%Y-%m-%d}"
