from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class HealthSnapshot(models.Model):
    """The health check of one day, over every record: counts and scores only, no
    personal data."""

    day = models.DateField(_("day"), unique=True)
    taken_at = models.DateTimeField(_("computed"), default=timezone.now)
    score = models.PositiveSmallIntegerField(_("score"))
    figures = models.JSONField(_("figures"), default=dict)
    seconds = models.FloatField(_("computation time (s)"), default=0)
    mailed_at = models.DateTimeField(_("monthly report sent"), null=True, blank=True)

    class Meta:
        ordering = ["-day"]
        verbose_name = _("health snapshot")
        verbose_name_plural = _("health snapshots")

    def __str__(self) -> str:
        return f"{self.day}: {self.score}"
