from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.security import HttpBearer, SessionAuth

from perno.accounts.confidential import current_user
from perno.accounts.models import ApiToken
from perno.accounts.services import token_authenticate
from perno.accounts.twofactor import needs_enrolment, needs_second_factor

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class TokenAuth(HttpBearer):
    """``Authorization: Bearer <token>`` with a token from ``perno token create``."""

    openapi_description = "API token created with `perno token create USER` or in the web UI."

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        api_token = token_authenticate(token)
        if api_token is None:
            return None
        if api_token.scope != ApiToken.Scope.WRITE and request.method not in SAFE_METHODS:
            raise PermissionDenied(
                _(
                    "This API token is read-only. Create a token with the read-and-write scope to change data."
                )
            )
        request.user = api_token.user
        current_user.set(api_token.user)
        request.api_token = api_token  # type: ignore[attr-defined]
        return api_token.user


class BrowserSession(SessionAuth):
    """The web UI's log-in session (CSRF token required for writes)."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_active:
            return None
        # A session still waiting for its second factor is not logged in for the API.
        if needs_second_factor(request) or needs_enrolment(request):
            return None
        return user


AUTH = [TokenAuth(), BrowserSession()]
