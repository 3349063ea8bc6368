"""The access log, written by the application: one line per request, with no personal
data in it.

A request's query string holds what people type: a search for a name, the privacy
look-up of an e-mail address or tax code, list filters. A URL path may hold a token
that stands for a person (a survey link, an unsubscribe link, a password reset).
Neither belongs in a log that is kept, copied and read by whoever runs the server. So
the line has the method, the path without its query string (URL arguments that are
not numbers, except the few known to be harmless, replaced by their name), the status,
the response size and the time taken; no client address, no referrer (it carries the
previous page's query string), no browser. Gunicorn's own access log is off
(``perno serve``).

``ScrubPathsFilter`` applies the same rule to Django's own request logs
(``django.request``, ``django.security.*``: "Not Found: <path>") and to the
development server's (``django.server``, which logs the whole request line)."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger("perno.access")

# URL arguments that name a kind of record or page, never a person.
HARMLESS_ARGUMENTS = frozenset({"record_type", "page", "kind", "code"})


_CONVERTER = re.compile(r"<(?:(\w+):)?(\w+)>")


def loggable_path(request: Any) -> str:
    """The request's path as it may be logged: no query string, and every URL argument
    that is not a number (or known to be harmless) replaced by ``<name>``; a path that
    matched no URL is not logged."""

    path = getattr(request, "path", "") or ""
    match = getattr(request, "resolver_match", None)
    if match is None:  # a static file, or a path that matched no URL (it could be anything)
        static = settings.STATIC_URL or "/static/"
        return path if path.startswith(static) else "(no matching URL)"
    route = match.route or ""
    if route and not any(c in route for c in "^$()[]\\"):

        def argument(found: re.Match[str]) -> str:
            value = str(match.kwargs.get(found[2], ""))
            if found[2] in HARMLESS_ARGUMENTS or value.isdecimal():
                return value
            return f"<{found[2]}>"

        return "/" + _CONVERTER.sub(argument, route)
    for name, value in match.kwargs.items():  # a regular-expression route
        text = str(value)
        if text and name not in HARMLESS_ARGUMENTS and not text.isdecimal():
            path = path.replace(text, f"<{name}>")
    return path


class AccessLogMiddleware:
    """Logs every request on ``perno.access``: ``GET /contacts/12/ 200 5123B 35ms``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        elapsed = (time.perf_counter() - started) * 1000
        size = "-" if response.streaming else f"{len(response.content)}B"
        logger.info(
            "%s %s %s %s %.0fms",
            request.method,
            loggable_path(request),
            response.status_code,
            size,
            elapsed,
        )
        return response


_REQUEST_LINE = re.compile(r"^(\S+) (\S+?)(?:\?\S*)? (HTTP/\S+)$")


class ScrubPathsFilter(logging.Filter):
    """Rewrites the path in Django's request logs as ``loggable_path`` does, and drops
    the query string from the development server's request line. Installed on the
    handlers (``LOGGING``), so it sees the records of every logger below."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        if isinstance(record.args, tuple) and record.args:
            if isinstance(request, HttpRequest):
                shown = loggable_path(request)
                record.args = tuple(
                    shown if isinstance(arg, str) and arg == request.path else arg
                    for arg in record.args
                )
            elif record.name == "django.server" and isinstance(record.args[0], str):
                line = _REQUEST_LINE.match(record.args[0])
                if line:
                    record.args = (f"{line[1]} {line[2]} {line[3]}", *record.args[1:])
        return True
