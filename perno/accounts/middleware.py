"""Sends a logged-in user who still owes a second factor to the code page, and one whose
role requires two factors but has none to the enrolment page, before anything else."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from perno.accounts.confidential import current_user
from perno.accounts.twofactor import needs_enrolment, needs_second_factor, pending

OPEN_PREFIXES = (
    "/static/",
    "/healthz",
    "/language/",
    "/logout/",
    "/login/",
    "/password/reset/",
    "/p/",  # public privacy links: sign-up, opt-in confirmation, unsubscribe
)


class SecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = current_user.set(request.user)
        try:
            return self._handle(request)
        finally:
            current_user.reset(token)

    def _handle(self, request: HttpRequest) -> HttpResponse:
        path = request.path
        if (
            request.user.is_authenticated
            and not path.startswith(OPEN_PREFIXES)
            and not path.startswith("/api/")  # the API answers 401 itself (see api/auth.py)
            and pending(request)
        ):
            target = None
            if needs_second_factor(request):
                target = reverse("accounts:verify")
            elif needs_enrolment(request) and path != reverse("accounts:twofactor"):
                target = reverse("accounts:twofactor")
            if target and path != target:
                if request.headers.get("HX-Request"):
                    return JsonResponse(
                        {"message": _("Complete two-factor authentication first.")},
                        status=401,
                        headers={"HX-Redirect": target},
                    )
                return HttpResponseRedirect(
                    f"{target}?{urlencode({'next': request.get_full_path()})}"
                )
        return self.get_response(request)


class NoStoreMiddleware:
    """Pages for a logged-in user and every API answer carry `Cache-Control: no-store`:
    no browser, proxy or shared computer keeps a copy of personal data after the user
    leaves. Other answers (the log-in and reset pages) get it too unless they set their own
    caching; static files are served before this (WhiteNoise) and keep theirs."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated) or request.path.startswith("/api/"):
            response.headers["Cache-Control"] = "no-store"
            response.headers.pop("Expires", None)
        else:
            response.setdefault("Cache-Control", "no-store")
        return response
