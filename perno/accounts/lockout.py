"""Brute-force protection: failed log-ins are counted per account and per address within
a window; past the limit the log-in is refused with a clear message until the window
passes or an administrator unlocks it. Failed attempts are personal data (user name, IP
address, browser) and are purged after PERNO_LOGIN_ATTEMPT_DAYS."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count, Max
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from perno.accounts.models import LoginAttempt
from perno.accounts.permissions import check
from perno.core.net import client_ip


def _window_start() -> Any:
    return timezone.now() - timedelta(minutes=settings.PERNO_LOCKOUT_MINUTES)


def _normalise(username: str) -> str:
    return (username or "").strip().lower()[:150]


def lock_reason(username: str, ip: str | None) -> str | None:
    """The message to show when this account or address is locked out, else None."""
    since = _window_start()
    name = _normalise(username)
    recent = LoginAttempt.objects.filter(created_at__gte=since)
    if name and recent.filter(username=name).count() >= settings.PERNO_LOCKOUT_ACCOUNT_FAILURES:
        return _(
            "Too many failed log-ins for this account. Try again in %(minutes)s minutes or ask an administrator to unlock it."
        ) % {"minutes": settings.PERNO_LOCKOUT_MINUTES}
    if ip and recent.filter(ip_address=ip).count() >= settings.PERNO_LOCKOUT_ADDRESS_FAILURES:
        return _(
            "Too many failed log-ins from your network address. Try again in %(minutes)s minutes or ask an administrator to unlock it."
        ) % {"minutes": settings.PERNO_LOCKOUT_MINUTES}
    return None


def record_failure(request: HttpRequest, username: str) -> None:
    LoginAttempt.objects.create(
        username=_normalise(username),
        ip_address=client_ip(request),
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
    )


def record_success(username: str) -> None:
    """A successful log-in clears the account's failures (not the address's)."""
    LoginAttempt.objects.filter(username=_normalise(username)).delete()


def locked_out(limit: int = 100) -> list[dict[str, Any]]:
    """Accounts and addresses locked right now, for the administrator's page."""

    recent = LoginAttempt.objects.filter(created_at__gte=_window_start())
    rows: list[dict[str, Any]] = []
    row: Any
    for row in (
        recent.exclude(username="")
        .values("username")
        .annotate(n=Count("id"), last=Max("created_at"))
        .filter(n__gte=settings.PERNO_LOCKOUT_ACCOUNT_FAILURES)
        .order_by("-last")[:limit]
    ):
        rows.append({"kind": "account", "value": row["username"], **row})
    for row in (
        recent.exclude(ip_address=None)
        .values("ip_address")
        .annotate(n=Count("id"), last=Max("created_at"))
        .filter(n__gte=settings.PERNO_LOCKOUT_ADDRESS_FAILURES)
        .order_by("-last")[:limit]
    ):
        rows.append({"kind": "address", "value": row["ip_address"], **row})
    return rows


def unlock(*, actor: Any, username: str = "", ip: str = "") -> int:
    """An administrator ends a lockout; returns how many failures were cleared."""

    check(actor, "manage", "loginattempt")
    qs = LoginAttempt.objects.none()
    if username:
        qs = LoginAttempt.objects.filter(username=_normalise(username))
    elif ip:
        qs = LoginAttempt.objects.filter(ip_address=ip)
    deleted, _rows = qs.delete()
    return deleted


def purge_expired() -> int:
    cutoff = timezone.now() - timedelta(days=settings.PERNO_LOGIN_ATTEMPT_DAYS)
    deleted, _rows = LoginAttempt.objects.filter(created_at__lt=cutoff).delete()
    return deleted
