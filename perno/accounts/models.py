from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from perno.core.inputs import validate_moment


class Team(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent team"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    country = models.CharField(
        _("country"),
        max_length=2,
        blank=True,
        help_text=_(
            "Where the team works: phone numbers its members type without a +country code are read as numbers of this country."
        ),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self) -> str:
        return self.name


class Role(models.Model):
    """A named set of rights that an administrator edits: per record type and action a
    scope (see ``rights.py``), plus the flags below. A user's rights are the union of
    the rights of all their roles."""

    ADMINISTRATOR = "administrator"
    MANAGER = "manager"
    SALES = "sales"
    SUPPORT = "support"
    MARKETING = "marketing"
    DPO = "dpo"
    AUDITOR = "auditor"

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    rights = models.JSONField(_("rights"), default=dict, blank=True)
    administer = models.BooleanField(
        _("administer Perno"),
        default=False,
        help_text=_("Manage users, roles, teams, custom fields, pipelines and security logs."),
    )
    see_confidential = models.BooleanField(
        _("see confidential data"),
        default=False,
        help_text=_("Read records and fields that an administrator marked confidential."),
    )
    handle_privacy = models.BooleanField(
        _("handle personal data"),
        default=False,
        help_text=_(
            "Keep the register of processing, answer data subject requests (export, erasure), record breaches and read the audit trail."
        ),
    )
    require_2fa = models.BooleanField(
        _("require two-factor authentication"),
        default=False,
        help_text=_("Users with this role must set up an authenticator app before working."),
    )
    export_max_rows = models.PositiveIntegerField(
        _("rows per export"),
        null=True,
        blank=True,
        help_text=_("Largest export allowed; empty means no limit."),
    )
    export_daily_rows = models.PositiveIntegerField(
        _("exported rows per day"),
        null=True,
        blank=True,
        help_text=_("Rows a user may export in a day; empty means no limit."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("role")
        verbose_name_plural = _("roles")

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    team = models.ForeignKey(
        Team,
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
    )
    roles = models.ManyToManyField(Role, verbose_name=_("roles"), blank=True, related_name="users")
    language = models.CharField(_("language"), max_length=8, blank=True)
    country = models.CharField(
        _("country"),
        max_length=2,
        blank=True,
        help_text=_(
            "Where the user works: phone numbers they type without a +country code are read as numbers of this country (else the team's country)."
        ),
    )
    preferences = models.JSONField(_("preferences"), default=dict, blank=True)
    # Changing the stamp ends every session of the user ("log out everywhere").
    security_stamp = models.CharField(max_length=32, default="", blank=True, editable=False)

    class Meta:
        ordering = ["username"]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    def get_session_auth_hash(self) -> str:
        """Sessions are bound to the password and the security stamp: changing either
        logs the user out of every browser."""

        return salted_hmac(
            "perno.accounts.User.session",
            f"{self.password}:{self.security_stamp}",
            algorithm="sha256",
        ).hexdigest()


class ApiToken(models.Model):
    """A bearer token; only its SHA-256 is stored, the token is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")

    class Scope(models.TextChoices):
        READ = "read", _("read only")
        WRITE = "write", _("read and write")

    name = models.CharField(_("name"), max_length=100)
    scope = models.CharField(_("scope"), max_length=8, choices=Scope.choices, default=Scope.READ)
    prefix = models.CharField(_("prefix"), max_length=12)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(
        _("expires"), null=True, blank=True, validators=[validate_moment]
    )
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        now = timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class ConfidentialField(models.Model):
    """A field (built-in, or ``custom_fields.<key>``) that only roles with "see
    confidential data" may read."""

    subject = models.CharField(_("record type"), max_length=20)
    field = models.CharField(_("field"), max_length=80)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["subject", "field"], name="confidential_field_unique")
        ]
        verbose_name = _("confidential field")
        verbose_name_plural = _("confidential fields")

    def __str__(self) -> str:
        return f"{self.subject}.{self.field}"


class ExportLog(models.Model):
    """One export of records (a CSV/XLSX file or a bulk API read): who, what, how many."""

    class Channel(models.TextChoices):
        WEB = "web", _("web")
        API = "api", _("API")

    user = models.ForeignKey(
        User, verbose_name=_("user"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    subject = models.CharField(_("record type"), max_length=20)
    format = models.CharField(_("format"), max_length=8)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    rows = models.PositiveIntegerField(_("rows"))
    filters = models.JSONField(_("filter"), default=dict, blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "created_at"], name="exportlog_user_time")]
        verbose_name = _("export")
        verbose_name_plural = _("exports")

    def __str__(self) -> str:
        return f"{self.subject} {self.format} {self.rows}"


class LoginAttempt(models.Model):
    """A failed log-in, kept for the lockout and purged after PERNO_LOGIN_ATTEMPT_DAYS."""

    username = models.CharField(_("user name"), max_length=150, db_index=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, db_index=True)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("failed log-in")
        verbose_name_plural = _("failed log-ins")

    def __str__(self) -> str:
        return f"{self.username} {self.ip_address}"


class RecoveryCode(models.Model):
    """A two-factor recovery code; only its hash is stored, and it works once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="recovery_codes")
    code_hash = models.CharField(max_length=64)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("recovery code")
        verbose_name_plural = _("recovery codes")

    def __str__(self) -> str:
        return f"recovery code of {self.user_id}"
