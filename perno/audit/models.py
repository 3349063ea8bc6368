from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ChangeEntry(models.Model):
    """One entry of a record's change history: who changed which fields, when."""

    class Action(models.TextChoices):
        CREATE = "create", _("created")
        UPDATE = "update", _("changed")
        DELETE = "delete", _("deleted")
        CONVERT = "convert", _("converted")

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.BigIntegerField()
    object_repr = models.CharField(max_length=200)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=20, choices=Action.choices)
    changes = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id", "-created_at"])]
        verbose_name = _("change")
        verbose_name_plural = _("change history")

    def __str__(self) -> str:
        return f"{self.action} {self.object_repr}"


class AuditEvent(models.Model):
    """One entry of the audit trail: who viewed, searched, changed, exported or erased
    personal data, when and from where.

    Append-only (database triggers refuse UPDATE, DELETE and TRUNCATE) and
    tamper-evident: ``hash`` is SHA-256 over the entry and the previous entry's hash, so
    ``perno audit verify`` finds any altered or missing entry. Entries never hold the
    personal data itself: the person is named by ``subject`` (a keyed hash, see
    ``core.pseudonym``), changed fields by name, never by value, so nothing survives
    here when the person is erased."""

    class Action(models.TextChoices):
        VIEW = "view", _("viewed")
        LIST = "list", _("listed")
        SEARCH = "search", _("searched")
        CREATE = "create", _("created")
        UPDATE = "update", _("changed")
        DELETE = "delete", _("deleted")
        EXPORT = "export", _("exported")
        ERASE = "erase", _("erased")
        ANONYMIZE = "anonymize", _("anonymized")
        CONSENT = "consent", _("recorded consent")
        REQUEST = "request", _("handled a data subject request")
        RETENTION = "retention", _("applied retention")
        CONFIGURE = "configure", _("changed the privacy configuration")
        BREACH = "breach", _("recorded a data breach")
        PROFILE = "profile", _("computed customer profiles")

    class Channel(models.TextChoices):
        WEB = "web", _("web")
        API = "api", _("API")
        TASK = "task", _("background job")
        CLI = "cli", _("command line")
        PUBLIC = "public", _("public link")

    seq = models.BigIntegerField(_("number"), unique=True)
    created_at = models.DateTimeField(_("when"))
    actor_id = models.BigIntegerField(_("user"), null=True, blank=True)  # no FK: outlives users
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    object_type = models.CharField(_("record type"), max_length=60, blank=True)
    object_id = models.BigIntegerField(_("record"), null=True, blank=True)
    subject = models.CharField(_("data subject"), max_length=40, blank=True)
    fields = models.JSONField(_("fields"), default=list, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["-seq"]
        indexes = [
            models.Index(fields=["subject", "seq"], name="auditevent_subject_idx"),
            models.Index(fields=["actor_id", "seq"], name="auditevent_actor_idx"),
            models.Index(fields=["object_type", "object_id"], name="auditevent_object_idx"),
            models.Index(fields=["created_at"], name="auditevent_created_idx"),
        ]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit trail")

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"
