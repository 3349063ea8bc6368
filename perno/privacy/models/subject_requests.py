"""Data subject requests (Art. 12, 15-21), the archives answering them, and the
tombstones left by erasures."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from perno.core.inputs import validate_moment
from perno.privacy.models.consent import Channel


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
    received_on = models.DateField(_("received on"), validators=[validate_moment])
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
    extended_to = models.DateField(
        _("extended to"), null=True, blank=True, editable=False, validators=[validate_moment]
    )
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
