"""Questionnaires (surveys) with personal links and their answers.

A survey is written in one or more content languages (``languages.CONTENT_LANGUAGES``);
each question has its text in each of them. Questions can be meant for every
respondent, or only business (B2B) or consumer (B2C) ones. A question's ``role`` ties it
to a model: the overall satisfaction and the six emotional-bond items of the fan
principle, the NPS question, the CSAT question.

An invitation is one personal link for one contact: signed, expiring, answerable once.
A response keeps the answers and, for quick aggregates, the satisfaction S and bond B
(0-100) of the fan principle, the NPS answer (0-10) and the CSAT answer (1-5)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from perno.records.models import RecordModel


def empty_languages() -> list[str]:
    return ["it"]


class Survey(RecordModel):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        CLOSED = "closed", _("Closed")

    name = models.CharField(
        _("name"), max_length=200, help_text=_("For you; respondents see the title.")
    )
    title = models.JSONField(_("title"), default=dict, blank=True)
    intro = models.JSONField(_("introduction"), default=dict, blank=True)
    languages = models.JSONField(_("languages"), default=empty_languages)
    purpose = models.ForeignKey(
        "privacy.Purpose",
        verbose_name=_("purpose"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Invitations go only to people who may be contacted for it."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    link_days = models.PositiveSmallIntegerField(
        _("personal links valid for (days)"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )
    is_fan = models.BooleanField(
        _("fan-principle questionnaire"),
        default=False,
        help_text=_("Its answers place respondents in the fan portfolio."),
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("marketing:survey_detail", args=[self.pk])


class Question(models.Model):
    class Kind(models.TextChoices):
        SINGLE = "single", _("Single choice")
        MULTIPLE = "multiple", _("Multiple choice")
        SCALE = "scale", _("Scale 0-10")
        LIKERT = "likert", _("Agreement 1-5 (Likert)")
        TEXT = "text", _("Free text")

    class Audience(models.TextChoices):
        ALL = "all", _("Everyone")
        B2B = "b2b", _("Business customers (B2B)")
        B2C = "b2c", _("Consumers (B2C)")

    class Role(models.TextChoices):
        NONE = "", _("None")
        SATISFACTION = "satisfaction", _("Overall satisfaction (fan principle S)")
        BOND_STAY = "bond_stay", _("Bond: stay / repurchase")
        BOND_RECOMMEND = "bond_recommend", _("Bond: recommend")
        BOND_OTHER = "bond_other_products", _("Bond: buy other products")
        BOND_IRREPLACEABLE = "bond_irreplaceable", _("Bond: irreplaceable")
        BOND_TRUST = "bond_trust", _("Bond: trust")
        BOND_FITS = "bond_fits", _("Bond: fits me")
        NPS = "nps", _("Net Promoter Score question")
        CSAT = "csat", _("Customer satisfaction (CSAT) question")

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveIntegerField(_("position"), default=0)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    required = models.BooleanField(_("required"), default=True)
    audience = models.CharField(
        _("asked to"), max_length=3, choices=Audience.choices, default=Audience.ALL
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, blank=True)
    text = models.JSONField(_("text"), default=dict)
    # [{"key": "a", "text": {"it": "...", ...}}, ...] for single and multiple choice
    choices = models.JSONField(_("choices"), default=list, blank=True)

    class Meta:
        ordering = ["survey", "position", "id"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "role"],
                condition=~models.Q(role=""),
                name="question_role_once",
                violation_error_message=_("Another question of this survey has this role."),
            ),
        ]

    def __str__(self) -> str:
        return next(iter(self.text.values()), "") if self.text else f"#{self.pk}"


class Invitation(models.Model):
    """A personal link: one contact, one language, answerable once before it expires."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="invitations")
    contact = models.ForeignKey(
        "contacts.Contact", on_delete=models.CASCADE, related_name="survey_invitations"
    )
    language = models.CharField(_("language"), max_length=5)
    audience = models.CharField(_("variant"), max_length=3, choices=Question.Audience.choices)
    nonce = models.CharField(max_length=32, unique=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    send_error = models.CharField(_("not sent because"), max_length=300, blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("survey invitation")
        verbose_name_plural = _("survey invitations")
        indexes = [models.Index(fields=["survey", "contact"], name="invitation_contact_idx")]

    def __str__(self) -> str:
        return f"{self.survey} → {self.contact_id}"


class Response(models.Model):
    invitation = models.OneToOneField(Invitation, on_delete=models.CASCADE, related_name="response")
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    contact = models.ForeignKey(
        "contacts.Contact", on_delete=models.CASCADE, related_name="survey_responses"
    )
    language = models.CharField(_("language"), max_length=5)
    audience = models.CharField(_("variant"), max_length=3, choices=Question.Audience.choices)
    submitted_at = models.DateTimeField(_("answered"), default=timezone.now)
    satisfaction = models.FloatField(_("satisfaction (0-100)"), null=True, blank=True)
    bond = models.FloatField(_("emotional bond (0-100)"), null=True, blank=True)
    bond_items = models.PositiveSmallIntegerField(_("bond items answered"), default=0)
    nps = models.PositiveSmallIntegerField(_("NPS answer (0-10)"), null=True, blank=True)
    csat = models.PositiveSmallIntegerField(_("CSAT answer (1-5)"), null=True, blank=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        indexes = [
            models.Index(fields=["contact", "-submitted_at"], name="response_contact_idx"),
            models.Index(fields=["survey", "submitted_at"], name="response_survey_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.survey} · {self.submitted_at:%Y-%m-%d}"


class Answer(models.Model):
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    value = models.JSONField(_("answer"))

    class Meta:
        ordering = ["response", "question__position", "id"]
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="answer_once"),
        ]

    def __str__(self) -> str:
        return str(self.value)


class Segment(RecordModel):
    """A group of contacts: a static list (members added and removed by hand) or a
    dynamic segment (criteria evaluated whenever it is used; ``perno.marketing.segments``)."""

    class Kind(models.TextChoices):
        STATIC = "static", _("Static list")
        DYNAMIC = "dynamic", _("Dynamic segment")

    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.DYNAMIC)
    criteria = models.JSONField(_("criteria"), default=list, blank=True)
    members = models.ManyToManyField(
        "contacts.Contact", through="SegmentMember", related_name="+", blank=True
    )
    count = models.PositiveIntegerField(_("contacts"), default=0, editable=False)
    counted_at = models.DateTimeField(_("counted"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("segment")
        verbose_name_plural = _("segments")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("marketing:segment_detail", args=[self.pk])


class SegmentMember(models.Model):
    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="memberships")
    contact = models.ForeignKey(
        "contacts.Contact", on_delete=models.CASCADE, related_name="segment_memberships"
    )
    added_at = models.DateTimeField(_("added"), default=timezone.now)

    class Meta:
        verbose_name = _("segment member")
        verbose_name_plural = _("segment members")
        constraints = [
            models.UniqueConstraint(fields=["segment", "contact"], name="segment_member_once")
        ]

    def __str__(self) -> str:
        return f"{self.segment_id}:{self.contact_id}"
