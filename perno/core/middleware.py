"""Request hygiene that applies to every page and API call."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.html import escape
from django.utils.translation import gettext as _

from perno.core.inputs import text_problem
from perno.core.sealing import SealError


def body_too_large_message() -> str:
    return _(
        "The request is too large: send at most %(size)s MB (files at most %(files)s MB in all)."
    ) % {
        "size": f"{settings.DATA_UPLOAD_MAX_MEMORY_SIZE / 1_048_576:.1f}",
        "files": f"{settings.PERNO_UPLOAD_MAX_BYTES / 1_048_576:.0f}",
    }


def _not_utf8(encoded: bytes, pairs: Any) -> str | None:
    """Why percent-encoded data (a query string, a urlencoded form) is refused when it
    holds bytes that are not UTF-8 (Django would read them as U+FFFD), or None."""
    if not any("\ufffd" in value for key, values in pairs for value in [key, *values]):
        return None
    try:
        unquote_to_bytes(encoded.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError:
        return _("The request is not valid UTF-8 text: send text as UTF-8.")
    return None


def _text_problem(pairs: Any) -> str | None:
    """The first reason a key or value (an uploaded file: its name) cannot be stored."""
    for key, values in pairs:
        for value in [key, *values]:
            text = getattr(value, "name", value)
            problem = text_problem(text) if isinstance(text, str) else None
            if problem:
                return problem
    return None


class RequestInputMiddleware:
    """The first check of every page and API call: a body over the size limits gets 413
    before it is read; text that cannot be stored (NUL characters, broken Unicode, bytes
    that are not UTF-8) in a query string, a form field or an uploaded file's name gets a
    clear 400 (PostgreSQL
    cannot store NUL, and no real input has it). Files are not text and are left to the
    attachment rules. API bodies are checked by the API's parser (perno.api.parser), which
    answers in the API's error format; too many form fields get 400, not a server error."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            status, message = self._refusal(request)
        except RequestDataTooBig:
            status, message = 413, body_too_large_message()
        except (TooManyFieldsSent, TooManyFilesSent):
            status, message = 400, _("The form sends too many fields or files.")
        if not status:
            return self.get_response(request)
        if request.path.startswith("/api/"):
            return JsonResponse({"message": message, "errors": {}}, status=status)
        return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")

    @staticmethod
    def _refusal(request: HttpRequest) -> tuple[int, str]:
        content_type = request.content_type or ""
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        multipart = content_type == "multipart/form-data"
        if length > (
            settings.PERNO_UPLOAD_MAX_BYTES if multipart else settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        ):
            return 413, body_too_large_message()
        query = request.META.get("QUERY_STRING", "")
        if "\x00" in query or "%" in query:
            raw = query.encode("latin-1", errors="replace")  # WSGI's reading of the bytes
            problem = _text_problem(request.GET.lists()) or _not_utf8(raw, request.GET.lists())
            if problem:
                return 400, problem
        if request.method in ("GET", "HEAD", "OPTIONS") or request.path.startswith("/api/"):
            return 0, ""
        if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            problem = _text_problem(request.POST.lists()) or _text_problem(request.FILES.lists())
            if not problem and not multipart:
                problem = _not_utf8(request.body, request.POST.lists())
            if problem:
                return 400, problem
        return 0, ""


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
