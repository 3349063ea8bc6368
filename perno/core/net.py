"""The caller's address, as the lockout, the audit trail and the rate limits see it."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """The caller's address. Behind PERNO_TRUSTED_PROXIES reverse proxies, each of which
    appends the address it saw to X-Forwarded-For, it is that many entries from the end
    of the header; entries further left are written by the client and not trusted."""
    remote = request.META.get("REMOTE_ADDR") or None
    trusted = settings.PERNO_TRUSTED_PROXIES
    if not trusted:
        return remote
    hops = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    hops = [hop for hop in hops if hop]
    if len(hops) < trusted:
        return remote
    candidate = hops[-trusted]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote
