"""Customer-care cases, the queues that hold them and the categories that sort them.

**Queues are the access scope.** Every case sits in a queue, and a case's ``team`` is
always its queue's ``team``: the services set it on create and when the case moves to
another queue, and move every case of a queue when the queue changes team. The gate
(``accounts.permissions``) knows nothing about queues: a role with the *team* scope on
cases sees the cases of its team (and the teams below it), that is exactly the cases of
the queues of its team(s); the *own* scope sees the cases it owns; the *all* scope every
case. Queue members are the agents the assignment rules pick from; membership does not
widen what anyone may see (a member outside the queue's team needs a role that reaches
that team)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from perno.activities.models import Activity
from perno.cases.states import ACTIVE_STATUSES, sla_state
from perno.records.models import RecordModel, TimeStampedModel, present_index

# How a case number is shown and how it appears in an e-mail subject ("[C-000123]").
NUMBER_PREFIX = "C-"
NUMBER_DIGITS = 6


def case_reference(number: int | None) -> str:
    return f"{NUMBER_PREFIX}{(number or 0):0{NUMBER_DIGITS}d}"


class CaseCategory(TimeStampedModel):
    """What a case is about (billing, delivery, a product fault...); queues may route
    categories to agents."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    active = models.BooleanField(
        _("active"), default=True, help_text=_("Inactive categories are not offered on new cases.")
    )

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("case category")
        verbose_name_plural = _("case categories")

    def __str__(self) -> str:
        return self.name


class Queue(TimeStampedModel):
    """A line of work (support, billing, Romanian customers) owned by one team; see the
    module docstring for why the team is required."""

    class Assignment(models.TextChoices):
        MANUAL = "manual", _("Manual")
        ROUND_ROBIN = "round_robin", _("Round robin among available members")
        BY_CATEGORY = "by_category", _("By category, else round robin")

    name = models.CharField(_("name"), max_length=100, unique=True)
    team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("team"),
        on_delete=models.PROTECT,
        related_name="case_queues",
        help_text=_("Who may see the queue's cases: its cases belong to this team."),
    )
    assignment = models.CharField(
        _("assignment"), max_length=12, choices=Assignment.choices, default=Assignment.MANUAL
    )
    escalate_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("escalate to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Told, with the team's managers, when a case of the queue breaches its SLA."),
    )
    satisfaction_survey = models.ForeignKey(
        "marketing.Survey",
        verbose_name=_("satisfaction survey"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_(
            "Sent to the customer when one of the queue's cases is resolved, if they may be "
            "contacted for the survey's purpose; the answers count in the moments of truth "
            "and the fan estimate."
        ),
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="QueueMember",
        verbose_name=_("members"),
        related_name="case_queues",
        blank=True,
    )

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("queue")
        verbose_name_plural = _("queues")

    def __str__(self) -> str:
        return self.name


class QueueMember(models.Model):
    """An agent of a queue; ``available`` agents take new cases in turn (the one
    assigned longest ago first)."""

    queue = models.ForeignKey(Queue, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="queue_memberships"
    )
    available = models.BooleanField(_("available"), default=True)
    last_assigned_at = models.DateTimeField(_("last assigned"), null=True, blank=True)

    class Meta:
        ordering = ["queue", "id"]
        constraints = [
            models.UniqueConstraint(fields=["queue", "user"], name="queue_member_unique")
        ]
        verbose_name = _("queue member")
        verbose_name_plural = _("queue members")

    def __str__(self) -> str:
        return f"{self.user} @ {self.queue}"


class QueueCategoryRule(models.Model):
    """In a queue that assigns by category: cases of ``category`` go to ``user`` (when
    available; otherwise round robin)."""

    queue = models.ForeignKey(Queue, on_delete=models.CASCADE, related_name="category_rules")
    category = models.ForeignKey(CaseCategory, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        ordering = ["queue", "id"]
        constraints = [
            models.UniqueConstraint(fields=["queue", "category"], name="queue_category_rule_unique")
        ]
        verbose_name = _("category rule")
        verbose_name_plural = _("category rules")

    def __str__(self) -> str:
        return f"{self.queue}: {self.category} → {self.user}"


class CaseCounter(models.Model):
    """The last case number handed out; its one row is locked (``select_for_update``)
    while a new case takes the next number, so numbers are unique and without gaps
    among committed cases."""

    name = models.CharField(max_length=20, unique=True)
    value = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("case counter")
        verbose_name_plural = _("case counters")

    def __str__(self) -> str:
        return f"{self.name}={self.value}"


class Case(RecordModel):
    """A customer's request or problem, from any channel, worked in a queue."""

    Priority = Activity.Priority  # the same values as activities: 1 low ... 4 urgent

    class Channel(models.TextChoices):
        EMAIL = "email", _("E-mail")
        PHONE = "phone", _("Phone")
        WEB = "web", _("Web form")
        PORTAL = "portal", _("Portal")
        CHAT = "chat", _("Chat")
        SOCIAL = "social", _("Social media")

    class Status(models.TextChoices):
        NEW = "new", _("New")
        OPEN = "open", _("Open")
        WAITING = "waiting", _("Waiting on customer")
        RESOLVED = "resolved", _("Resolved")
        CLOSED = "closed", _("Closed")
        REOPENED = "reopened", _("Reopened")

    # Not resolved or closed yet: the SLA clocks run (except while waiting).
    ACTIVE = ACTIVE_STATUSES

    class SlaState(models.TextChoices):
        ON_TRACK = "on_track", _("On track")
        AT_RISK = "at_risk", _("At risk")
        BREACHED = "breached", _("Breached")
        MET = "met", _("Met")
        PAUSED = "paused", _("Paused")
        NONE = "none", _("No SLA")

    number = models.PositiveBigIntegerField(_("number"), unique=True, editable=False)
    subject = models.CharField(_("subject"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    # Foreign keys marked db_index=False are covered by the composite indexes in Meta.
    contact = models.ForeignKey(
        "contacts.Contact",
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="cases",
        db_index=False,
    )
    company = models.ForeignKey(
        "contacts.Company",
        verbose_name=_("company"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="cases",
        db_index=False,
    )
    channel = models.CharField(
        _("channel"), max_length=10, choices=Channel.choices, default=Channel.PHONE
    )
    category = models.ForeignKey(
        CaseCategory,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cases",
    )
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Priority.choices, default=Priority.NORMAL
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.NEW
    )
    queue = models.ForeignKey(
        Queue,
        verbose_name=_("queue"),
        on_delete=models.PROTECT,
        related_name="cases",
        db_index=False,
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_cases",
        db_index=False,
    )
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="merged_cases",
        db_index=False,
        editable=False,
    )
    first_response_at = models.DateTimeField(
        _("first response"), null=True, blank=True, editable=False
    )
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True, editable=False)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True, editable=False)
    # Service level: the policy found for the case's priority and contact, the due
    # times of its two targets (moved later by the business time spent waiting on the
    # customer), when to warn before each, and when each was warned about or breached
    # (set once by the SLA job).
    sla_policy = models.ForeignKey(
        "sla.SlaPolicy",
        verbose_name=_("SLA policy"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    first_response_due = models.DateTimeField(
        _("first response due"), null=True, blank=True, editable=False
    )
    resolution_due = models.DateTimeField(
        _("resolution due"), null=True, blank=True, editable=False
    )
    first_response_warn_at = models.DateTimeField(null=True, blank=True, editable=False)
    resolution_warn_at = models.DateTimeField(null=True, blank=True, editable=False)
    paused_since = models.DateTimeField(_("paused since"), null=True, blank=True, editable=False)
    sla_paused_minutes = models.PositiveIntegerField(default=0, editable=False)
    first_response_warned_at = models.DateTimeField(null=True, blank=True, editable=False)
    first_response_breached_at = models.DateTimeField(null=True, blank=True, editable=False)
    resolution_warned_at = models.DateTimeField(null=True, blank=True, editable=False)
    resolution_breached_at = models.DateTimeField(null=True, blank=True, editable=False)
    satisfaction_invitation = models.ForeignKey(
        "marketing.Invitation",
        verbose_name=_("satisfaction survey"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The case list's first page: the open cases, newest first. A scope filter
            # (owner or team) walks this small index backwards until the page is full.
            models.Index(
                fields=["-created_at", "-id"],
                condition=models.Q(status__in=ACTIVE_STATUSES),
                name="case_active_idx",
            ),
            models.Index(fields=["created_at", "id"], name="case_created_idx"),
            # The open cases of one queue, of one assignee, or the most urgent first.
            models.Index(
                fields=["queue", "-created_at", "-id"],
                condition=models.Q(status__in=ACTIVE_STATUSES),
                name="case_queue_active_idx",
            ),
            models.Index(
                fields=["assignee", "-created_at", "-id"],
                condition=models.Q(status__in=ACTIVE_STATUSES),
                name="case_assignee_active_idx",
            ),
            models.Index(
                fields=["-priority", "-created_at", "-id"],
                condition=models.Q(status__in=ACTIVE_STATUSES),
                name="case_priority_active_idx",
            ),
            models.Index(fields=["queue", "-created_at"], name="case_queue_idx"),
            models.Index(fields=["assignee", "-created_at"], name="case_assignee_idx"),
            models.Index(fields=["contact", "-created_at"], name="case_contact_idx"),
            models.Index(fields=["company", "-created_at"], name="case_company_idx"),
            models.Index(fields=["subject", "id"], name="case_subject_idx"),
            present_index("merged_into", "case_merged_idx"),
            # The SLA job's look-ups: only targets still running.
            models.Index(
                fields=["first_response_warn_at"],
                condition=models.Q(
                    first_response_at__isnull=True, first_response_warned_at__isnull=True
                ),
                name="case_fr_warn_idx",
            ),
            models.Index(
                fields=["first_response_due"],
                condition=models.Q(
                    first_response_at__isnull=True, first_response_breached_at__isnull=True
                ),
                name="case_fr_due_idx",
            ),
            models.Index(
                fields=["resolution_warn_at"],
                condition=models.Q(resolved_at__isnull=True, resolution_warned_at__isnull=True),
                name="case_res_warn_idx",
            ),
            models.Index(
                fields=["resolution_due"],
                condition=models.Q(resolved_at__isnull=True, resolution_breached_at__isnull=True),
                name="case_res_due_idx",
            ),
        ]
        verbose_name = _("case")
        verbose_name_plural = _("cases")

    def __str__(self) -> str:
        return f"{self.reference} {self.subject}"

    def get_absolute_url(self) -> str:
        return reverse("cases:case_detail", args=[self.pk])

    @property
    def reference(self) -> str:
        """The number as people write it: ``C-000123``."""
        return case_reference(self.number)

    @property
    def token(self) -> str:
        """What an e-mail subject carries so replies find the case: ``[C-000123]``."""
        return f"[{self.reference}]"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    @property
    def sla_state(self) -> str:
        """On track, at risk, breached, met, paused or none, now (``cases.states``)."""
        return sla_state(self, timezone.now())

    def get_sla_state_display(self) -> str:
        return str(dict(self.SlaState.choices).get(self.sla_state, self.sla_state))


class CaseNote(TimeStampedModel):
    """An internal note of the agents on a case (what was tried, a call's outcome, a
    hand-over): seen by who may see the case, never sent to the customer."""

    MAX_LENGTH = 20_000

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="notes"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    body = models.TextField(_("note"))

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("case note")
        verbose_name_plural = _("case notes")

    def __str__(self) -> str:
        return f"{self.case_id}: {self.body[:50]}"
