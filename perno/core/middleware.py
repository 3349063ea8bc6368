"""Request hygiene that applies to every page and API call."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.utils.html import escape
from django.utils.translation import gettext as _

from perno.core.sealing import SealError


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


class RejectNulCharactersMiddleware:
    """Refuse text with NUL characters (U+0000) in query strings, form fields and JSON
    bodies with a clear 400: PostgreSQL cannot store them, and no real input has them.
    Uploaded files are not text and are left alone."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self._dirty(request):
            message = _(
                "The request contains a NUL character (U+0000), which cannot be stored. Remove it and try again."
            )
            if request.path.startswith("/api/"):
                return JsonResponse({"message": message, "errors": {}}, status=400)
            return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
        return self.get_response(request)

    @staticmethod
    def _dirty(request: HttpRequest) -> bool:
        query = request.META.get("QUERY_STRING", "")
        if ("\x00" in query or "%00" in query) and any(
            _has_nul(k) or _has_nul(v) for k, v in request.GET.lists()
        ):
            return True
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return False
        content_type = request.content_type or ""
        if content_type == "application/json":
            try:
                return _has_nul(json.loads(request.body or b"null"))
            except ValueError:
                return False  # the API answers malformed JSON itself
        if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            return any(_has_nul(k) or _has_nul(v) for k, v in request.POST.lists())
        return False


class SealErrorMiddleware:
    """A sensitive value that cannot be decrypted (its key is missing from
    PERNO_ENCRYPTION_KEYS, or wrong) stops the request with a 503 that says which key and
    what to do, and is logged as an error: never a page with ciphertext as data."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:

        if not isinstance(exception, SealError):
            return None
        logging.getLogger("perno.sealing").error("%s (%s)", exception, request.path)
        message = _(
            "Encrypted data cannot be read: %(problem)s Ask the administrator to fix "
            "PERNO_ENCRYPTION_KEYS and restart Perno."
        ) % {"problem": exception}
        if request.path.startswith("/api/"):
            return JsonResponse({"message": message, "errors": {}}, status=503)
        return HttpResponse(
            f"<!doctype html><title>503</title><h1>503</h1><p>{escape(message)}</p>",
            status=503,
        )
