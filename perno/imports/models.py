"""Imports: a job per uploaded file, the mappings users save for reuse, and what each
import changed (for its undo).

A job's parsed table (headers and rows, JSON) is stored under
``PERNO_DATA_DIR/imports/`` and named by ``table_path``; it is removed when the import
has run (or is undone, or expires), so only the bad rows it refused stay, as the CSV the
user downloads (``errors_path``), until the undo deadline. Records an import created are
listed by id in ``created_ids``; records it updated have an ``ImportChange`` each with
their values before the import, so ``imports.services.import_undo`` can restore them
for 30 days (``undo_until``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Entity(models.TextChoices):
    # The record types' names (``imports.fields.ENTITIES``, the gate's subjects).
    COMPANY = "company", _("Companies")
    CONTACT = "contact", _("Contacts")
    LEAD = "lead", _("Leads")
    DEAL = "deal", _("Deals")
    PRODUCT = "product", _("Products")
    ACTIVITY = "activity", _("Activities")
    ORDER = "order", _("Orders")


class ImportJob(models.Model):
    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("uploaded")
        MAPPED = "mapped", _("mapped")
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")
        UNDONE = "undone", _("undone")

    entity = models.CharField(_("record type"), max_length=20, choices=Entity.choices)
    file_name = models.CharField(_("file name"), max_length=255)
    file_hash = models.CharField(max_length=64, db_index=True)
    file_format = models.CharField(_("format"), max_length=10, blank=True)
    encoding = models.CharField(_("encoding"), max_length=30, blank=True)
    delimiter = models.CharField(_("delimiter"), max_length=4, blank=True)
    table_path = models.CharField(max_length=200, blank=True)
    headers = models.JSONField(_("columns"), default=list, blank=True)
    mapping = models.JSONField(_("mapping"), default=dict, blank=True)
    formats = models.JSONField(_("formats"), default=dict, blank=True)
    options = models.JSONField(_("options"), default=dict, blank=True)
    decisions = models.JSONField(_("duplicate choices"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.UPLOADED
    )
    all_or_nothing = models.BooleanField(_("all or nothing"), default=False)
    total = models.PositiveIntegerField(_("rows"), default=0)
    processed = models.PositiveIntegerField(_("processed"), default=0)
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    skipped = models.PositiveIntegerField(_("skipped"), default=0)
    failed = models.PositiveIntegerField(_("failed"), default=0)
    message = models.TextField(_("message"), blank=True)
    created_ids = models.JSONField(default=dict, blank=True)
    errors_path = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("imported by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("uploaded"), default=timezone.now)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    undo_until = models.DateTimeField(_("undo possible until"), null=True, blank=True)
    undone_at = models.DateTimeField(_("undone"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["created_by", "-created_at"], name="importjob_user_idx"),
            models.Index(fields=["entity", "file_hash", "status"], name="importjob_hash_idx"),
        ]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self) -> str:
        return f"{self.get_entity_display()}: {self.file_name}"

    @property
    def progress(self) -> int:
        """Per cent of the rows processed, for the progress bar."""
        return 100 if not self.total else min(100, self.processed * 100 // self.total)


class ImportMapping(models.Model):
    """A saved column mapping (header -> target field, and the value formats), reused
    for the next file of the same kind."""

    name = models.CharField(_("name"), max_length=100)
    entity = models.CharField(_("record type"), max_length=20, choices=Entity.choices)
    columns = models.JSONField(_("columns"), default=dict)
    formats = models.JSONField(_("formats"), default=dict, blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "entity", "name"],
                name="importmapping_unique",
                violation_error_message=_("You already have a mapping with this name."),
            )
        ]
        verbose_name = _("import mapping")
        verbose_name_plural = _("import mappings")

    def __str__(self) -> str:
        return self.name


class ImportChange(models.Model):
    """A record an import updated: its values before (only the fields the import
    changed) and its version right after, so the undo restores it unless it was changed
    since."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="changes")
    kind = models.CharField(max_length=20)
    object_id = models.BigIntegerField()
    before = models.JSONField(default=dict)
    version = models.PositiveIntegerField(null=True)
    # The person the record is (a contact), so erasure finds the values kept for undo.
    contact = models.ForeignKey(
        "contacts.Contact", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["job", "kind", "object_id"], name="importchange_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id}"
