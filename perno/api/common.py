"""Shared API pieces: error and page schemas, filter schemas made from FilterSets,
id resolution with the access gate, field errors gathered, records shown and the
version check."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from functools import partial
from typing import Any

import django_filters
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import Field, create_model, model_validator

from perno.accounts import exports
from perno.accounts.confidential import current_user, redact
from perno.accounts.permissions import restrict
from perno.api.inputs import InputSchema
from perno.audit.trail import record_list
from perno.core.pagination import paginate
from perno.records.reads import record_shown


class ErrorOut(Schema):
    message: str
    errors: dict[str, list[str]] = {}


class ConflictOut(ErrorOut):
    current_version: int | None = None
    current: dict[str, Any] | None = None


# 409: a unique value taken by a concurrent request, or a record it links to deleted
# meanwhile (perno.core.integrity), on any operation that writes.
ERRORS = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ErrorOut,
}
# 413: a body over the size limits; 415: a body that is not JSON (perno.api.parser).
ERRORS.update({413: ErrorOut, 415: ErrorOut})
WRITE_ERRORS = {**ERRORS, 409: ConflictOut}


class UserRef(Schema):
    id: int
    username: str
    name: str = ""

    @staticmethod
    def resolve_name(obj: Any) -> str:
        return str(obj)


class Ref(Schema):
    id: int
    name: str

    @staticmethod
    def resolve_name(obj: Any) -> str:
        return str(obj)


BULK_MAX_PAGE_SIZE = 5000


class PageParams(InputSchema):
    page: int = Field(1, ge=1, le=100_000, description="Page number, from 1.")
    page_size: int = Field(
        25,
        ge=1,
        le=BULK_MAX_PAGE_SIZE,
        description="Rows per page. Pages larger than the bulk-read threshold "
        "(PERNO_BULK_READ_ROWS, 200 by default) count as an export: they need the export "
        "right, count against the export limits and are logged.",
    )


def page_schema(item: type[Schema]) -> type[Schema]:
    return create_model(
        f"{item.__name__.removesuffix('Out')}Page",
        __base__=Schema,
        items=(list[item], ...),  # type: ignore[valid-type]
        page=(int, ...),
        page_size=(int, ...),
        has_next=(bool, ...),
        count=(int, Field(..., description="Matching rows, counted up to 10,000.")),
        count_is_capped=(
            bool,
            Field(..., description="True when there are more than `count` rows."),
        ),
    )


def paged(queryset: Any, params: PageParams, request: HttpRequest | None = None) -> dict[str, Any]:
    """One page of a list. A page over the bulk-read threshold is an export: checked,
    limited and logged like a file export, and refused whole when over a limit."""
    if params.page_size > settings.PERNO_BULK_READ_ROWS:
        if request is None:
            raise ValidationError({"page_size": [_("Page too large.")]})

        subject = queryset.model._meta.model_name
        with transaction.atomic():
            window = queryset[(params.page - 1) * params.page_size : params.page * params.page_size]
            ids = list(window.values_list("pk", flat=True))
            _rows, count = exports.authorise(
                user=request.user, queryset=queryset.filter(pk__in=ids), subject=subject
            )
            if count != len(ids):
                raise PermissionDenied(
                    _(
                        "Some rows of this page are outside your export scope. Narrow the filter or use smaller pages."
                    )
                )
            exports.record(
                user=request.user,
                subject=subject,
                fmt="json",
                channel="api",
                rows=count,
                filters=dict(request.GET.items()),
            )
    result = paginate_plain(queryset, params)
    if request is not None:
        record_list(
            actor=request.user, model=queryset.model, ids=[obj.pk for obj in result["items"]]
        )
    return result


def paginate_plain(queryset: Any, params: PageParams) -> dict[str, Any]:
    """One page of a list, as the ``*Page`` schemas describe it."""
    page = paginate(queryset, params.page, params.page_size)
    return {
        "items": page.items,
        "page": page.number,
        "page_size": page.page_size,
        "has_next": page.has_next,
        "count": page.count,
        "count_is_capped": page.count_is_capped,
    }


def filter_schema(filterset: type[django_filters.FilterSet], name: str) -> type[Schema]:
    """Query parameters documented from the FilterSet; the FilterSet validates them."""
    fields: dict[str, Any] = {}
    for key, flt in filterset.base_filters.items():
        description = str(flt.label or key)
        if hasattr(flt, "orderings"):
            description += ": " + ", ".join(f"{k}, -{k}" for k in flt.orderings)
        fields[key] = (str | None, Field(None, description=description))
    return create_model(name, __base__=InputSchema, **fields)


def resolve(user: Any, model: type[models.Model], pk: int | None, field: str) -> Any:
    """Turn an id from the request into a row the user may see, or a field error."""
    if pk is None:
        return None
    obj = restrict(model._default_manager.all(), user, "view").filter(pk=pk).first()
    if obj is None:
        raise ValidationError(
            {
                field: [
                    _("No %(model)s with id %(id)s (or you may not see it).")
                    % {"model": model._meta.verbose_name, "id": pk}
                ]
            }
        )
    return obj


class FieldErrors:
    """The field errors of several steps, raised together (every error at once)."""

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def catch[Result](self, step: Callable[[], Result], field: str = "__all__") -> Result | None:
        """``step()``, or None with its errors kept (one of the whole under ``field``)."""
        try:
            return step()
        except ValidationError as exc:
            for key, messages in exc.message_dict.items():
                self.errors.setdefault(field if key == "__all__" else key, []).extend(messages)
            return None

    def raise_any(self) -> None:
        if self.errors:
            raise ValidationError(self.errors)


def resolve_ids(
    user: Any, data: dict[str, Any], mapping: dict[str, type[models.Model]]
) -> dict[str, Any]:
    """Replace ``<name>_id`` keys by objects under ``<name>``, collecting every error."""
    out = dict(data)
    errors = FieldErrors()
    for key, model in mapping.items():
        if key in out:
            out[key.removesuffix("_id")] = errors.catch(
                partial(resolve, user, model, out.pop(key), key)
            )
    errors.raise_any()
    return out


def shown[Record](
    get: Callable[..., Record], request: HttpRequest, pk: int, action: str = "view"
) -> Record:
    """The record ``get`` finds by id for ``action``, noted as handed to the user for it."""
    return record_shown(
        get(user=request.user, pk=pk, action=action), user=request.user, purpose=action
    )


def split_payload(payload: dict[str, Any]) -> tuple[dict[str, Any], Any, Any]:
    """Split a validated body into (model fields, custom fields, tags); ``version`` is read
    separately and a JSON ``null`` e-mail means "no e-mail"."""
    custom = payload.pop("custom_fields", None)
    tags = payload.pop("tags", None)
    payload.pop("version", None)
    if "email" in payload and payload["email"] is None:
        payload["email"] = ""
    return payload, custom, tags


def refuse_nulls(data: dict[str, Any], keys: tuple[str, ...]) -> None:
    """A PATCH may leave a field out but not set a required one to null."""
    errors = {
        key: [_("This field cannot be null.")] for key in keys if key in data and data[key] is None
    }
    if errors:
        raise ValidationError(errors)


def expected_version(request: HttpRequest, body_version: int | None) -> int | None:
    """The version the client edited: the body's ``version`` or an ``If-Match`` header."""
    if body_version is not None:
        return body_version
    header = request.headers.get("If-Match", "").strip().strip('"').removeprefix("W/").strip('"')
    if header:
        try:
            return int(header)
        except ValueError as exc:
            raise ValidationError(
                {"If-Match": [_("If-Match must be the record's version number.")]}
            ) from exc
    return None


class RecordOut(Schema):
    """A record as the API shows it: fields hidden from the caller (confidential) are
    blank and listed in ``hidden_fields``."""

    id: int
    version: int
    is_confidential: bool = False
    hidden_fields: list[str] = Field(
        [], description="Confidential fields blanked because your roles may not see them."
    )

    @model_validator(mode="before")
    @classmethod
    def _hide_confidential(cls, data: Any) -> Any:
        obj = getattr(data, "_obj", data)
        if isinstance(obj, models.Model):
            redact(current_user.get(), obj, text="")
        return data

    owner: UserRef | None = None
    team: Ref | None = None
    tags: list[str] = []
    created_at: datetime.datetime
    updated_at: datetime.datetime

    @staticmethod
    def resolve_tags(obj: Any) -> list[str]:
        return sorted(tag.name for tag in obj.tags.all())
