"""The privacy office's runs and incidents: retention runs, data breaches (Art. 33-34)
and encryption key rotations."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from perno.core.inputs import validate_moment


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
    discovered_at = models.DateTimeField(_("discovered"), validators=[validate_moment])
    occurred_at = models.DateTimeField(
        _("occurred"), null=True, blank=True, validators=[validate_moment]
    )
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
    authority_notified_at = models.DateTimeField(
        _("authority notified"), null=True, blank=True, validators=[validate_moment]
    )
    authority_reference = models.CharField(_("authority's reference"), max_length=100, blank=True)
    people_notified_at = models.DateTimeField(
        _("people notified"), null=True, blank=True, validators=[validate_moment]
    )
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
    closed_at = models.DateTimeField(
        _("closed"), null=True, blank=True, validators=[validate_moment]
    )
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
