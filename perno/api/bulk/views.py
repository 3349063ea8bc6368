"""Bulk edit and delete of a selection of records, their background jobs, and saved list
views (``records.bulkedit``, ``records.bulkjobs``, ``records.savedviews``)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status

from perno.activities.filters import ActivityFilter
from perno.api.bulk.schemas import (
    BulkDeleteIn,
    BulkEditIn,
    BulkJobOut,
    BulkResultOut,
    SavedViewIn,
    SavedViewOut,
    SavedViewPatch,
    SelectionIn,
)
from perno.api.common import ERRORS, WRITE_ERRORS
from perno.contacts.filters import CompanyFilter, ContactFilter
from perno.records.bulkedit import Selection
from perno.records.bulkjobs import Started, bulk_job_get, bulk_job_progress, bulk_start
from perno.records.models import SavedView
from perno.records.savedviews import (
    filter_checker,
    saved_view_create,
    saved_view_delete,
    saved_view_get,
    saved_view_list,
    saved_view_update,
    unseen_filters,
)
from perno.sales.filters import DealFilter, LeadFilter, OrderFilter, ProductFilter

router = Router(tags=["bulk changes and saved views"])

# list -> (record type, filter set): the lists a selection or a saved view is made on.
LISTS: dict[str, tuple[str, Any]] = {
    "companies": ("company", CompanyFilter),
    "contacts": ("contact", ContactFilter),
    "leads": ("lead", LeadFilter),
    "deals": ("deal", DealFilter),
    "products": ("product", ProductFilter),
    "orders": ("order", OrderFilter),
    "activities": ("activity", ActivityFilter),
}
FILTERSETS = dict(LISTS.values())


def _filterset(record_type: str) -> Any:
    try:
        return FILTERSETS[record_type]
    except KeyError:
        raise ValidationError(
            {
                "record_type": [
                    _("Bulk changes are made on: %(types)s.")
                    % {"types": ", ".join(sorted(FILTERSETS))}
                ]
            }
        ) from None


def _selection(record_type: str, body: SelectionIn) -> Selection:
    filterset = _filterset(record_type)
    unknown = sorted(set(body.filters) - set(filterset.base_filters))
    if unknown:
        raise ValidationError(
            {f"selection.filters.{name}": [_("Unknown filter.")] for name in unknown}
        )
    try:
        versions = {int(k): v for k, v in body.versions.items()}
    except ValueError:
        raise ValidationError({"selection.versions": [_("The keys are record ids.")]}) from None
    if body.as_of is not None and body.as_of.tzinfo is None:
        raise ValidationError(
            {
                "selection.as_of": [
                    _("Give the time with its UTC offset, e.g. 2027-01-31T09:30:00+01:00.")
                ]
            }
        )
    return Selection(
        ids=body.ids,
        everything=body.everything,
        filters=body.filters,
        exclude=body.exclude,
        as_of=body.as_of,
        versions=versions,
    )


def _answer(started: Started, *, deleted: bool) -> Any:
    if started.job is not None:
        return Status(202, bulk_job_progress(started.job))
    result = started.result
    assert result is not None
    return Status(200, {**result.as_json(), "message": result.summary(deleted=deleted)})


@router.post(
    "/bulk/{record_type}/edit",
    response={200: BulkResultOut, 202: BulkJobOut, **WRITE_ERRORS},
    summary="Change many records at once",
    description=(
        "Sets owner, team, tags, status, stage or custom fields on the selected records "
        "the caller may edit, each through the record's own rules. Records the caller may "
        "not edit, or changed since they were read, are skipped and counted; a record whose "
        "new values are invalid changes nothing at all (400 naming it). More than 1,000 "
        "records run in the background: 202 with the job to poll."
    ),
)
def bulk_edit(request: HttpRequest, record_type: str, payload: BulkEditIn) -> Any:
    started = bulk_start(
        actor=request.user,
        subject=record_type,
        action="edit",
        selection=_selection(record_type, payload.selection),
        changes=payload.changes.model_dump(exclude_unset=True),
    )
    return _answer(started, deleted=False)


@router.post(
    "/bulk/{record_type}/delete",
    response={200: BulkResultOut, 202: BulkJobOut, **WRITE_ERRORS},
    summary="Delete many records at once",
    description=(
        "Deletes the selected records the caller may delete, each as if deleted alone; "
        "records the caller may not delete, or that other records depend on, are skipped "
        "and counted."
    ),
)
def bulk_delete(request: HttpRequest, record_type: str, payload: BulkDeleteIn) -> Any:
    started = bulk_start(
        actor=request.user,
        subject=record_type,
        action="delete",
        selection=_selection(record_type, payload.selection),
    )
    return _answer(started, deleted=True)


@router.get(
    "/bulk/jobs/{job_id}",
    response={200: BulkJobOut, **ERRORS},
    summary="The progress of a bulk change",
)
def bulk_job(request: HttpRequest, job_id: int) -> Any:
    return bulk_job_progress(bulk_job_get(user=request.user, pk=job_id))


def _view_out(view: SavedView, user: Any) -> dict[str, Any]:
    """A view as ``user`` may read it: a shared view's filters naming a record the user
    cannot see are left out (as when the view is used on a page)."""
    filters = dict(view.filters or {})
    if view.owner_id != user.pk and view.list_key in LISTS:
        for name in unseen_filters(LISTS[view.list_key][1], filters, user):
            filters.pop(name)
    return {
        "id": view.pk,
        "list_key": view.list_key,
        "name": view.name,
        "columns": view.columns,
        "filters": filters,
        "sort": view.sort,
        "is_default": view.is_default and view.owner_id == user.pk,
        "shared": view.team_id is not None,
        "mine": view.owner_id == user.pk,
        "owner_id": view.owner_id,
    }


def _list_filterset(list_key: str) -> Any:
    if list_key not in LISTS:
        raise ValidationError(
            {
                "list_key": [
                    _("Views are saved for: %(lists)s.") % {"lists": ", ".join(sorted(LISTS))}
                ]
            }
        )
    return LISTS[list_key][1]


@router.get("/views", response={200: list[SavedViewOut], **ERRORS}, summary="List saved views")
def view_list(request: HttpRequest, list_key: str | None = None) -> Any:
    if list_key is not None:
        _list_filterset(list_key)
    views = saved_view_list(user=request.user, list_key=list_key)
    return [_view_out(v, request.user) for v in views]


@router.post("/views", response={201: SavedViewOut, **WRITE_ERRORS}, summary="Save a list view")
def view_create(request: HttpRequest, payload: SavedViewIn) -> Any:
    data = payload.model_dump()
    list_key = data.pop("list_key")
    filterset = _list_filterset(list_key)
    view = saved_view_create(
        actor=request.user,
        list_key=list_key,
        data=data,
        check_filters=filter_checker(filterset, request.user),
    )
    return Status(201, _view_out(view, request.user))


@router.get("/views/{view_id}", response={200: SavedViewOut, **ERRORS}, summary="Get a saved view")
def view_get(request: HttpRequest, view_id: int) -> Any:
    return _view_out(saved_view_get(user=request.user, pk=view_id), request.user)


@router.patch(
    "/views/{view_id}", response={200: SavedViewOut, **WRITE_ERRORS}, summary="Change a saved view"
)
def view_update(request: HttpRequest, view_id: int, payload: SavedViewPatch) -> Any:
    view = saved_view_get(user=request.user, pk=view_id, action="edit")
    view = saved_view_update(
        actor=request.user,
        view=view,
        data=payload.model_dump(exclude_unset=True),
        check_filters=filter_checker(_list_filterset(view.list_key), request.user),
    )
    return _view_out(view, request.user)


@router.delete("/views/{view_id}", response={204: None, **ERRORS}, summary="Delete a saved view")
def view_delete(request: HttpRequest, view_id: int) -> Any:
    view = saved_view_get(user=request.user, pk=view_id, action="delete")
    saved_view_delete(actor=request.user, view=view)
    return Status(204, None)
