"""Every write of the privacy app: the register, notices, consent steps with their proof,
double opt-in, withdrawal, data sources and restrictions. Each runs in a transaction and
writes its audit entry in it."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from perno.accounts.permissions import check
from perno.audit import trail
from perno.audit.models import AuditEvent
from perno.contacts.models import Contact
from perno.core.privacy import CATEGORIES
from perno.privacy.models import (
    Channel,
    ConsentEvent,
    ConsentRequest,
    Controller,
    DataSource,
    LegalBasis,
    Notice,
    Purpose,
    Restriction,
    RetentionRule,
)
from perno.privacy.rules import purpose_by_code

OPTIN_SALT = "perno.privacy.optin"
UNSUBSCRIBE_SALT = "perno.privacy.unsubscribe"

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


def _check_consent_actor(actor: Any, contact: Any) -> None:
    if actor is not None:
        check(actor, "edit", contact)


def consent_record(
    *,
    actor: Any,
    contact: Any,
    purpose: str | Purpose | None,
    kind: str,
    channel: str,
    occurred_at: datetime | None = None,
    notice: Notice | None = None,
    source: str = "",
    ip_address: str | None = None,
    user_agent: str = "",
    note: str = "",
) -> ConsentEvent:
    """Add one step to ``contact``'s consent history for ``purpose`` (a code or a
    Purpose; None only for an objection to all direct marketing), with its proof.

    A consent given needs the notice the person read: the one passed, or the purpose's
    current notice in the contact's language."""
    _check_consent_actor(actor, contact)
    if kind not in ConsentEvent.Kind.values:
        raise ValidationError(
            {
                "kind": [
                    _("Unknown step “%(kind)s”; use one of: %(known)s.")
                    % {"kind": kind, "known": ", ".join(ConsentEvent.Kind.values)}
                ]
            }
        )
    if channel not in Channel.values:
        raise ValidationError(
            {
                "channel": [
                    _("Unknown channel “%(channel)s”; use one of: %(known)s.")
                    % {"channel": channel, "known": ", ".join(Channel.values)}
                ]
            }
        )
    if purpose is None:
        if kind != ConsentEvent.Kind.OBJECTED:
            raise ValidationError(
                {
                    "purpose": [
                        _("Name the purpose: only an objection may concern all direct marketing.")
                    ]
                }
            )
        target = None
    else:
        target = purpose if isinstance(purpose, Purpose) else purpose_by_code(purpose)
    now = timezone.now()
    occurred_at = occurred_at or now
    if occurred_at > now + timedelta(minutes=5):
        raise ValidationError({"occurred_at": [_("A consent step cannot be in the future.")]})
    if kind == ConsentEvent.Kind.GIVEN:
        assert target is not None
        notice = notice or current_notice(target, contact.language)
        if notice is None:
            raise ValidationError(
                {
                    "notice": [
                        _(
                            "Purpose “%(name)s” has no published notice: publish the text people read before consenting (Privacy → Register), then record the consent."
                        )
                        % {"name": target.name}
                    ]
                }
            )
        if notice.purpose_id != target.pk:
            raise ValidationError({"notice": [_("This notice belongs to another purpose.")]})
    event = ConsentEvent(
        contact=contact,
        purpose=target,
        kind=kind,
        occurred_at=occurred_at,
        channel=channel,
        notice=notice,
        notice_text=notice.text if notice else "",
        notice_version=notice.version if notice else "",
        source=(source or "").strip()[:500],
        ip_address=ip_address or None,
        user_agent=(user_agent or "")[:300],
        note=(note or "").strip(),
        recorded_by=actor if getattr(actor, "pk", None) else None,
        recorded_at=now,
    )
    event.full_clean(exclude=["contact", "purpose", "notice", "recorded_by"])
    with transaction.atomic():
        event.save()
        trail.record(
            actor=actor,
            action=AuditEvent.Action.CONSENT,
            obj=contact,
            fields=["consent"],
            detail={
                "purpose": target.code if target else "",
                "step": kind,
                "channel": channel,
                "consent_event": event.pk,
            },
        )
    return event


# -- double opt-in --------------------------------------------------------------------


def optin_hours() -> int:
    return int(getattr(settings, "PERNO_OPTIN_HOURS", 48))


def signup_start(
    *,
    contact: Any,
    purpose: str | Purpose,
    source: str = "",
    ip_address: str | None = None,
    user_agent: str = "",
    language: str = "",
) -> tuple[ConsentRequest, str]:
    """A web sign-up: nothing is consented yet. Returns the pending request and the
    signed token of its confirmation link (sent by e-mail)."""
    target = purpose if isinstance(purpose, Purpose) else purpose_by_code(purpose)
    notice = current_notice(target, language or contact.language)
    if notice is None:
        raise ValidationError(
            {"purpose": [_("This sign-up is not open: its notice is not published yet.")]}
        )
    now = timezone.now()
    with transaction.atomic():
        request = ConsentRequest.objects.create(
            contact=contact,
            purpose=target,
            notice=notice,
            source=(source or "")[:500],
            ip_address=ip_address or None,
            user_agent=(user_agent or "")[:300],
            created_at=now,
            expires_at=now + timedelta(hours=optin_hours()),
            nonce=secrets.token_hex(16),
        )
        trail.record(
            actor=None,
            action=AuditEvent.Action.CONSENT,
            obj=contact,
            fields=["consent"],
            detail={"purpose": target.code, "step": "requested", "consent_request": request.pk},
        )
    return request, optin_token(request)


def optin_token(request: ConsentRequest) -> str:
    """The signed token of a pending sign-up's confirmation link."""
    return signing.dumps({"r": request.pk, "n": request.nonce}, salt=OPTIN_SALT)


class LinkError(Exception):
    """A confirmation or unsubscribe link that is not valid, with the reason to show."""


def signup_confirm(*, token: str, ip_address: str | None, user_agent: str) -> ConsentEvent:
    """The person clicked the link in the e-mail: record the consent, once."""
    try:
        payload = signing.loads(token, salt=OPTIN_SALT, max_age=timedelta(hours=optin_hours()))
    except signing.SignatureExpired as exc:
        raise LinkError(
            _("This confirmation link has expired. Sign up again to receive a new one.")
        ) from exc
    except signing.BadSignature as exc:
        raise LinkError(
            _("This confirmation link is not valid. Copy the whole link from the e-mail.")
        ) from exc
    with transaction.atomic():
        request = (
            ConsentRequest.objects.select_for_update()
            .select_related("contact", "purpose", "notice")
            .filter(pk=payload.get("r"), nonce=payload.get("n"))
            .first()
        )
        if request is None:
            raise LinkError(_("This confirmation link is not valid any more."))
        if request.confirmed_at is not None:
            raise LinkError(_("You have already confirmed: nothing more to do."))
        now = timezone.now()
        if request.expires_at < now:
            raise LinkError(
                _("This confirmation link has expired. Sign up again to receive a new one.")
            )
        request.confirmed_at = now
        request.confirmed_ip = ip_address or None
        request.confirmed_user_agent = (user_agent or "")[:300]
        request.save(update_fields=["confirmed_at", "confirmed_ip", "confirmed_user_agent"])
        return consent_record(
            actor=None,
            contact=request.contact,
            purpose=request.purpose,
            kind=ConsentEvent.Kind.GIVEN,
            channel=Channel.WEB_FORM,
            occurred_at=now,
            notice=request.notice,
            source=request.source,
            ip_address=ip_address,
            user_agent=user_agent,
            note=_(
                "Double opt-in: signed up on %(signed)s from %(ip)s, confirmed by the link in the e-mail."
            )
            % {
                "signed": request.created_at.isoformat(timespec="seconds"),
                "ip": request.ip_address or "?",
            },
        )


# -- withdrawal -----------------------------------------------------------------------


def unsubscribe_token(contact: Any, purpose: Purpose) -> str:
    return signing.dumps({"c": contact.pk, "p": purpose.pk}, salt=UNSUBSCRIBE_SALT)


def unsubscribe(*, token: str, ip_address: str | None, user_agent: str) -> tuple[Any, Purpose]:
    """The one-click link of a marketing e-mail: withdraw the consent (and object to the
    purpose if it is not consent-based). Using it again changes nothing."""

    try:
        payload = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature as exc:
        raise LinkError(
            _("This unsubscribe link is not valid. Copy the whole link from the e-mail.")
        ) from exc
    contact = Contact.objects.filter(pk=payload.get("c")).first()
    purpose = Purpose.objects.filter(pk=payload.get("p")).first()
    if contact is None or purpose is None:
        raise LinkError(_("There is nothing to unsubscribe from: we hold no data for this link."))
    kind = (
        ConsentEvent.Kind.WITHDRAWN
        if purpose.legal_basis == LegalBasis.CONSENT
        else ConsentEvent.Kind.OBJECTED
    )
    with transaction.atomic():
        last = (
            ConsentEvent.objects.filter(contact=contact, purpose=purpose)
            .order_by("-occurred_at", "-id")
            .values_list("kind", flat=True)
            .first()
        )
        if last != kind:
            consent_record(
                actor=None,
                contact=contact,
                purpose=purpose,
                kind=kind,
                channel=Channel.LINK,
                ip_address=ip_address,
                user_agent=user_agent,
            )
    return contact, purpose


# -- data sources and restrictions ----------------------------------------------------


def data_source_record(*, actor: Any, contact: Any, channel: str, detail: str = "") -> DataSource:
    """Where ``contact``'s data came from; written in the transaction that created it."""
    if channel not in Channel.values:
        raise ValidationError({"channel": [_("Unknown channel “%(c)s”.") % {"c": channel}]})
    return DataSource.objects.create(
        contact=contact,
        channel=channel,
        detail=(detail or "")[:500],
        recorded_by=actor if getattr(actor, "pk", None) else None,
    )


def restriction_start(*, actor: Any, contact: Any, reason: str) -> Restriction:
    """Restrict processing (Art. 18): only storage until lifted."""
    check(actor, "manage", "privacy")
    if not (reason or "").strip():
        raise ValidationError(
            {"reason": [_("Say why processing is restricted, e.g. the accuracy is contested.")]}
        )
    with transaction.atomic():
        if Restriction.objects.filter(contact=contact, lifted_at__isnull=True).exists():
            raise ValidationError(
                {"__all__": [_("Processing of this contact is already restricted.")]}
            )
        restriction = Restriction.objects.create(
            contact=contact, reason=reason.strip(), started_by=actor
        )
        trail.record(
            actor=actor,
            action=AuditEvent.Action.REQUEST,
            obj=contact,
            fields=[],
            detail={"restriction": restriction.pk, "step": "restricted"},
        )
    return restriction


def restriction_lift(*, actor: Any, restriction: Restriction) -> Restriction:
    check(actor, "manage", "privacy")
    with transaction.atomic():
        restriction = Restriction.objects.select_for_update().get(pk=restriction.pk)
        if restriction.lifted_at is not None:
            raise ValidationError({"__all__": [_("This restriction was already lifted.")]})
        restriction.lifted_at = timezone.now()
        restriction.lifted_by = actor
        restriction.save(update_fields=["lifted_at", "lifted_by"])
        trail.record(
            actor=actor,
            action=AuditEvent.Action.REQUEST,
            obj=restriction.contact,
            detail={"restriction": restriction.pk, "step": "lifted"},
        )
    return restriction


def is_restricted(contact: Any) -> bool:
    return Restriction.objects.filter(contact=contact, lifted_at__isnull=True).exists()
