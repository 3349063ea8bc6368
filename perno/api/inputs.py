"""The base of every schema the API reads (bodies and query parameters): each value, nested
ones included, is held to perno.core.inputs before any service sees it, so a date out of
range or an offset that does not exist is a 422 naming the field, never a stored row."""

from __future__ import annotations

import datetime
from typing import Any

from ninja import Schema
from pydantic import field_validator
from pydantic_core import PydanticCustomError

from perno.core.inputs import moment_problem, text_problem


def _problem(value: Any) -> str | None:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, datetime.date):
            problem = moment_problem(item)
        elif isinstance(item, str):
            problem = text_problem(item)
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
            continue
        elif isinstance(item, (list, tuple, set, frozenset)):
            stack.extend(item)
            continue
        else:
            continue
        if problem:
            return problem
    return None


class InputSchema(Schema):
    """Inherit from this, not ``ninja.Schema``, for anything the API reads."""

    @field_validator("*", mode="after")
    @classmethod
    def _within_limits(cls, value: Any) -> Any:
        problem = _problem(value)
        if problem:
            raise PydanticCustomError("out_of_range", "{reason}", {"reason": problem})
        return value
