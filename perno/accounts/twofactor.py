"""Two-factor authentication with TOTP (authenticator apps) through django-otp, plus
recovery codes that are stored hashed and work once.

After the password, a user with a confirmed authenticator must enter a code before
anything else (``needs_second_factor``); a user whose role requires two factors and who
has none must enrol first (``needs_enrolment``). The middleware enforces both."""

from __future__ import annotations

import hashlib
import secrets
from base64 import b32encode
from typing import Any

import segno
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from perno.accounts.models import RecoveryCode, User
from perno.accounts.permissions import access_for, check

RECOVERY_CODES = 10


def _hash(code: str) -> str:
    return hashlib.sha256(code.replace("-", "").strip().lower().encode()).hexdigest()


def confirmed_device(user: Any) -> TOTPDevice | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def needs_second_factor(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    verified = getattr(user, "is_verified", None)
    if verified and verified():  # the session's device (django-otp): no query
        return False
    return confirmed_device(user) is not None


def needs_enrolment(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    return access_for(user).require_2fa and confirmed_device(user) is None


def pending(request: HttpRequest) -> bool:
    """Whether the request's user still owes the second factor or its required set-up:
    worked out once per request (the middleware asks, then every page's menu)."""
    known = getattr(request, "_perno_second_factor_pending", None)
    if known is None:
        known = needs_second_factor(request) or needs_enrolment(request)
        request._perno_second_factor_pending = known  # type: ignore[attr-defined]
    return known


def enrolment_start(*, user: User) -> TOTPDevice:
    """A new, unconfirmed authenticator for the user (replacing an earlier unconfirmed one)."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)


def qr_svg(device: TOTPDevice) -> str:
    """The enrolment QR code as inline SVG (no image request, nothing leaves the server)."""
    return segno.make(device.config_url, error="m").svg_inline(scale=4, dark="#212529")


def secret_text(device: TOTPDevice) -> str:
    """The key in base32 groups, for typing into an app that cannot scan."""

    raw = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def enrolment_confirm(*, request: HttpRequest, device: TOTPDevice, code: str) -> list[str] | None:
    """Confirm the authenticator with a first code; returns fresh recovery codes (shown
    once) or None when the code is wrong."""
    if not device.verify_token((code or "").replace(" ", "")):
        return None
    with transaction.atomic():
        TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = recovery_codes_renew(user=device.user)
    otp_login(request, device)
    return codes


def recovery_codes_renew(*, user: User) -> list[str]:
    """New recovery codes replace the old ones; only their hashes are stored."""
    codes = [f"{secrets.token_hex(4)}-{secrets.token_hex(4)}" for _i in range(RECOVERY_CODES)]
    with transaction.atomic():
        RecoveryCode.objects.filter(user=user).delete()
        RecoveryCode.objects.bulk_create(RecoveryCode(user=user, code_hash=_hash(c)) for c in codes)
    return codes


def recovery_codes_left(user: User) -> int:
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()


def verify(*, request: HttpRequest, code: str) -> bool:
    """Check a TOTP code or a recovery code for the logged-in user; a code already used is
    refused (TOTP: django-otp remembers the last time step; recovery: marked used)."""
    user: Any = request.user
    device = confirmed_device(user)
    if device is None:
        return False
    cleaned = (code or "").replace(" ", "")
    if cleaned.isdecimal() and len(cleaned) == device.digits:
        if device.verify_token(cleaned):
            otp_login(request, device)
            return True
        return False
    used = RecoveryCode.objects.filter(
        user=user, code_hash=_hash(cleaned), used_at__isnull=True
    ).update(used_at=timezone.now())
    if used:
        otp_login(request, device)
        return True
    return False


def disable(*, actor: Any, user: User) -> None:
    """Remove the user's authenticator and recovery codes (the user, or an administrator
    when the phone is lost). A role that requires two factors asks to enrol again."""

    if actor.pk != user.pk:
        check(actor, "manage", "user")
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        RecoveryCode.objects.filter(user=user).delete()
