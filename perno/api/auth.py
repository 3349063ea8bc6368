from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from perno.accounts.services import token_authenticate


class TokenAuth(HttpBearer):
    """``Authorization: Bearer <token>`` with a token from ``perno token create``."""

    openapi_description = "API token created with `perno token create USER` or in the web UI."

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = token_authenticate(token)
        if user is not None:
            request.user = user
        return user


class BrowserSession(SessionAuth):
    """The web UI's log-in session (CSRF token required for writes)."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_active:
            return user
        return None


AUTH = [TokenAuth(), BrowserSession()]
