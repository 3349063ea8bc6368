"""Base model mixins shared by every main record."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=60, unique=True)
    color = models.CharField(_("colour"), max_length=7, default="#6c757d")

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self) -> str:
        return self.name


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


def present_index(field: str, name: str) -> models.Index:
    """A partial index over the rows where a mostly-NULL foreign key is set: smaller, and
    it keeps SQLite's planner from choosing a full scan."""
    return models.Index(
        fields=[field], condition=models.Q(**{f"{field}__isnull": False}), name=name
    )


def owner_field(*, db_index: bool = True) -> models.ForeignKey:
    """The owner of a record. Models with a composite (owner, …) index turn the plain
    index off (``db_index=False``)."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=db_index,
    )


class RecordModel(TimeStampedModel):
    """A main CRM record: owner, team, tags and an optimistic-locking version."""

    owner = owner_field()
    team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="+")
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    is_confidential = models.BooleanField(
        _("confidential"),
        default=False,
        db_default=False,
        help_text=_("Only roles allowed to see confidential data can see this record."),
    )

    class Meta:
        abstract = True


class SealedField(models.Model):
    """A field of a record type (``notes`` or ``custom_fields.<key>``) the administrator
    marked sensitive: its values are encrypted at rest (``core.sealing``)."""

    subject = models.CharField(_("record type"), max_length=20)
    field = models.CharField(_("field"), max_length=80)
    created_at = models.DateTimeField(_("marked"), default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["subject", "field"], name="sealed_field_unique")
        ]
        verbose_name = _("encrypted field")
        verbose_name_plural = _("encrypted fields")

    def __str__(self) -> str:
        return f"{self.subject}.{self.field}"


class SealedDigest(models.Model):
    """The keyed hash of a sealed custom field's value, so equality look-ups (a tax code
    in the privacy look-up) work without decrypting every record. Derived data: rewritten
    with its record, removed with it."""

    subject = models.CharField(max_length=20)
    object_id = models.BigIntegerField()
    key = models.CharField(max_length=50)
    digest = models.CharField(max_length=64)

    class Meta:
        indexes = [
            models.Index(fields=["subject", "digest"], name="sealed_digest_idx"),
            models.Index(fields=["subject", "object_id"], name="sealed_digest_object_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.subject} {self.object_id}.{self.key}"


class SavedView(models.Model):
    """A user's saved list view: columns, filters and sort of one list, by name; the
    owner's default for that list, and shared with a team when ``team`` is set (its
    members see and use it; only the owner changes or deletes it)."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    list_key = models.CharField(_("list"), max_length=30)
    name = models.CharField(_("name"), max_length=100)
    columns = models.JSONField(_("columns"), default=list, blank=True)
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    sort = models.CharField(_("sort"), max_length=40, blank=True)
    is_default = models.BooleanField(_("default view"), default=False)
    team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("shared with team"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "list_key", "name"], name="saved_view_name_uniq"
            )
        ]
        indexes = [models.Index(fields=["list_key", "team"], name="saved_view_team_idx")]
        verbose_name = _("saved list view")
        verbose_name_plural = _("saved list views")

    def __str__(self) -> str:
        return self.name


class BulkJob(models.Model):
    """A bulk edit or delete large enough to run in the background: what was asked, how
    far it is (the running task keeps its progress in the cache) and its result."""

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="+"
    )
    subject = models.CharField(_("record type"), max_length=20)
    action = models.CharField(_("action"), max_length=10)  # edit or delete
    selection = models.JSONField(_("selection"), default=dict)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    total = models.PositiveIntegerField(_("selected"), default=0)
    result = models.JSONField(_("result"), default=dict, blank=True)
    message = models.TextField(_("message"), blank=True)
    created_at = models.DateTimeField(_("started"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("bulk change")
        verbose_name_plural = _("bulk changes")

    def __str__(self) -> str:
        return f"{self.action} {self.subject} #{self.pk}"
