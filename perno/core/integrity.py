"""What a database integrity error means for the user, on both engines.

Services check unique values before writing (``full_clean``), but two requests can both
pass that check and then race to insert: the database's constraint decides, and the loser
gets an ``IntegrityError``. ``explain`` turns it into a message and the field it is about,
read from the constraint (PostgreSQL: the table and the key columns of the diagnostics;
SQLite: "UNIQUE constraint failed: table.column, ..."), so the API and the pages answer
409 naming the field instead of 500. A foreign key that no longer resolves (the record it
points at was deleted meanwhile) is a conflict too."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.apps import apps
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import IntegrityError, models
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.views.defaults import page_not_found

_SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: (?P<columns>.+)$")
_PG_KEY = re.compile(r"Key \((?P<columns>[^)]*)\)")


@dataclass(frozen=True)
class Conflict:
    message: str
    errors: dict[str, list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class _Unique:
    model: type[models.Model]
    fields: tuple[str, ...]
    message: str


@cache
def _uniques() -> dict[tuple[str, frozenset[str]], _Unique]:
    """(table, columns) -> the unique field or constraint of a model over them."""
    found: dict[tuple[str, frozenset[str]], _Unique] = {}
    for model in apps.get_models(include_auto_created=True):
        table = model._meta.db_table
        for f in model._meta.concrete_fields:
            if f.unique and not f.primary_key:
                found[(table, frozenset([f.column or f.name]))] = _Unique(model, (f.name,), "")
        for constraint in model._meta.constraints:
            names = tuple(getattr(constraint, "fields", ()) or ())
            if not isinstance(constraint, models.UniqueConstraint) or not names:
                continue
            columns = frozenset(
                str(getattr(model._meta.get_field(name), "column", name)) for name in names
            )
            custom = constraint.violation_error_message
            default = models.UniqueConstraint.default_violation_error_message
            message = str(custom) if custom and custom != default else ""
            found[(table, columns)] = _Unique(model, names, message)
    return found


def _key_field(model: type[models.Model], names: tuple[str, ...]) -> str:
    """The field an error is filed under: the last plain field of the constraint (a
    stage's name within its pipeline), or its last field when all are links."""
    plain = [n for n in names if not model._meta.get_field(n).is_relation]
    return (plain or list(names))[-1]


def _unique_conflict(table: str, columns: list[str]) -> Conflict | None:
    unique = _uniques().get((table, frozenset(columns)))
    if unique is None:
        return None
    model, key = unique.model, _key_field(unique.model, unique.fields)
    label = model._meta.get_field(key).verbose_name  # type: ignore[union-attr]
    message = unique.message or _(
        "Another %(model)s already has this %(field)s: choose a different one."
    ) % {"model": model._meta.verbose_name, "field": label}
    return Conflict(message, {key: [message]})


def _sqlite_columns(text: str) -> tuple[str, list[str]] | None:
    match = _SQLITE_UNIQUE.search(text)
    if not match:
        return None
    pairs = [part.strip().rsplit(".", 1) for part in match.group("columns").split(",")]
    if not all(len(pair) == 2 for pair in pairs):
        return None  # an expression index: "index 'name'"
    return pairs[0][0], [column for _table, column in pairs]


def _postgres_columns(cause: Any) -> tuple[str, list[str]] | None:
    diag = getattr(cause, "diag", None)
    match = _PG_KEY.search(getattr(diag, "message_detail", None) or "")
    if diag is None or not match or not diag.table_name:
        return None
    return diag.table_name, [c.strip().strip('"') for c in match.group("columns").split(",")]


@cache
def _unique_messages() -> dict[str, str]:
    """The messages of the unique constraints that name their own (Django reports such a
    violation without the "unique" code, under ``__all__``) -> the field they are about."""
    return {u.message: _key_field(u.model, u.fields) for u in _uniques().values() if u.message}


def duplicate_errors(exc: ValidationError) -> dict[str, list[str]] | None:
    """When every error of ``exc`` is a unique value already taken (found by the check
    before the write), the errors by field; otherwise None. A value taken is a conflict
    with stored data, answered 409 like the same value taken by a concurrent request."""
    by_field = exc.error_dict if hasattr(exc, "error_dict") else {"__all__": exc.error_list}
    errors: dict[str, list[str]] = {}
    for key, leaves in by_field.items():
        for leaf in leaves:
            message = str(leaf.message % leaf.params if leaf.params else leaf.message)
            if leaf.code in ("unique", "unique_together"):
                errors.setdefault(key, []).append(message)
            elif message in _unique_messages():
                named = _unique_messages()[message] if key == "__all__" else key
                errors.setdefault(named, []).append(message)
            else:
                return None
    return errors or None


def explain(exc: IntegrityError) -> Conflict:
    """The user's side of ``exc``: for a unique value, which field and why."""
    cause = exc.__cause__
    state = getattr(cause, "sqlstate", None)
    text = str(exc)
    if state == "23505" or "UNIQUE constraint failed" in text:
        where = _postgres_columns(cause) if state else _sqlite_columns(text)
        conflict = _unique_conflict(*where) if where else None
        if conflict is not None:
            return conflict
        return Conflict(_("Another record already has one of these unique values."))
    if state == "23503" or "FOREIGN KEY constraint failed" in text:
        return Conflict(
            _(
                "A record this one refers to was deleted or changed meanwhile. Reload it and try again."
            )
        )
    return Conflict(
        _("Someone else changed these records at the same time. Reload them and try again.")
    )


class ConflictMiddleware:
    """The safety net of every page: a unique value taken meanwhile answers 409 with
    the message (the edit pages show it on the form, see ``web.editing``), a record
    deleted meanwhile answers 404; never a server error."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, ObjectDoesNotExist):
            if request.path.startswith("/api/"):
                message = _("Not found, or you may not see it.")
                return JsonResponse({"message": message, "errors": {}}, status=404)
            return page_not_found(request, Http404())
        if not isinstance(exception, IntegrityError):
            return None
        conflict = explain(exception)
        if request.path.startswith("/api/"):
            return JsonResponse(
                {"message": conflict.message, "errors": conflict.errors}, status=409
            )
        return HttpResponse(
            f"<!doctype html><title>409</title><h1>409</h1><p>{escape(conflict.message)}</p>",
            status=409,
        )
