"""The error pages: 400, 403 (and the CSRF failure), 404 and 500, in the user's language
and the site's layout, with a way back. They show no detail of the error (no stack, no
exception text, no path), and the 400 and 500 pages are drawn without the request's
context (no menu, no user, no database), since the request or the database may be what
failed. Under /api/ the same errors answer in the API's JSON format instead:
{"message": "...", "errors": {}} (see perno/api/errors.py)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

TEMPLATE = "web/error.html"
API_PREFIX = "/api/"

TITLES: dict[int, Promise] = {
    400: _("Bad request"),
    403: _("Access denied"),
    404: _("Page not found"),
    500: _("Something went wrong"),
}
MESSAGES: dict[int, Promise] = {
    400: _("The request could not be understood. Go back and try again."),
    403: _("You do not have permission to see this page."),
    404: _("This page does not exist, or you may not see it."),
    500: _(
        "An error occurred on our side and has been recorded. Nothing was lost that was "
        "already saved; try again in a moment."
    ),
}
CSRF_MESSAGE = _(
    "The form had expired or came from another site, so it was not sent. Go back, reload "
    "the page and send it again."
)


def _answer(
    request: HttpRequest, status: int, message: Promise, *, with_context: bool
) -> HttpResponse:
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"message": str(message), "errors": {}}, status=status)
    context: dict[str, Any] = {"status": status, "title": TITLES[status], "message": message}
    if with_context:  # the menu and the user, as on any page
        return render(request, TEMPLATE, context, status=status)
    # Drawn from the template alone: no context processors, no request data.
    return HttpResponse(loader.get_template(TEMPLATE).render(context), status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _answer(request, 400, MESSAGES[400], with_context=False)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _answer(request, 403, MESSAGES[403], with_context=True)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _answer(request, 404, MESSAGES[404], with_context=True)


def server_error(request: HttpRequest) -> HttpResponse:
    return _answer(request, 500, MESSAGES[500], with_context=False)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: the reason stays in the log, not on the page."""
    return _answer(request, 403, CSRF_MESSAGE, with_context=True)
