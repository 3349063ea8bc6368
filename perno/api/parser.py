"""How the API reads a request: JSON bodies only (415 otherwise), bounded in depth, and no
text that cannot be stored (NUL, broken Unicode) in bodies, query strings, form fields or
uploaded file names. The size limit (413) is the request middleware's
(perno.core.middleware); these checks answer in the API's error format (perno.api.errors)."""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from ninja.parser import Parser

from perno.core.inputs import json_problem, text_problem


class BodyRefused(Exception):
    """A body the API does not read: ``status`` and a message for the client."""

    def __init__(self, status: int, message: str, errors: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors or {}


def _is_json(content_type: str) -> bool:
    return content_type == "application/json" or (
        content_type.startswith("application/") and content_type.endswith("+json")
    )


class JsonParser(Parser):
    def parse_body(self, request: HttpRequest) -> Any:
        content_type = request.content_type or ""
        if not _is_json(content_type):
            if content_type:
                message = _(
                    "This operation reads a JSON body: send it with “Content-Type: application/json” (not %(type)s)."
                ) % {"type": content_type}
            else:
                message = _(
                    "This operation reads a JSON body: send it with “Content-Type: application/json” (the request had no Content-Type)."
                )
            raise BodyRefused(415, message)
        try:
            data = json.loads(request.body)
        except UnicodeDecodeError as exc:
            raise BodyRefused(400, _("The body is not valid UTF-8 text.")) from exc
        except RecursionError as exc:
            raise BodyRefused(400, _("The JSON nests too deeply.")) from exc
        except ValueError as exc:
            raise BodyRefused(
                400, _("The body is not valid JSON: %(error)s.") % {"error": exc}
            ) from exc
        problem = json_problem(data)
        if problem:
            where, reason = problem
            raise BodyRefused(400, reason, {where: [reason]})
        return data

    def parse_querydict(
        self, data: MultiValueDict, list_fields: list[str], request: HttpRequest
    ) -> dict[str, Any]:
        errors: dict[str, list[str]] = {}
        for key, values in data.lists():
            problem = text_problem(key)
            if problem:
                errors.setdefault("__all__", []).append(problem)
                continue
            for value in values:
                text = getattr(value, "name", value)  # an uploaded file: its name
                problem = text_problem(text) if isinstance(text, str) else None
                if problem:
                    errors.setdefault(key, []).append(problem)
        if errors:
            raise ValidationError(errors)
        return super().parse_querydict(data, list_fields, request)
