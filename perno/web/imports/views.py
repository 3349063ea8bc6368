"""The import wizard: start (upload, or reuse a saved mapping; past imports), mapping,
preview with duplicate choices, run with progress, summary, bad rows and undo.

Every step calls the services of ``perno.imports`` (the same the API and ``perno import``
use); a service's ``ValidationError`` (a file that cannot be read, a mapping without a
required field, the same file already running…) is shown on the page and stores
nothing. Another user's import is a 404 (``selectors.import_get``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from perno.accounts.permissions import can
from perno.imports import selectors, services, storage
from perno.imports.cells import NUMERIC_KINDS, detect_formats
from perno.imports.entities import SPECS
from perno.imports.fields import DATE, DATETIME, mapping_warnings, target_fields
from perno.imports.formats import COMMA, DMY
from perno.imports.models import ImportJob
from perno.imports.tables import Table
from perno.web.imports.forms import (
    DECISION_CHOICES,
    ENTITY_LABELS,
    MappingForm,
    RunForm,
    UploadForm,
    importable,
)
from perno.web.imports.progress import job_context, result_links

TEMPLATES = "web/imports/"
PAGE_SIZE = 25
WHOLE_FILE = 500  # the most rows the service examines at once
SAMPLES = 3
DATE_KINDS = {DATE, DATETIME}
EDITABLE = (ImportJob.Status.UPLOADED, ImportJob.Status.MAPPED)


def _messages(exc: ValidationError) -> list[str]:
    return [str(m) for m in exc.messages]


def _tell(request: HttpRequest, problems: list[str]) -> None:
    """Problems shown on the page the user is sent to."""
    for problem in problems:
        messages.error(request, problem)


def _job(request: HttpRequest, pk: int) -> ImportJob:
    return selectors.import_get(user=request.user, pk=pk)


@login_required
def start(request: HttpRequest) -> HttpResponse:
    """Step 1: what to import and the file (or a saved mapping); the past imports."""
    entities = importable(request.user)
    if not entities:
        raise PermissionDenied
    mappings = selectors.mapping_list(user=request.user).filter(
        entity__in=[key for key, _label in entities]
    )
    form = UploadForm(
        request.POST or None, request.FILES or None, entities=entities, mappings=mappings
    )
    if request.method == "POST":
        entity = request.POST.get("entity", "")
        if entity in SPECS and not can(request.user, "create", SPECS[entity].subject):
            raise PermissionDenied
        if form.is_valid():
            job = _upload(request, form)
            if job is not None:
                return _after_upload(request, job, form.cleaned_data["mapping_object"])
    jobs = list(selectors.import_list(user=request.user)[:50])
    return render(
        request,
        TEMPLATES + "start.html",
        {
            "form": form,
            "jobs": [job_context(job) for job in jobs],
            "max_bytes": settings.PERNO_UPLOAD_MAX_BYTES,
        },
    )


def _upload(request: HttpRequest, form: UploadForm) -> ImportJob | None:
    upload = form.cleaned_data["file"]
    try:
        return services.import_upload(
            actor=request.user,
            entity=form.cleaned_data["entity"],
            name=upload.name,
            content=upload.read(),
        )
    except ValidationError as exc:
        for message in _messages(exc):
            form.add_error("file", message)
    return None


def _after_upload(request: HttpRequest, job: ImportJob, saved: Any) -> HttpResponse:
    """With a saved mapping that fits the file, straight to the preview; else the mapping
    step (with why the saved mapping did not fit)."""
    if saved is None:
        return redirect("imports:import_mapping", pk=job.pk)
    mapping, formats = services.mapping_apply(saved, list(job.headers))
    try:
        services.import_map(actor=request.user, job=job, mapping=mapping, formats=formats)
    except ValidationError as exc:
        _tell(
            request,
            [
                _("The saved mapping “%(name)s” does not fit this file:") % {"name": saved.name},
                *_messages(exc),
            ],
        )
        return redirect("imports:import_mapping", pk=job.pk)
    return redirect("imports:import_preview", pk=job.pk)


def _table(job: ImportJob) -> Table:
    data = storage.load_table(job.table_path)
    return Table(
        format=job.file_format,
        headers=data.get("headers") or list(job.headers),
        rows=data.get("rows") or [],
        lines=data.get("lines") or [],
        encoding=job.encoding,
        delimiter=job.delimiter,
    )


def _detected(job: ImportJob, table: Table, user: Any) -> tuple[str, str]:
    """The date order and decimal separator: as chosen before, else as the values say."""
    found = dict(job.formats or {}) or detect_formats(job.entity, job.mapping, table, user=user)
    targets = {t.key: t for t in target_fields(job.entity, user)}
    order, decimal = DMY, COMMA if job.delimiter == ";" else "point"
    for key, value in found.items():
        kind = targets[key].kind if key in targets else ""
        if kind in DATE_KINDS:
            order = value
        elif kind in NUMERIC_KINDS:
            decimal = value
    return order, decimal


@login_required
def mapping(request: HttpRequest, pk: int) -> HttpResponse:
    """Step 2: a field for each column, with sample values; the formats; save for reuse."""
    job = _job(request, pk)
    if job.status not in EDITABLE:
        return redirect("imports:import_detail", pk=job.pk)
    table = _table(job)
    targets = target_fields(job.entity, request.user)
    order, decimal = _detected(job, table, request.user)
    form = MappingForm(
        request.POST or None,
        headers=list(job.headers),
        targets=targets,
        mapping=job.mapping or {},
        initial={"date_order": order, "decimal": decimal},
    )
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            services.import_map(
                actor=request.user,
                job=job,
                mapping=form.mapping(),
                formats=form.formats(NUMERIC_KINDS, DATE_KINDS),
                save_as=form.cleaned_data["save_as"],
            )
        except ValidationError as exc:
            problems = _messages(exc)
        else:
            return redirect("imports:import_preview", pk=job.pk)
    columns = [
        {
            "field": field,
            "header": header,
            "samples": [row[i] for row in table.rows[:SAMPLES] if i < len(row) and row[i]],
        }
        for i, (header, field) in enumerate(zip(job.headers, form.column_fields(), strict=True))
    ]
    return render(
        request,
        TEMPLATES + "mapping.html",
        {
            "job": job,
            "form": form,
            "columns": columns,
            "problems": problems,
            "required": [t for t in targets if t.required],
            "entity_label": ENTITY_LABELS.get(job.entity, job.entity),
        },
    )


def _page_number(request: HttpRequest) -> int:
    try:
        return max(1, int(request.GET.get("page", "1")))
    except ValueError:
        return 1


@login_required
def preview(request: HttpRequest, pk: int) -> HttpResponse:
    """Step 3: the rows as they will be stored, bad cells marked, duplicates with why and
    a choice per row or for all; then how to run."""
    job = _job(request, pk)
    if job.status not in EDITABLE:
        return redirect("imports:import_detail", pk=job.pk)
    if job.status != ImportJob.Status.MAPPED:
        return redirect("imports:import_mapping", pk=job.pk)
    page = _page_number(request)
    problems: list[str] = []
    if request.method == "POST":
        problems = _decide(request, job)
        if not problems:
            return redirect(f"{request.path}?page={page}")
    try:
        shown = _preview(request, job, page)
    except ValidationError as exc:
        _tell(request, _messages(exc))
        return redirect("imports:import_mapping", pk=job.pk)
    targets = {t.key: t for t in target_fields(job.entity, request.user)}
    labels = {
        key: (targets[key].label if key in targets else key) for key in job.mapping.values() if key
    }
    decisions = job.decisions or {}
    positions = {key: job.headers.index(h) for h, key in job.mapping.items() if key}
    return render(
        request,
        TEMPLATES + "preview.html",
        {
            "job": job,
            "preview": shown,
            "columns": list(labels.items()),
            "rows": [_row(row, labels, decisions, positions) for row in shown.rows],
            "counts": _counts(shown),
            "page": page,
            "has_next": shown.offset + len(shown.rows) < shown.total,
            "problems": problems,
            "warnings": mapping_warnings(job.entity, job.mapping),
            "decision_choices": DECISION_CHOICES,
            "default_decision": decisions.get("default", "skip"),
            "run_form": RunForm(),
            "entity_label": ENTITY_LABELS.get(job.entity, job.entity),
        },
    )


def _preview(request: HttpRequest, job: ImportJob, page: int) -> Any:
    """The page's rows; a file of up to ``WHOLE_FILE`` rows is examined whole (one pass),
    so the counts are the file's, and the page is cut from it."""
    if job.total <= WHOLE_FILE:
        shown = services.import_preview(actor=request.user, job=job, offset=0, limit=WHOLE_FILE)
        start = (page - 1) * PAGE_SIZE
        shown.rows, shown.offset = shown.rows[start : start + PAGE_SIZE], start
        shown.counts = {**(shown.counts or {}), "whole_file": True}
        return shown
    return services.import_preview(
        actor=request.user, job=job, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE
    )


def _row(
    row: Any, labels: dict[str, Any], decisions: dict[str, Any], positions: dict[str, int]
) -> dict[str, Any]:
    """A preview row for the template: each mapped field's value as it will be stored
    (a bad cell: as written in the file, with what is wrong)."""
    values = getattr(row, "values", {}) or {}
    cells = getattr(row, "cells", []) or []
    problems = getattr(row, "problems", {}) or {}
    index = getattr(row, "index", None)
    chosen = (decisions.get("rows") or {}).get(str(index)) or getattr(row, "decision", "") or ""
    return {
        "index": index,
        "line": getattr(row, "line", ""),
        "cells": [
            {
                "label": label,
                "value": _shown(values.get(key))
                if key not in problems
                else _raw(cells, positions.get(key)),
                "problem": problems.get(key, ""),
            }
            for key, label in labels.items()
        ],
        "row_problems": [m for k, m in problems.items() if k not in labels],
        "bad": bool(problems),
        "duplicate": getattr(row, "duplicate", None),
        "decision": chosen,
    }


def _raw(cells: list[str], position: int | None) -> str:
    return cells[position] if position is not None and position < len(cells) else ""


def _shown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple | set):
        return ", ".join(str(v) for v in value)
    return str(value)


def _counts(shown: Any) -> dict[str, int]:
    """Bad, duplicate and good rows: of the file, or of the page for a large file (the
    service examines the rows it is asked for)."""
    counts = dict(shown.counts or {})
    bad = counts.get("bad", 0)
    examined = counts.get("rows", len(shown.rows))
    return {
        "total": shown.total,
        "bad": bad,
        "duplicates": counts.get("duplicates", 0),
        "good": max(0, examined - bad),
        "whole_file": bool(counts.get("whole_file")) or examined >= shown.total,
    }


def _decide(request: HttpRequest, job: ImportJob) -> list[str]:
    """The duplicate choices of this page, kept with those of the other pages."""
    default = request.POST.get("default", "skip")
    rows = dict((job.decisions or {}).get("rows") or {})
    for name, value in request.POST.items():
        if name.startswith("row_"):
            try:
                rows[str(int(name.removeprefix("row_")))] = value
            except ValueError:
                return [_("The form sent a row that is not a number; reload the page.")]
    if request.POST.get("apply_all"):
        rows = {}  # "for all": the one choice replaces every per-row choice
    try:
        services.import_decide(
            actor=request.user,
            job=job,
            default=default,
            per_row={int(k): v for k, v in rows.items()},
        )
    except ValidationError as exc:
        return _messages(exc)
    return []


@login_required
@require_POST
def run(request: HttpRequest, pk: int) -> HttpResponse:
    """Step 4: queue the import (all or nothing, or the good rows)."""
    job = _job(request, pk)
    if "default" in request.POST:  # the preview's choices come with the start button
        problems = _decide(request, job)
        if problems:
            _tell(request, problems)
            return redirect("imports:import_preview", pk=job.pk)
        job.refresh_from_db()
    form = RunForm(request.POST)
    mode = form.cleaned_data["mode"] if form.is_valid() else "good"
    try:
        services.import_start(actor=request.user, job=job, all_or_nothing=mode == "all")
    except ValidationError as exc:
        _tell(request, _messages(exc))
        return redirect("imports:import_preview", pk=job.pk)
    return redirect("imports:import_detail", pk=job.pk)


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress while the import runs, then its summary."""
    job = _job(request, pk)
    if job.status in EDITABLE:
        return redirect(
            "imports:import_preview"
            if job.status == ImportJob.Status.MAPPED
            else "imports:import_mapping",
            pk=job.pk,
        )
    context = {
        "job": job,
        "info": job_context(job),
        "links": result_links(job),
    }
    return render(request, TEMPLATES + "detail.html", context)


@login_required
def status(request: HttpRequest, pk: int) -> HttpResponse:
    """The status fragment the progress bar polls."""
    job = _job(request, pk)
    return render(
        request,
        TEMPLATES + "_status.html",
        {"job": job, "info": job_context(job), "links": result_links(job)},
    )


@login_required
def bad_rows(request: HttpRequest, pk: int) -> HttpResponse:
    """The rows the import refused, with a reason column."""
    job = _job(request, pk)
    content = services.bad_rows_csv(job)
    if not content:
        raise Http404
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    stem = (job.file_name.rsplit(".", 1)[0] or "import")[:80]
    response["Content-Disposition"] = f'attachment; filename="{_ascii(stem)}-bad-rows.csv"'
    return response


def _ascii(text: str) -> str:
    return "".join(ch if ch.isascii() and (ch.isalnum() or ch in "-_ ") else "_" for ch in text)


@login_required
@require_POST
def undo(request: HttpRequest, pk: int) -> HttpResponse:
    """Undo a whole import: what it created is removed, what it updated restored (unless
    changed since: those are listed, with links)."""
    job = _job(request, pk)
    try:
        result = services.import_undo(actor=request.user, job=job)
    except ValidationError as exc:
        _tell(request, _messages(exc))
        return redirect("imports:import_detail", pk=job.pk)
    job.refresh_from_db()
    return render(
        request,
        TEMPLATES + "undone.html",
        {"job": job, "info": job_context(job), "result": result},
    )
