"""Privacy by design (GDPR): the register of processing activities (Art. 30), privacy
notices, consent with its proof (Art. 7), where each contact's data came from, and
restrictions of processing (Art. 18)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

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


class SubjectRequest(models.Model):
    """A data subject request (Art. 12, 15-21), from receipt to outcome. Due one month
    after receipt; extendable by up to two further months with a reason (Art. 12(3))."""

    class Kind(models.TextChoices):
        ACCESS = "access", _("Access (Art. 15)")
        PORTABILITY = "portability", _("Portability (Art. 20)")
        RECTIFICATION = "rectification", _("Rectification (Art. 16)")
        ERASURE = "erasure", _("Erasure (Art. 17)")
        RESTRICTION = "restriction", _("Restriction (Art. 18)")
        OBJECTION = "objection", _("Objection (Art. 21)")

    class Identity(models.TextChoices):
        UNVERIFIED = "unverified", _("not verified yet")
        VERIFIED = "verified", _("verified")
        FAILED = "failed", _("could not be verified")

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        DONE = "done", _("done")
        REFUSED = "refused", _("refused")

    kind = models.CharField(_("request"), max_length=20, choices=Kind.choices)
    received_on = models.DateField(_("received on"))
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    requester_name = models.CharField(_("requester"), max_length=200)
    requester_email = models.EmailField(_("e-mail"), blank=True)
    requester_phone = models.CharField(_("phone"), max_length=30, blank=True)
    identifier = models.CharField(
        _("tax code or VAT number"),
        max_length=40,
        blank=True,
        help_text=_("If the person gave one."),
    )
    details = models.TextField(_("what was asked"), blank=True)
    contact = models.ForeignKey(
        "contacts.Contact",
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="subject_requests",
        help_text=_("The person the request is about, once found. Empty: not known to us."),
    )
    subject = models.CharField(max_length=40, blank=True, editable=False)
    identity = models.CharField(
        _("identity"), max_length=12, choices=Identity.choices, default=Identity.UNVERIFIED
    )
    identity_note = models.TextField(_("how the identity was checked"), blank=True)
    due_on = models.DateField(_("due"), editable=False)
    extended_to = models.DateField(_("extended to"), null=True, blank=True, editable=False)
    extension_reason = models.TextField(_("reason for the extension"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    outcome = models.TextField(_("outcome"), blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handled by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True, editable=False)
    reminded = models.JSONField(default=list, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-received_on", "-id"]
        indexes = [
            models.Index(fields=["status", "due_on"], name="dsr_open_due_idx"),
            models.Index(fields=["subject"], name="dsr_subject_idx"),
        ]
        verbose_name = _("data subject request")
        verbose_name_plural = _("data subject requests")

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_kind_display()}"

    @property
    def deadline(self) -> Any:
        return self.extended_to or self.due_on


class SubjectExport(models.Model):
    """The archive answering an access or portability request: built in the background,
    downloadable once by an authorized user, then deleted."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("being prepared")
        READY = "ready", _("ready to download")
        DOWNLOADED = "downloaded", _("downloaded")
        FAILED = "failed", _("failed")

    request = models.ForeignKey(SubjectRequest, on_delete=models.CASCADE, related_name="exports")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    path = models.CharField(max_length=300, blank=True, editable=False)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    downloaded_at = models.DateTimeField(null=True, blank=True)
    downloaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("subject export")
        verbose_name_plural = _("subject exports")

    def __str__(self) -> str:
        return f"export {self.pk} of request {self.request_id}"


class Tombstone(models.Model):
    """What stays of an erased person: keyed hashes of their e-mail, phones, name and
    tax number, so a later import or sign-up can warn that this person asked to be
    forgotten, without keeping who they were."""

    subject = models.CharField(max_length=40, db_index=True)
    request = models.ForeignKey(
        SubjectRequest, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    erased_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-erased_at", "-id"]
        verbose_name = _("erasure tombstone")
        verbose_name_plural = _("erasure tombstones")

    def __str__(self) -> str:
        return f"erased {self.erased_at:%Y-%m-%d}"


class TombstoneHash(models.Model):
    """One keyed hash of a tombstone, indexed for the look-up at import time."""

    tombstone = models.ForeignKey(Tombstone, on_delete=models.CASCADE, related_name="+")
    digest = models.CharField(max_length=64, db_index=True)

    class Meta:
        verbose_name = _("tombstone hash")
        verbose_name_plural = _("tombstone hashes")

    def __str__(self) -> str:
        return self.digest[:12]


class RetentionRun(models.Model):
    """One run of the retention job (or of its dry run), with what it did or would do."""

    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    dry_run = models.BooleanField(default=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    counts = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("retention run")
        verbose_name_plural = _("retention runs")

    def __str__(self) -> str:
        return f"retention {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def total(self) -> int:
        return sum(item.get("count", 0) for item in self.counts.get("items", []))


class Breach(models.Model):
    """A personal data breach (Art. 33-34): documented whatever its size (Art. 33(5)),
    notified to the supervisory authority within 72 hours of discovery unless unlikely
    to result in a risk, and to the people affected when the risk is high."""

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("what happened"))
    discovered_at = models.DateTimeField(_("discovered"))
    occurred_at = models.DateTimeField(_("occurred"), null=True, blank=True)
    categories = models.JSONField(_("data categories affected"), default=list, blank=True)
    people_affected = models.PositiveIntegerField(
        _("people affected (approx.)"), null=True, blank=True
    )
    records_affected = models.PositiveIntegerField(
        _("records affected (approx.)"), null=True, blank=True
    )
    consequences = models.TextField(_("likely consequences"), blank=True)
    measures = models.TextField(_("measures taken or proposed"), blank=True)
    high_risk = models.BooleanField(
        _("high risk to people"),
        default=False,
        help_text=_("Then the people affected must be told too (Art. 34)."),
    )
    authority_notified_at = models.DateTimeField(_("authority notified"), null=True, blank=True)
    authority_reference = models.CharField(_("authority's reference"), max_length=100, blank=True)
    people_notified_at = models.DateTimeField(_("people notified"), null=True, blank=True)
    people_notice = models.TextField(_("how people were told"), blank=True)
    no_notification_reason = models.TextField(
        _("why the authority is not notified"),
        blank=True,
        help_text=_("Only when the breach is unlikely to result in a risk to people (Art. 33(1))."),
    )
    late_reason = models.TextField(
        _("reasons for the delay"),
        blank=True,
        help_text=_("Required when the authority is notified more than 72 hours after discovery."),
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    reminded = models.JSONField(default=list, blank=True, editable=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-discovered_at", "-id"]
        verbose_name = _("data breach")
        verbose_name_plural = _("data breaches")

    def __str__(self) -> str:
        return self.title

    @property
    def deadline(self) -> Any:

        return self.discovered_at + timedelta(hours=72)

    @property
    def awaiting_authority(self) -> bool:
        return (
            self.closed_at is None
            and self.authority_notified_at is None
            and not self.no_notification_reason
        )


class KeyRotation(models.Model):
    """One run of ``perno keys rotate`` (or of re-encryption after a field was marked or
    unmarked): every sealed value re-encrypted under the current key, newly marked
    fields encrypted, unmarked ones decrypted, with progress and counts."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    started_at = models.DateTimeField(_("started"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    key_id = models.CharField(_("current key"), max_length=16, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    total = models.PositiveIntegerField(_("records to check"), default=0)
    done = models.PositiveIntegerField(_("records checked"), default=0)
    counts = models.JSONField(_("counts"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("key rotation")
        verbose_name_plural = _("key rotations")

    def __str__(self) -> str:
        return f"key rotation {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return min(99, self.done * 100 // self.total) if self.total else 0
