"""The duplicate finder's data: its settings, its runs and the pairs it found.

A pair holds only the two records' ids (lower id first, so a pair is the same whichever
way round it is found), the score and the names of the comparisons that matched: no
value of either record. "Not a duplicate" is the pair's status: the next runs keep it
and never show the pair again."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from perno.contacts.models import Company, Contact
from perno.core.runs import BackgroundRun

THRESHOLD_VALIDATORS = [MinValueValidator(0.5), MaxValueValidator(0.9999)]


class Kind(models.TextChoices):
    CONTACT = "contact", _("Contacts")
    COMPANY = "company", _("Companies")


class FinderSettings(models.Model):
    """The thresholds per record kind, one row, edited by administrators."""

    contact_threshold = models.FloatField(
        _("contacts: lowest score shown"),
        default=0.95,
        validators=THRESHOLD_VALIDATORS,
        help_text=_(
            "Between 0.5 and 0.9999: lower finds more pairs, and more that are not duplicates."
        ),
    )
    company_threshold = models.FloatField(
        _("companies: lowest score shown"),
        default=0.95,
        validators=THRESHOLD_VALIDATORS,
        help_text=_(
            "Between 0.5 and 0.9999: lower finds more pairs, and more that are not duplicates."
        ),
    )

    class Meta:
        verbose_name = _("duplicate finder settings")
        verbose_name_plural = _("duplicate finder settings")

    def __str__(self) -> str:
        return str(self._meta.verbose_name)

    @classmethod
    def current(cls) -> FinderSettings:
        found = cls.objects.order_by("pk").first()
        return found if found is not None else cls.objects.create()

    def threshold(self, kind: str) -> float:
        return self.contact_threshold if kind == Kind.CONTACT else self.company_threshold


class FinderRun(BackgroundRun):
    stage = models.CharField(_("stage"), max_length=40, blank=True)
    records = models.PositiveIntegerField(_("records compared"), default=0)
    pairs = models.PositiveIntegerField(_("pairs found"), default=0)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("duplicate finder run")
        verbose_name_plural = _("duplicate finder runs")

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M} ({self.get_status_display()})"

    @property
    def stage_label(self) -> str:
        """The stage in words ("contacts: scoring pairs"), from ``stage`` ("kind:step")."""
        kind, _sep, step = self.stage.rpartition(":")
        words = STEPS.get(step, step)
        if kind in KINDS_PLURAL:
            return f"{KINDS_PLURAL[kind]}: {words}"
        return str(words)


# The finder's steps (``finder`` and ``engine`` name them), for the progress shown.
STEPS = {
    "read": _("reading the records"),
    "train": _("learning what a match looks like"),
    "score": _("scoring pairs"),
    "collect": _("collecting the pairs"),
    "scored": _("pairs scored"),
    "store": _("updating the queue"),
    "done": _("done"),
}
KINDS_PLURAL = {"contact": _("contacts"), "company": _("companies")}


class DuplicatePair(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("To review")
        DISMISSED = "dismissed", _("Not a duplicate")

    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    contact_low = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    contact_high = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    company_low = models.ForeignKey(
        Company, null=True, blank=True, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    company_high = models.ForeignKey(
        Company, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    score = models.FloatField(_("score"))
    reasons = models.JSONField(_("why"), default=list, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    found_at = models.DateTimeField(_("found"), default=timezone.now)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-score", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["contact_low", "contact_high"],
                condition=Q(kind="contact"),
                name="duplicatepair_contacts_unique",
            ),
            models.UniqueConstraint(
                fields=["company_low", "company_high"],
                condition=Q(kind="company"),
                name="duplicatepair_companies_unique",
            ),
            models.CheckConstraint(
                condition=(
                    Q(
                        kind="contact",
                        company_low__isnull=True,
                        company_high__isnull=True,
                        contact_low__lt=F("contact_high"),
                    )
                    | Q(
                        kind="company",
                        contact_low__isnull=True,
                        contact_high__isnull=True,
                        company_low__lt=F("company_high"),
                    )
                ),
                name="duplicatepair_two_records_lower_first",
            ),
        ]
        indexes = [
            models.Index(fields=["kind", "status", "-score", "id"], name="duplicatepair_queue_idx"),
        ]
        verbose_name = _("duplicate pair")
        verbose_name_plural = _("duplicate pairs")

    def __str__(self) -> str:
        return f"{self.kind} {self.low_id}/{self.high_id}"

    @property
    def low_id(self) -> int | None:
        return self.contact_low_id if self.kind == Kind.CONTACT else self.company_low_id

    @property
    def high_id(self) -> int | None:
        return self.contact_high_id if self.kind == Kind.CONTACT else self.company_high_id

    @property
    def low(self) -> Contact | Company | None:
        return self.contact_low if self.kind == Kind.CONTACT else self.company_low

    @property
    def high(self) -> Contact | Company | None:
        return self.contact_high if self.kind == Kind.CONTACT else self.company_high
