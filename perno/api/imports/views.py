"""Imports through the API, the same steps as the wizard: upload a file (multipart),
map its columns, preview rows with their problems and duplicates, decide what to do
with duplicates, start (a background job: poll its status), download the refused rows,
undo within 30 days. A user sees only their own imports (administrators all); another
user's import is a 404."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Router, Schema, Status, UploadedFile

from perno.api.common import ERRORS, WRITE_ERRORS
from perno.api.inputs import InputSchema
from perno.imports import selectors, services
from perno.imports.models import ImportJob

router = Router(tags=["imports"])


class ImportOut(Schema):
    id: int
    entity: str
    file_name: str
    file_format: str
    encoding: str
    delimiter: str
    headers: list[str]
    mapping: dict[str, str | None]
    status: str
    all_or_nothing: bool
    total: int
    processed: int
    progress: int = Field(..., description="Per cent of the rows processed")
    created: int
    updated: int
    skipped: int
    failed: int
    message: str
    has_bad_rows: bool
    created_at: datetime
    finished_at: datetime | None
    undo_until: datetime | None

    @staticmethod
    def resolve_has_bad_rows(obj: ImportJob) -> bool:
        return bool(obj.errors_path)


class MapIn(InputSchema):
    mapping: dict[str, str | None] = Field(
        default_factory=dict,
        description="Column header -> field key (null: not imported); with saved_mapping, "
        "the columns to map otherwise than the saved mapping does",
    )
    saved_mapping: str = Field(
        "",
        max_length=100,
        description="Apply this saved mapping (its columns and date and number formats)",
    )
    formats: dict[str, str] = Field(
        default_factory=dict, description="Field -> dmy/mdy/ymd or comma/point"
    )
    save_as: str = Field("", max_length=100, description="Save the mapping under this name")


class DecideIn(InputSchema):
    default: str = Field("skip", description="For every duplicate: skip, update or create")
    rows: dict[int, str] = Field(default_factory=dict, description="Row index -> choice")


class StartIn(InputSchema):
    all_or_nothing: bool = Field(False, description="Store nothing if any row is bad")


class MatchOut(Schema):
    why: str
    record_id: int | None = Field(None, description="null when you may not see the record")
    label: str = ""
    row: int | None = Field(None, description="The earlier row of the file it repeats")
    visible: bool
    editable: bool


class PreviewRowOut(Schema):
    index: int
    line: int
    values: dict[str, Any]
    problems: dict[str, str]
    duplicate: MatchOut | None
    decision: str


class PreviewOut(Schema):
    total: int
    offset: int
    counts: dict[str, int]
    rows: list[PreviewRowOut]


class KeptOut(Schema):
    kind: str
    object_id: int
    label: str
    url: str
    why: str


class UndoOut(Schema):
    removed: int
    restored: int
    kept_changed: list[KeptOut]


def _plain(value: Any) -> Any:
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return str(value)


@router.get("/imports", response={200: list[ImportOut], **ERRORS}, summary="Your imports")
def import_list(request: HttpRequest) -> Any:
    return list(selectors.import_list(user=request.user)[:200])


@router.post(
    "/imports", response={201: ImportOut, **WRITE_ERRORS}, summary="Upload a file (multipart)"
)
def import_upload(request: HttpRequest, entity: Form[str], file: File[UploadedFile]) -> Any:
    """``entity``: company, contact, lead, deal, product, activity or order. The answer
    holds the columns found and the suggested mapping."""
    job = services.import_upload(
        actor=request.user, entity=entity, name=file.name or "", content=file.read()
    )
    return Status(201, job)


@router.get(
    "/imports/{job_id}", response={200: ImportOut, **ERRORS}, summary="An import and its progress"
)
def import_get(request: HttpRequest, job_id: int) -> Any:
    return selectors.import_get(user=request.user, pk=job_id)


@router.post(
    "/imports/{job_id}/mapping",
    response={200: ImportOut, **WRITE_ERRORS},
    summary="Map the columns",
)
def import_map(request: HttpRequest, job_id: int, payload: MapIn) -> Any:
    job = selectors.import_get(user=request.user, pk=job_id)
    mapping, formats = payload.mapping, payload.formats
    if payload.saved_mapping:
        try:
            saved = selectors.mapping_get(
                user=request.user, entity=job.entity, name=payload.saved_mapping
            )
        except Http404:
            raise ValidationError(
                {
                    "saved_mapping": [
                        _("There is no saved mapping “%(name)s” for these records.")
                        % {"name": payload.saved_mapping}
                    ]
                }
            ) from None
        mapping, kept = services.mapping_apply(saved, list(job.headers), payload.mapping)
        formats = {**kept, **payload.formats}
    return services.import_map(
        actor=request.user, job=job, mapping=mapping, formats=formats, save_as=payload.save_as
    )


@router.get(
    "/imports/{job_id}/preview", response={200: PreviewOut, **ERRORS}, summary="Preview rows"
)
def import_preview(request: HttpRequest, job_id: int, offset: int = 0, limit: int = 50) -> Any:
    job = selectors.import_get(user=request.user, pk=job_id)
    preview = services.import_preview(actor=request.user, job=job, offset=offset, limit=limit)
    rows = []
    for row in preview.rows:
        match = row.duplicate
        rows.append(
            {
                "index": row.index,
                "line": row.line,
                "values": {k: _plain(v) for k, v in row.values.items()},
                "problems": row.problems,
                "duplicate": None
                if match is None
                else {
                    "why": match.why,
                    "record_id": match.object_id if match.visible else None,
                    "label": match.label,
                    "row": match.row,
                    "visible": match.visible,
                    "editable": match.editable,
                },
                "decision": row.decision,
            }
        )
    return {
        "total": preview.total,
        "offset": preview.offset,
        "counts": preview.counts,
        "rows": rows,
    }


@router.post(
    "/imports/{job_id}/decisions",
    response={200: ImportOut, **WRITE_ERRORS},
    summary="Choose what to do with duplicates",
)
def import_decide(request: HttpRequest, job_id: int, payload: DecideIn) -> Any:
    job = selectors.import_get(user=request.user, pk=job_id)
    return services.import_decide(
        actor=request.user, job=job, default=payload.default, per_row=payload.rows
    )


@router.post(
    "/imports/{job_id}/start", response={202: ImportOut, **WRITE_ERRORS}, summary="Start the import"
)
def import_start(request: HttpRequest, job_id: int, payload: StartIn) -> Any:
    job = selectors.import_get(user=request.user, pk=job_id)
    services.import_start(actor=request.user, job=job, all_or_nothing=payload.all_or_nothing)
    return Status(202, selectors.import_get(user=request.user, pk=job_id))


@router.get(
    "/imports/{job_id}/bad-rows", response={200: None, **ERRORS}, summary="The refused rows (CSV)"
)
def import_bad_rows(request: HttpRequest, job_id: int) -> Any:
    job = selectors.import_get(user=request.user, pk=job_id)
    response = HttpResponse(services.bad_rows_csv(job), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{job.pk}-bad-rows.csv"'
    return response


@router.post(
    "/imports/{job_id}/undo", response={200: UndoOut, **WRITE_ERRORS}, summary="Undo the import"
)
def import_undo(request: HttpRequest, job_id: int) -> Any:
    job = selectors.import_get(user=request.user, pk=job_id)
    return services.import_undo(actor=request.user, job=job)
