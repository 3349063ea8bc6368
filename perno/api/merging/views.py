"""Merges through the API: merge two contacts or two companies, read a merge, undo it.

A merged record's id answers ``GET /contacts/{id}`` (and ``/companies/{id}``) with 404
and a pointer: ``{"message": ..., "merged_into": <id>, "location": "/api/v1/..."}``,
for users who may see the record it went into (``follows_merges``); a 404 rather than a
redirect, because a client would otherwise apply a write meant for one id to another,
and the undo (30 days) may bring the old id back."""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from pydantic import Field

from perno.api.common import ERRORS, WRITE_ERRORS
from perno.api.inputs import InputSchema
from perno.merging import selectors, services
from perno.merging.models import Merge

router = Router(tags=["merges"])

PATHS = {"contact": "contacts", "company": "companies"}
FIXED = {"merged", "survivor", "__all__"}  # errors about the request, not a choice


def follows_merges(kind: str, argument: str) -> Callable[..., Any]:
    """An operation on one record that answers a merged record's id with a 404 that
    points at the survivor."""

    def decorate(operation: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(operation)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            try:
                return operation(request, *args, **kwargs)
            except Http404:
                target = selectors.redirect_target(
                    user=request.user, kind=kind, pk=kwargs.get(argument)
                )
                if target is None:
                    raise
                return moved(kind, target)

        return wrapper

    return decorate


def moved(kind: str, target: int) -> HttpResponse:
    location = f"/api/v1/{PATHS[kind]}/{target}"
    return JsonResponse(
        {
            "message": _("This record was merged into another one: %(location)s.")
            % {"location": location},
            "errors": {},
            "merged_into": target,
            "location": location,
        },
        status=404,
    )


class Choice(InputSchema):
    source: Literal["survivor", "merged"] | None = Field(
        None, alias="from", description="Take the value of this record."
    )
    value: Any = Field(None, description="Or give the value (one of the two records').")


class MergeIn(InputSchema):
    kind: Literal["contact", "company"]
    survivor: int = Field(description="The id of the record that stays.")
    merged: int = Field(description="The id of the record that goes into it.")
    choices: dict[str, Choice] = Field(
        default_factory=dict,
        description="Per field (custom fields as `custom_fields.<key>`): "
        '`{"from": "survivor"|"merged"}` or `{"value": ...}`. A field not named keeps '
        "the survivor's value, or the other's when the survivor's is empty.",
    )
    survivor_version: int | None = Field(None, description="The version you compared.")
    merged_version: int | None = Field(None, description="The version you compared.")


class MergeOut(Schema):
    id: int
    kind: str
    survivor: int | None
    merged: int
    merged_by: int | None
    created_at: datetime.datetime
    chosen: list[str]
    moved: dict[str, int]
    undoable: bool
    undo_until: datetime.datetime
    undone_at: datetime.datetime | None
    not_restored: list[str]


def _out(merge: Merge) -> dict[str, Any]:
    return {
        "id": merge.pk,
        "kind": merge.kind,
        "survivor": merge.survivor_id,
        "merged": merge.merged_id,
        "merged_by": merge.actor_id,
        "created_at": merge.created_at,
        "chosen": merge.chosen,
        "moved": services.moved_counts(merge.journal or {}),
        "undoable": merge.undoable,
        "undo_until": merge.undo_until,
        "undone_at": merge.undone_at,
        "not_restored": merge.not_restored,
    }


@router.post(
    "/merges",
    response={201: MergeOut, **WRITE_ERRORS},
    summary="Merge two contacts or two companies",
    description="Everything linked to `merged` moves to `survivor`; `merged` is deleted and "
    "its id then answers 404 with `merged_into`. Needs the right to edit the survivor and "
    "to delete the other. 409 when a version given is not the stored one; 400 names each "
    "bad choice. Undo within 30 days: `POST /merges/{id}/undo`.",
)
def merge_create(request: HttpRequest, payload: MergeIn) -> Any:
    survivor, merged = selectors.record_pair(
        user=request.user, kind=payload.kind, survivor_id=payload.survivor, merged_id=payload.merged
    )
    choices: dict[str, dict[str, Any]] = {}
    for name, choice in payload.choices.items():
        if choice.source is not None:
            choices[name] = {"from": choice.source}
        elif "value" in choice.model_fields_set:
            choices[name] = {"value": choice.value}
        else:
            choices[name] = {}
    try:
        merge = services.record_merge(
            actor=request.user,
            kind=payload.kind,
            survivor=survivor,
            merged=merged,
            choices=choices,
            survivor_version=payload.survivor_version,
            merged_version=payload.merged_version,
        )
    except ValidationError as exc:
        if not hasattr(exc, "error_dict"):
            raise
        raise ValidationError(
            {
                (f"choices.{name}" if name in payload.choices or name not in FIXED else name): [
                    message for error in errors for message in error.messages
                ]
                for name, errors in exc.error_dict.items()
            }
        ) from exc
    return Status(201, _out(merge))


@router.get("/merges/{merge_id}", response={200: MergeOut, **ERRORS}, summary="Get a merge")
def merge_get(request: HttpRequest, merge_id: int) -> Any:
    return _out(selectors.merge_get(user=request.user, pk=merge_id))


@router.post(
    "/merges/{merge_id}/undo",
    response={200: MergeOut, **WRITE_ERRORS},
    summary="Undo a merge",
    description="Within 30 days: the merged record comes back with its id and what was "
    "linked to it; the survivor gets its earlier values back unless changed since "
    "(listed in `not_restored`). 400 when the merge can no longer be undone.",
)
def merge_undo(request: HttpRequest, merge_id: int) -> Any:
    merge = selectors.merge_get(user=request.user, pk=merge_id)
    return _out(services.merge_undo(actor=request.user, merge=merge))
