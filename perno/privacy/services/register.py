"""Writes to the register of processing activities: the controller, purposes, retention
rules and notices (a published notice never changes; a new text is a new version)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from perno.accounts.permissions import check
from perno.audit import trail
from perno.audit.models import AuditEvent
from perno.core.privacy import CATEGORIES
from perno.privacy.models import Controller, LegalBasis, Notice, Purpose, RetentionRule

PURPOSE_FIELDS = (
    "code",
    "name",
    "description",
    "legal_basis",
    "basis_detail",
    "is_direct_marketing",
    "data_subjects",
    "data_categories",
    "recipients",
    "transfers",
    "security_measures",
    "is_active",
)


CONTROLLER_FIELDS = (
    "name",
    "address",
    "email",
    "phone",
    "representative",
    "dpo_name",
    "dpo_email",
    "supervisory_authority",
)


def _configured(actor: Any, obj: Any, fields: list[str]) -> None:
    trail.record(
        actor=actor,
        action=AuditEvent.Action.CONFIGURE,
        obj=obj,
        subject="",
        fields=fields,
    )


def controller_get() -> Controller:
    return Controller.objects.get_or_create(pk=1)[0]


def controller_save(*, actor: Any, data: dict[str, Any]) -> Controller:
    check(actor, "manage", "privacy")
    unknown = set(data) - set(CONTROLLER_FIELDS)
    if unknown:
        raise ValidationError({"__all__": [_("Unknown fields: %s") % ", ".join(sorted(unknown))]})
    with transaction.atomic():
        controller = Controller.objects.select_for_update().get_or_create(pk=1)[0]
        changed = [k for k, v in data.items() if getattr(controller, k) != v]
        for key, value in data.items():
            setattr(controller, key, value)
        controller.full_clean()
        controller.save()
        if changed:
            _configured(actor, controller, changed)
    return controller


def _clean_categories(value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValidationError(
            {"data_categories": [_("Give the data categories as a list of codes.")]}
        )
    unknown = sorted(set(value) - set(CATEGORIES))
    if unknown:
        raise ValidationError(
            {
                "data_categories": [
                    _("Unknown data categories: %(unknown)s. Use: %(known)s.")
                    % {"unknown": ", ".join(unknown), "known": ", ".join(CATEGORIES)}
                ]
            }
        )
    return [c for c in CATEGORIES if c in value]


def purpose_save(*, actor: Any, purpose: Purpose | None, data: dict[str, Any]) -> Purpose:
    """Create (``purpose`` None) or change a purpose of the register."""
    check(actor, "manage", "privacy")
    unknown = set(data) - set(PURPOSE_FIELDS)
    if unknown:
        raise ValidationError({"__all__": [_("Unknown fields: %s") % ", ".join(sorted(unknown))]})
    if "data_categories" in data:
        data = {**data, "data_categories": _clean_categories(data["data_categories"])}
    target = purpose or Purpose()
    changed = [k for k, v in data.items() if getattr(target, k, None) != v]
    for key, value in data.items():
        setattr(target, key, value)
    if target.legal_basis == LegalBasis.LEGITIMATE_INTEREST and not target.basis_detail.strip():
        raise ValidationError(
            {
                "basis_detail": [
                    _(
                        "Describe the legitimate interest and why it is not overridden by the person's rights (the balancing test)."
                    )
                ]
            }
        )
    target.full_clean()
    try:
        with transaction.atomic():
            target.save()
            _configured(actor, target, changed or list(data))
    except IntegrityError as exc:
        raise ValidationError({"code": [_("A purpose with this code already exists.")]}) from exc
    return target


def retention_rule_save(
    *, actor: Any, category: str, days: int | None, justification: str
) -> RetentionRule:
    check(actor, "manage", "privacy")
    if category not in CATEGORIES:
        raise ValidationError(
            {"category": [_("Unknown data category “%(code)s”.") % {"code": category}]}
        )
    if days is not None and not (1 <= days <= 36_500):
        raise ValidationError(
            {"days": [_("Give a period between 1 and 36,500 days, or leave it empty.")]}
        )
    with transaction.atomic():
        rule, _created = RetentionRule.objects.select_for_update().get_or_create(category=category)
        rule.days = days
        rule.justification = justification.strip()
        rule.save()
        _configured(actor, rule, ["days", "justification"])
    return rule


def notice_publish(
    *, actor: Any, purpose: Purpose, version: str, text: str, language: str = "it"
) -> Notice:
    """Publish a new version of a purpose's notice. Published texts never change."""
    check(actor, "manage", "privacy")
    version, text = (version or "").strip(), (text or "").strip()
    errors: dict[str, list[str]] = {}
    if not version:
        errors["version"] = [_("Give the notice a version, e.g. 2026-11 or 1.2.")]
    if not text:
        errors["text"] = [_("Paste the exact text people read before consenting.")]
    if language not in {code for code, _name in settings.LANGUAGES}:
        errors["language"] = [_("Choose one of the languages Perno speaks.")]
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            notice = Notice.objects.create(
                purpose=purpose, version=version, language=language, text=text, created_by=actor
            )
            _configured(actor, notice, ["version", "text"])
    except IntegrityError as exc:
        raise ValidationError(
            {
                "version": [
                    _(
                        "Version %(version)s in this language is already published; published texts cannot change. Give the new text a new version."
                    )
                    % {"version": version}
                ]
            }
        ) from exc
    return notice


def current_notice(purpose: Purpose, language: str = "") -> Notice | None:
    """The newest published notice of ``purpose``, in ``language`` when there is one."""
    notices = Notice.objects.filter(purpose=purpose, published_at__lte=timezone.now())
    if language:
        found = notices.filter(language=language).order_by("-published_at", "-id").first()
        if found:
            return found
    return notices.order_by("-published_at", "-id").first()
