"""The signed links of e-mails: double opt-in (a web sign-up confirmed by its link) and
the one-click withdrawal of a marketing e-mail."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from perno.audit import trail
from perno.audit.models import AuditEvent
from perno.contacts.models import Contact
from perno.privacy.models import Channel, ConsentEvent, ConsentRequest, LegalBasis, Purpose
from perno.privacy.rules import purpose_by_code
from perno.privacy.services.consent import consent_record
from perno.privacy.services.register import current_notice

OPTIN_SALT = "perno.privacy.optin"


UNSUBSCRIBE_SALT = "perno.privacy.unsubscribe"


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
