"""One error format: {"message": "...", "errors": {"field": ["..."]}} with the HTTP status."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from perno.api.parser import BodyRefused
from perno.core.exceptions import ConflictError
from perno.core.integrity import duplicate_errors, explain
from perno.core.middleware import body_too_large_message

# model class -> callable turning an instance into its API representation (for 409s)
CONFLICT_SERIALIZERS: dict[type, Callable[[Any], dict[str, Any]]] = {}


def _loc(loc: Any) -> str:
    parts = [
        str(p)
        for p in loc
        if p not in ("body", "query", "path", "form", "file", "payload", "filters", "data")
    ]
    return ".".join(parts) or "__all__"


def install(api: NinjaAPI) -> None:
    @api.exception_handler(NinjaValidationError)
    def ninja_validation(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        errors: dict[str, list[str]] = {}
        for error in exc.errors:
            message = error.get("msg", "invalid")
            errors.setdefault(_loc(error.get("loc", ())), []).append(message)
        return api.create_response(
            request,
            {"message": _("The request is invalid; see errors per field."), "errors": errors},
            status=422,
        )

    @api.exception_handler(DjangoValidationError)
    def django_validation(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        taken = duplicate_errors(exc)
        if taken:  # a unique value already taken: as when taken concurrently
            message = _("A value that must be unique is already taken; see errors per field.")
            return api.create_response(request, {"message": message, "errors": taken}, status=409)
        return api.create_response(
            request,
            {"message": _("The data is not valid; see errors per field."), "errors": errors},
            status=400,
        )

    @api.exception_handler(PermissionDenied)
    def denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return api.create_response(
            request,
            {"message": str(exc) or _("You do not have permission to do this."), "errors": {}},
            status=403,
        )

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return api.create_response(
            request, {"message": _("Not found, or you may not see it."), "errors": {}}, status=404
        )

    @api.exception_handler(ObjectDoesNotExist)
    def gone(request: HttpRequest, exc: ObjectDoesNotExist) -> HttpResponse:
        # The record was there when the request began and was deleted before its write.
        return not_found(request, Http404())

    @api.exception_handler(IntegrityError)
    def integrity(request: HttpRequest, exc: IntegrityError) -> HttpResponse:
        conflict = explain(exc)
        return api.create_response(
            request, {"message": conflict.message, "errors": conflict.errors}, status=409
        )

    @api.exception_handler(ConflictError)
    def conflict(request: HttpRequest, exc: ConflictError) -> HttpResponse:
        current = None
        serializer = CONFLICT_SERIALIZERS.get(type(exc.current))
        if serializer is not None:
            current = serializer(exc.current)
        return api.create_response(
            request,
            {
                "message": exc.message,
                "errors": {"version": [exc.message]},
                "current_version": exc.current_version,
                "current": current,
            },
            status=409,
        )

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return api.create_response(
            request,
            {
                "message": _(
                    "Authentication required: send “Authorization: Bearer <token>” with a valid, unexpired token."
                ),
                "errors": {},
            },
            status=401,
        )

    @api.exception_handler(BodyRefused)
    def body_refused(request: HttpRequest, exc: BodyRefused) -> HttpResponse:
        return api.create_response(
            request, {"message": exc.message, "errors": exc.errors}, status=exc.status
        )

    @api.exception_handler(RequestDataTooBig)
    def too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        return body_refused(request, BodyRefused(413, body_too_large_message()))

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        if isinstance(exc.__cause__, BodyRefused):  # ninja wraps what the parser raises
            return body_refused(request, exc.__cause__)
        return api.create_response(
            request, {"message": str(exc), "errors": {}}, status=exc.status_code
        )
