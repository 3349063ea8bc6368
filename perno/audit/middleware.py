"""Tells the audit trail where each request came from: the web UI or the API, and the
caller's IP address (behind PERNO_TRUSTED_PROXIES, as the lockout sees it)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from perno.audit.models import AuditEvent
from perno.audit.trail import origin
from perno.core.net import client_ip


class AuditOriginMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/api/"):
            channel = AuditEvent.Channel.API
        elif request.path.startswith("/p/"):
            channel = AuditEvent.Channel.PUBLIC
        else:
            channel = AuditEvent.Channel.WEB
        with origin(channel, client_ip(request)):
            return self.get_response(request)
