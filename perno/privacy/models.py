"""Privacy by design (GDPR): the register of processing activities (Art. 30), privacy
notices, consent with its proof (Art. 7), where each contact's data came from, and
restrictions of processing (Art. 18)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class LegalBasis(models.TextChoices):
    """Art. 6(1) GDPR."""

    CONSENT = "consent", _("Consent (Art. 6(1)(a))")
    CONTRACT = "contract", _("Contract (Art. 6(1)(b))")
    LEGAL_OBLIGATION = "legal_obligation", _("Legal obligation (Art. 6(1)(c))")
    VITAL_INTERESTS = "vital_interests", _("Vital interests (Art. 6(1)(d))")
    PUBLIC_TASK = "public_task", _("Public task (Art. 6(1)(e))")
    LEGITIMATE_INTEREST = "legitimate_interest", _("Legitimate interest (Art. 6(1)(f))")


class Controller(models.Model):
    """Who is responsible for the processing: the head of the register. One row."""

    name = models.CharField(_("controller"), max_length=200, blank=True)
    address = models.TextField(_("address"), blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    representative = models.CharField(_("representative in the EU"), max_length=200, blank=True)
    dpo_name = models.CharField(_("data protection officer"), max_length=200, blank=True)
    dpo_email = models.EmailField(_("DPO e-mail"), blank=True)
    supervisory_authority = models.CharField(
        _("supervisory authority"),
        max_length=200,
        blank=True,
        help_text=_("E.g. Garante per la protezione dei dati personali, or ANSPDCP."),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("controller")
        verbose_name_plural = _("controller")

    def __str__(self) -> str:
        return self.name or str(_("Controller"))


class Purpose(models.Model):
    """One processing activity of the register (Art. 30(1))."""

    code = models.SlugField(
        _("code"),
        max_length=50,
        unique=True,
        help_text=_("Lower-case letters, digits, hyphens and underscores; used in the API."),
    )
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    legal_basis = models.CharField(_("legal basis"), max_length=30, choices=LegalBasis.choices)
    basis_detail = models.TextField(
        _("basis detail"),
        blank=True,
        help_text=_(
            "The contract or law relied on, or the legitimate interest and its balancing test."
        ),
    )
    is_direct_marketing = models.BooleanField(
        _("direct marketing"),
        default=False,
        help_text=_("An objection to direct marketing stops this purpose absolutely (Art. 21(3))."),
    )
    data_subjects = models.CharField(
        _("data subjects"), max_length=300, blank=True, help_text=_("E.g. customers, prospects.")
    )
    data_categories = models.JSONField(_("data categories"), default=list, blank=True)
    recipients = models.TextField(_("recipients"), blank=True)
    transfers = models.TextField(
        _("transfers outside the EU"), blank=True, help_text=_("Countries and safeguards, if any.")
    )
    security_measures = models.TextField(_("security measures"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("purpose")
        verbose_name_plural = _("purposes")

    def __str__(self) -> str:
        return self.name


class RetentionRule(models.Model):
    """How long each category of personal data is kept (Art. 5(1)(e))."""

    category = models.CharField(_("data category"), max_length=30, unique=True)
    days = models.PositiveIntegerField(
        _("kept for (days)"),
        null=True,
        blank=True,
        help_text=_("Empty: no automatic limit (kept while a purpose needs it)."),
    )
    justification = models.TextField(_("justification"), blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["category"]
        verbose_name = _("retention rule")
        verbose_name_plural = _("retention rules")

    def __str__(self) -> str:
        return self.category


class Notice(models.Model):
    """A version of a privacy notice or consent text. Once a consent refers to it, it is
    never changed: a new text is a new version."""

    purpose = models.ForeignKey(
        Purpose, verbose_name=_("purpose"), on_delete=models.PROTECT, related_name="notices"
    )
    version = models.CharField(_("version"), max_length=30)
    language = models.CharField(_("language"), max_length=8, default="it")
    text = models.TextField(_("text"))
    published_at = models.DateTimeField(_("published"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["purpose", "-published_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["purpose", "version", "language"], name="notice_version_unique"
            )
        ]
        verbose_name = _("notice")
        verbose_name_plural = _("notices")

    def __str__(self) -> str:
        return f"{self.purpose} v{self.version} ({self.language})"


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
    occurred_at = models.DateTimeField(_("when"))
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
