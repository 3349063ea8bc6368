from __future__ import annotations

import datetime
import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from perno.core.inputs import validate_moment
from perno.records.models import RecordModel, TimeStampedModel, owner_field, present_index

# The longest meeting: 31 days (an all-day event of a month, from an imported calendar).
MAX_DURATION_MINUTES = 31 * 24 * 60


class Activity(RecordModel):
    """A task, call, meeting, e-mail or note linked to any main record. Tasks, calls and
    meetings are to-dos (``TODO_KINDS``): they are listed as tasks while open; e-mails,
    notes and survey answers record what happened and never are."""

    # Lists filtered by owner walk the (created_at, id) index; a plain owner index would
    # cost every insert of the largest table more than it saves.
    owner = owner_field(db_index=False)

    class Kind(models.TextChoices):
        TASK = "task", _("Task")
        CALL = "call", _("Call")
        MEETING = "meeting", _("Meeting")
        EMAIL = "email", _("E-mail")
        NOTE = "note", _("Note")
        SURVEY = "survey", _("Survey answers")

    TODO_KINDS = ("task", "call", "meeting")

    class Moment(models.TextChoices):
        NONE = "", _("—")
        POSITIVE = "positive", _("Strongly positive")
        NEGATIVE = "negative", _("Strongly negative")

    class Priority(models.IntegerChoices):
        LOW = 1, _("Low")
        NORMAL = 2, _("Normal")
        HIGH = 3, _("High")
        URGENT = 4, _("Urgent")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.TASK)
    subject = models.CharField(_("subject"), max_length=200)
    moment = models.CharField(
        _("moment of truth"),
        max_length=8,
        choices=Moment.choices,
        blank=True,
        db_default="",
        help_text=_(
            "Flag an interaction that strongly shaped how the customer feels (a complaint, "
            "a rescue, praise): it is listed on the contact's page."
        ),
    )
    description = models.TextField(_("description"), blank=True)
    # FKs below marked db_index=False are covered by the composite indexes in Meta.
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_activities",
        db_index=False,
    )
    due_at = models.DateTimeField(_("due"), null=True, blank=True, validators=[validate_moment])
    remind_at = models.DateTimeField(
        _("reminder"), null=True, blank=True, validators=[validate_moment]
    )
    # How long a meeting (or call) lasts from ``due_at``: the calendar draws it, the ICS
    # feed and the invitations give its end (DTEND).
    duration_minutes = models.PositiveIntegerField(
        _("duration (minutes)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_DURATION_MINUTES)],
        help_text=_(
            "How long it lasts from the due time, for meetings and calls (at most 31 days)."
        ),
    )
    reminded_at = models.DateTimeField(_("reminded"), null=True, blank=True, editable=False)
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Priority.choices, default=Priority.NORMAL
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True, editable=False)
    company = models.ForeignKey(
        "contacts.Company",
        verbose_name=_("company"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="activities",
        db_index=False,
    )
    contact = models.ForeignKey(
        "contacts.Contact",
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="activities",
        db_index=False,
    )
    deal = models.ForeignKey(
        "sales.Deal",
        verbose_name=_("deal"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="activities",
        db_index=False,
    )
    lead = models.ForeignKey(
        "sales.Lead",
        verbose_name=_("lead"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="activities",
        db_index=False,
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["assignee", "status", "due_at"], name="activity_assignee_idx"),
            # Only reminders still to send: the job's query, and a tiny index.
            models.Index(
                fields=["remind_at"],
                condition=models.Q(
                    status="open", remind_at__isnull=False, reminded_at__isnull=True
                ),
                name="activity_remind_idx",
            ),
            models.Index(fields=["company", "-created_at"], name="activity_company_idx"),
            models.Index(fields=["contact", "-created_at"], name="activity_contact_idx"),
            models.Index(fields=["deal", "-created_at"], name="activity_deal_idx"),
            models.Index(fields=["subject", "id"], name="activity_subject_idx"),
            models.Index(fields=["created_at", "id"], name="activity_created_idx"),
            present_index("lead", "activity_lead_idx"),
        ]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")

    def __str__(self) -> str:
        return self.subject

    def get_absolute_url(self) -> str:
        return reverse("activities:activity_detail", args=[self.pk])

    @property
    def ends_at(self) -> datetime.datetime | None:
        """The end of a meeting with a duration (None without a due time or duration)."""
        if self.due_at is None or not self.duration_minutes:
            return None
        return self.due_at + datetime.timedelta(minutes=self.duration_minutes)

    @property
    def is_overdue(self) -> bool:
        return (
            self.status == self.Status.OPEN
            and self.due_at is not None
            and self.due_at < timezone.now()
        )


class Comment(TimeStampedModel):
    """A threaded comment on a company, contact, lead or deal, with attachments."""

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField(_("comment"))
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="replies",
        db_index=False,
    )
    company = models.ForeignKey(
        "contacts.Company",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="comments",
        db_index=False,
    )
    contact = models.ForeignKey(
        "contacts.Contact",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="comments",
        db_index=False,
    )
    deal = models.ForeignKey(
        "sales.Deal",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="comments",
        db_index=False,
    )
    lead = models.ForeignKey(
        "sales.Lead",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="comments",
        db_index=False,
    )
    product = models.ForeignKey(
        "sales.Product",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="comments",
        db_index=False,
    )
    activity = models.ForeignKey(
        Activity,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="comments",
        db_index=False,
    )

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["company", "-created_at"], name="comment_company_idx"),
            models.Index(fields=["contact", "-created_at"], name="comment_contact_idx"),
            models.Index(fields=["deal", "-created_at"], name="comment_deal_idx"),
            # Partial: these columns are mostly NULL (see contacts.Address).
            present_index("lead", "comment_lead_idx"),
            present_index("product", "comment_product_idx"),
            present_index("activity", "comment_activity_idx"),
            present_index("parent", "comment_parent_idx"),
        ]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")

    def __str__(self) -> str:
        return self.body[:60]

    TARGETS: tuple[str, ...] = ("company", "contact", "deal", "lead", "product", "activity")

    @property
    def target(self) -> models.Model | None:
        for name in self.TARGETS:
            if getattr(self, f"{name}_id"):
                return getattr(self, name)
        return None


def attachment_path(instance: Attachment, filename: str) -> str:
    now = timezone.now()
    return f"attachments/{now:%Y/%m}/{uuid.uuid4().hex}"


class Attachment(TimeStampedModel):
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.original_name

    def get_absolute_url(self) -> str:
        return reverse("activities:attachment_download", args=[self.pk])


class Notification(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    url = models.CharField(max_length=300, blank=True)
    activity = models.ForeignKey(
        Activity, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "read_at", "-created_at"], name="notification_user_idx")
        ]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")

    def __str__(self) -> str:
        return self.title


# The calendar (docs/calendar.md) --------------------------------------------------------


class CalendarFeed(models.Model):
    """A user's secret calendar address (an ICS feed a calendar app subscribes to). Only
    the token's SHA-256 is stored; the address is shown once. A user has at most one
    active feed: making a new one revokes the old."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feeds"
    )
    prefix = models.CharField(_("prefix"), max_length=12)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return f"{self.prefix}…"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class CalendarInvitation(models.Model):
    """A contact invited to a meeting by e-mail (iMIP, RFC 6047): the address it went
    to, when it was last sent and with which SEQUENCE, and when it was cancelled."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="invitations")
    contact = models.ForeignKey(
        "contacts.Contact", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    email = models.EmailField(_("e-mail"))
    name = models.CharField(_("name"), max_length=200, blank=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("invited"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    sequence = models.PositiveIntegerField(_("sequence"), default=0)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    error = models.CharField(_("sending error"), max_length=300, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "contact"], name="calendar_invitation_unique"
            )
        ]
        indexes = [models.Index(fields=["contact"], name="calendar_invitation_contact")]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self) -> str:
        return self.email


class ImportedEvent(models.Model):
    """An event of an imported .ics file (its UID, and for one occurrence of a recurring
    event its RECURRENCE-ID) and the meeting it became: importing the file again
    updates that meeting instead of adding another."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    activity = models.OneToOneField(
        Activity, on_delete=models.CASCADE, related_name="imported_event"
    )
    uid = models.CharField(max_length=255)
    recurrence_id = models.CharField(max_length=32, blank=True)
    sequence = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "uid", "recurrence_id"], name="imported_event_unique"
            )
        ]
        verbose_name = _("imported event")
        verbose_name_plural = _("imported events")

    def __str__(self) -> str:
        return self.uid
