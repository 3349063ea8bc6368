"""The register of processing activities (Art. 30): the controller, the purposes with
their legal basis, the retention rules, and the versions of the privacy notices."""

from __future__ import annotations

from django.conf import settings
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
