"""Merges of two contacts or two companies, kept for their undo, and the redirects that
send a merged record's old address to the record it became."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

UNDO_DAYS = 30


class Kind(models.TextChoices):
    CONTACT = "contact", _("contact")
    COMPANY = "company", _("company")


class Merge(models.Model):
    """One merge: ``merged`` went into the survivor. Until the undo period ends it keeps
    a snapshot of the merged record, what moved (``journal``, see
    ``records.relinking``) and the survivor's values before and after, so that the
    merge can be undone; then retention empties them (``purged_at``)."""

    kind = models.CharField(_("record type"), max_length=10, choices=Kind.choices)
    # The survivor, by kind (a foreign key, so erasing the survivor erases the merge).
    survivor_contact = models.ForeignKey(
        "contacts.Contact", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    survivor_company = models.ForeignKey(
        "contacts.Company", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    merged_id = models.BigIntegerField(_("merged record"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("merged by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("merged"), default=timezone.now)
    # The merged record as it was (Django's serializer), its search title for lists.
    snapshot = models.JSONField(_("merged record"), default=dict, blank=True)
    merged_repr = models.CharField(_("merged record name"), max_length=200, blank=True)
    journal = models.JSONField(_("what moved"), default=dict, blank=True)
    chosen = models.JSONField(_("chosen values"), default=list, blank=True)
    survivor_before = models.JSONField(_("survivor before"), default=dict, blank=True)
    survivor_after = models.JSONField(_("survivor after"), default=dict, blank=True)
    undone_at = models.DateTimeField(_("undone"), null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("undone by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    not_restored = models.JSONField(_("not restored"), default=list, blank=True)
    purged_at = models.DateTimeField(_("undo data removed"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["kind", "merged_id"], name="merge_merged_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(survivor_contact__isnull=False)
                | models.Q(survivor_company__isnull=False),
                name="merge_has_survivor",
            )
        ]
        verbose_name = _("merge")
        verbose_name_plural = _("merges")

    def __str__(self) -> str:
        return f"{self.kind} {self.merged_id} -> {self.survivor_id}"

    @property
    def survivor_id(self) -> int | None:
        return self.survivor_contact_id if self.kind == Kind.CONTACT else self.survivor_company_id

    @property
    def undo_until(self) -> datetime:
        return self.created_at + timedelta(days=UNDO_DAYS)

    @property
    def undoable(self) -> bool:
        return (
            self.undone_at is None and self.purged_at is None and timezone.now() < self.undo_until
        )


class MergeRedirect(models.Model):
    """A merged record's id points at the record it went into (followed transitively:
    a survivor may itself be merged later). Ids only: no personal data."""

    kind = models.CharField(max_length=10, choices=Kind.choices)
    old_id = models.BigIntegerField()
    new_id = models.BigIntegerField()
    merge = models.ForeignKey(Merge, on_delete=models.CASCADE, related_name="redirects")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "old_id"], name="merge_redirect_once")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.old_id} -> {self.new_id}"
