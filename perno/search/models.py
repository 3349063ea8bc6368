"""The search index, its vocabulary, each user's history (frecency), saved searches and
the text extraction state of documents.

``SearchEntry`` holds one row per indexed record (or document chunk) with the columns the
access gate needs (subject, owner, assignee, team, confidential) copied from the record,
so the access predicate runs inside the search query. The full-text part lives beside it:
an FTS5 table ``search_fts`` on SQLite, ``tsv``/``tsv_all`` tsvector columns with GIN
indexes on PostgreSQL (both created by migration 0001, outside Django's model state).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SearchEntry(models.Model):
    id = models.BigAutoField(primary_key=True)
    kind = models.CharField(max_length=12)
    object_id = models.BigIntegerField()
    chunk = models.PositiveIntegerField(default=0)
    # Access: the record whose rights govern this row (the record itself, or the record
    # a comment or document belongs to) and that record's owner, assignee and team.
    subject = models.CharField(max_length=12)
    subject_id = models.BigIntegerField()
    owner_id = models.IntegerField(null=True)
    assignee_id = models.IntegerField(null=True)
    team_id = models.IntegerField(null=True)
    confidential = models.BooleanField(default=False)
    # What a result shows; ``secret`` is text from confidential fields, matched and shown
    # only to users who may see confidential data.
    title = models.CharField(max_length=300)
    subtitle = models.CharField(max_length=300, blank=True)
    body = models.TextField(blank=True)
    secret = models.TextField(blank=True)
    url = models.CharField(max_length=200)
    tag_ids = models.CharField(max_length=300, blank=True)  # "|3|7|"
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "object_id", "chunk"], name="search_entry_object_uniq"
            )
        ]
        indexes = [
            models.Index(fields=["subject", "subject_id"], name="search_entry_subject_idx"),
            # Broad queries walk the entries newest first (search buckets).
            models.Index(fields=["changed_at", "id"], name="search_entry_changed_idx"),
            # The access columns of scoped users (accounts.permissions.access_sql).
            models.Index(fields=["owner_id"], name="search_entry_owner_idx"),
            models.Index(fields=["assignee_id"], name="search_entry_assignee_idx"),
            models.Index(fields=["team_id"], name="search_entry_team_idx"),
            # PostgreSQL: the newest records, without document chunks (title buckets).
            models.Index(
                fields=["id"],
                condition=~models.Q(kind="document"),
                name="search_entry_record_idx",
            ),
        ]
        db_table = "search_entry"

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id}/{self.chunk}"


class SearchWord(models.Model):
    """The index's own vocabulary (alphabetic words), where typo candidates come from.
    Ids only grow, so a process keeps a copy in memory and fetches what is new."""

    id = models.BigAutoField(primary_key=True)
    word = models.CharField(max_length=64, unique=True)

    class Meta:
        db_table = "search_word"

    def __str__(self) -> str:
        return self.word


class SearchState(models.Model):
    """Counters shared by all processes: ``vocabulary`` changes when words are removed,
    so in-memory copies reload."""

    key = models.CharField(max_length=40, primary_key=True)
    value = models.BigIntegerField(default=0)

    class Meta:
        db_table = "search_state"

    def __str__(self) -> str:
        return f"{self.key}={self.value}"


class SearchVisit(models.Model):
    """A user's history with one record: a decayed "frecency". ``rank`` is
    ln(score) + λ·t (days) at the last visit, so ordering by it equals ordering by the
    score decayed to any common moment, without updating every row as time passes."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=12)
    object_id = models.BigIntegerField()
    score = models.FloatField(default=0)
    rank = models.FloatField(default=0)
    visits = models.PositiveIntegerField(default=0)
    last_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind", "object_id"], name="search_visit_uniq")
        ]
        db_table = "search_visit"

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind} {self.object_id}"


class SavedSearch(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=100)
    query = models.CharField(_("search"), max_length=500, blank=True)
    params = models.JSONField(_("filters"), default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "name"], name="saved_search_name_uniq")
        ]
        db_table = "search_saved"
        verbose_name = _("saved search")
        verbose_name_plural = _("saved searches")

    def __str__(self) -> str:
        return self.name


class DocumentText(models.Model):
    """Text extraction of one attachment: done, no text (a scan), failed (with the
    reason) or pending."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for text extraction")
        DONE = "done", _("Text indexed")
        NO_TEXT = "no_text", _("No text (scanned image?)")
        FAILED = "failed", _("Text could not be read")
        UNSUPPORTED = "unsupported", _("Type not searched inside")

    attachment = models.OneToOneField(
        "activities.Attachment", on_delete=models.CASCADE, related_name="text_state"
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    reason = models.CharField(max_length=300, blank=True)
    chars = models.PositiveIntegerField(default=0)
    chunks = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "search_document_text"

    def __str__(self) -> str:
        return f"{self.attachment_id}: {self.status}"
