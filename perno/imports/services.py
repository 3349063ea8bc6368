"""Every write of the import wizard, the API and ``perno import``:

- ``import_upload(actor, entity, name, content)``: read the file (``files.read_table``),
  store its parsed table, suggest a mapping (``fields.suggest_mapping``) -> job
  ``uploaded``;
- ``import_map(actor, job, mapping, formats, options, save_as)``: columns -> fields,
  checked (a required field left out is refused, naming it) and optionally saved for
  reuse -> ``mapped``;
- ``import_preview(actor, job, offset, limit)`` -> ``Preview`` (read-only): each row's
  values, per-cell problems and the existing record it duplicates, with why;
- ``import_decide(actor, job, default, per_row)``: what to do with duplicates, for all
  rows and per row (``skip``, ``update`` or ``create``);
- ``import_start(actor, job, all_or_nothing)`` -> ``queued``; the Celery task
  (``tasks.run_import_task``; in-process when tasks are eager) runs
  ``engine.run_import``: ``running`` with ``processed``/``total`` -> ``done`` or
  ``failed``. The same file (same content hash) for the same record type cannot be
  queued twice at once;
- ``import_undo(actor, job)`` -> ``UndoResult`` within 30 days (``undo.py``);
- ``bad_rows_csv(job)``: the refused rows with a ``reason`` column.

Rights: a user imports only record types they may create; jobs are their own
(administrators see all, see ``selectors``)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from perno.accounts.permissions import check
from perno.audit import trail
from perno.imports import engine, storage, tasks
from perno.imports import formats as cell_formats
from perno.imports.cells import detect_formats
from perno.imports.entities import SPECS, spec_of
from perno.imports.fields import missing_required, suggest_mapping, target_fields
from perno.imports.files import read_table
from perno.imports.models import ImportJob, ImportMapping
from perno.imports.retention import STALE_AFTER
from perno.imports.selectors import administers
from perno.imports.undo import UndoResult, undo_job

CHOICES = ("skip", "update", "create")
ACTIVE = (ImportJob.Status.QUEUED, ImportJob.Status.RUNNING)


def _require_create(actor: Any, entity: str) -> None:
    if entity not in SPECS:
        raise ValidationError(
            {
                "entity": [
                    _("Unknown record type “%(entity)s”; use one of: %(known)s.")
                    % {"entity": entity, "known": ", ".join(SPECS)}
                ]
            }
        )
    check(actor, "create", spec_of(entity).subject)


def _own(actor: Any, job: ImportJob) -> ImportJob:
    """The job, locked, after the audit chain; only its owner (or an administrator)."""
    trail.lock_chain()
    locked = ImportJob.objects.select_for_update().get(pk=job.pk)
    if locked.created_by_id != actor.pk and not administers(actor):
        raise ImportJob.DoesNotExist
    return locked


def import_upload(*, actor: Any, entity: str, name: str, content: bytes) -> ImportJob:
    """Read ``content`` (the file ``name``) for ``entity``; a file that cannot be read
    raises ``FileProblem`` (a ValidationError saying why) and stores nothing."""
    _require_create(actor, entity)
    table = read_table(name, content)
    digest = hashlib.sha256(content).hexdigest()
    stored = storage.save_table(table.headers, table.rows, table.lines, table.problems)
    try:
        with transaction.atomic():
            job = ImportJob.objects.create(
                entity=entity,
                file_name=(name or "")[:255],
                file_hash=digest,
                file_format=table.format,
                encoding=table.encoding,
                delimiter=table.delimiter,
                table_path=stored,
                headers=table.headers,
                mapping=suggest_mapping(entity, table.headers, actor),
                total=len(table.rows),
                created_by=actor,
            )
    except Exception:
        storage.remove(stored)
        raise
    return job


def _check_mapping(
    actor: Any, job: ImportJob, mapping: dict[str, str | None]
) -> dict[str, str | None]:
    targets = {t.key: t for t in target_fields(job.entity, actor)}
    errors: list[str] = []
    unknown_columns = sorted(set(mapping) - set(job.headers))
    if unknown_columns:
        errors.append(
            _("The file has no column(s) %(columns)s.") % {"columns": ", ".join(unknown_columns)}
        )
    chosen = {c: t for c, t in mapping.items() if t}
    unknown = sorted({t for t in chosen.values() if t not in targets})
    if unknown:
        errors.append(
            _("Unknown field(s) %(fields)s for %(entity)s.")
            % {"fields": ", ".join(unknown), "entity": spec_of(job.entity).label}
        )
    seen: dict[str, str] = {}
    for column, target in chosen.items():
        if target in seen and target in targets:
            errors.append(
                _("The columns “%(a)s” and “%(b)s” both go to %(field)s; choose one.")
                % {"a": seen[target], "b": column, "field": targets[target].label}
            )
        seen[target] = column
    cleaned: dict[str, str | None] = dict(chosen)
    missing = missing_required(job.entity, cleaned, actor)
    if missing:
        errors.append(
            _("Map a column to each required field: %(fields)s.")
            % {"fields": ", ".join(str(t.label) for t in missing)}
        )
    if errors:
        raise ValidationError({"mapping": errors})
    return cleaned


def mapping_apply(
    saved: ImportMapping, headers: list[str], overrides: dict[str, str | None] | None = None
) -> tuple[dict[str, str | None], dict[str, Any]]:
    """A saved mapping applied to a file's columns: its field per column (a column it
    does not know is not imported), then ``overrides`` (column -> field), and its saved
    date and number formats of the fields still mapped. The wizard, the API and
    ``perno import --mapping`` all go through here."""
    mapping: dict[str, str | None] = {
        header: saved.columns.get(header) or None for header in headers
    }
    mapping.update(overrides or {})
    mapped = {value for value in mapping.values() if value}
    formats = {key: value for key, value in (saved.formats or {}).items() if key in mapped}
    return mapping, formats


def import_map(
    *,
    actor: Any,
    job: ImportJob,
    mapping: dict[str, str | None],
    formats: dict[str, Any] | None = None,
    options: dict[str, Any] | None = None,
    save_as: str = "",
) -> ImportJob:
    with transaction.atomic():
        job = _own(actor, job)
        if job.status not in (ImportJob.Status.UPLOADED, ImportJob.Status.MAPPED):
            raise ValidationError(_("This import has already started; upload the file again."))
        job.mapping = _check_mapping(actor, job, mapping)
        job.formats = _check_formats(job, actor, formats or {})
        job.options = dict(options or {})
        job.status = ImportJob.Status.MAPPED
        job.save(update_fields=["mapping", "formats", "options", "status"])
        name = (save_as or "").strip()
        if name:
            if len(name) > 100:
                raise ValidationError(
                    {"save_as": [_("A mapping name has at most 100 characters.")]}
                )
            ImportMapping.objects.update_or_create(
                owner=actor,
                entity=job.entity,
                name=name,
                defaults={"columns": job.mapping, "formats": job.formats},
            )
    return job


def _check_formats(job: ImportJob, actor: Any, given: dict[str, Any]) -> dict[str, str]:
    """The date and number formats of the mapped columns: those detected in the file,
    overridden by the ones given (field -> dmy/mdy/ymd or comma/point)."""
    found = detect_formats(job.entity, job.mapping, engine.load(job), user=actor)
    errors = []
    for key, value in given.items():
        if key not in found:
            errors.append(
                _("“%(field)s” is not a date or number column of this mapping.") % {"field": key}
            )
            continue
        choices = (
            cell_formats.DATE_ORDERS
            if found[key] in cell_formats.DATE_ORDERS
            else cell_formats.DECIMALS
        )
        if value in choices:
            found[key] = value
        else:
            errors.append(
                _("“%(value)s” is not a format for %(field)s; use one of: %(known)s.")
                % {"value": value, "field": key, "known": ", ".join(choices)}
            )
    if errors:
        raise ValidationError({"formats": errors})
    return found


@dataclass
class Preview:
    """Rows ``offset``..``offset + len(rows)`` of ``total``; each row: ``line``, ``values``
    (field -> value as it will be stored), ``problems`` (field or column -> message),
    ``duplicate`` (``engine.Match``: the record, a placeholder when the user may not see
    it, and why) and ``decision``. ``counts``: bad rows and duplicates over the file."""

    total: int
    offset: int
    rows: list[engine.PreviewRow] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


def import_preview(*, actor: Any, job: ImportJob, offset: int = 0, limit: int = 50) -> Preview:
    if job.created_by_id != actor.pk and not administers(actor):
        raise ImportJob.DoesNotExist
    if not job.mapping:
        raise ValidationError(_("Map the columns first."))
    offset, limit = max(0, int(offset)), max(1, min(500, int(limit)))
    rows, counts = engine.preview(job, actor, offset=offset, limit=limit)
    return Preview(total=job.total, offset=offset, rows=rows, counts=counts)


def import_decide(
    *, actor: Any, job: ImportJob, default: str, per_row: dict[int, str] | None = None
) -> ImportJob:
    """``default`` for every duplicate, ``per_row`` (row index -> choice) overriding it."""
    per_row = per_row or {}
    bad = sorted({c for c in [default, *per_row.values()] if c not in CHOICES})
    if bad:
        raise ValidationError(
            {
                "decisions": [
                    _("Unknown choice(s) %(bad)s; use skip, update or create.")
                    % {"bad": ", ".join(bad)}
                ]
            }
        )
    with transaction.atomic():
        job = _own(actor, job)
        if job.status not in (ImportJob.Status.UPLOADED, ImportJob.Status.MAPPED):
            raise ValidationError(_("This import has already started."))
        outside = sorted(int(i) for i in per_row if not 0 <= int(i) < job.total)
        if outside:
            raise ValidationError(
                {"decisions": [_("No row %(rows)s in this file.") % {"rows": outside[:5]}]}
            )
        job.decisions = {"default": default, "rows": {str(int(k)): v for k, v in per_row.items()}}
        job.save(update_fields=["decisions"])
    return job


def import_start(*, actor: Any, job: ImportJob, all_or_nothing: bool = False) -> ImportJob:
    """Queue the import. Refused when the job is not mapped, or when the same file is
    already being imported as the same record type."""
    with transaction.atomic():
        job = _own(actor, job)
        check(actor, "create", spec_of(job.entity).subject)
        if job.status != ImportJob.Status.MAPPED:
            raise ValidationError(
                _("Map the columns before starting.")
                if job.status == ImportJob.Status.UPLOADED
                else _("This import has already started.")
            )
        busy = (
            ImportJob.objects.select_for_update()
            .filter(
                entity=job.entity,
                file_hash=job.file_hash,
                status__in=ACTIVE,
                created_at__gt=timezone.now() - STALE_AFTER,
            )
            .exclude(pk=job.pk)
            .first()
        )
        if busy is not None and busy.created_by_id != actor.pk and not administers(actor):
            raise ValidationError(
                _(
                    "The same file is already being imported by someone else; wait for it to finish, then check whether its records are there before importing again."
                )
            )
        if busy is not None:
            raise ValidationError(
                _(
                    "The same file is already being imported (import %(id)s, started %(when)s); wait for it to finish, then check its summary before importing again."
                )
                % {
                    "id": busy.pk,
                    "when": formats.time_format(timezone.localtime(busy.created_at).time()),
                }
            )
        job.all_or_nothing = bool(all_or_nothing)
        job.status = ImportJob.Status.QUEUED
        job.processed = 0
        job.save(update_fields=["all_or_nothing", "status", "processed"])
        pk = job.pk
        transaction.on_commit(lambda: tasks.run_import_task.delay(pk))
    return job


def import_undo(*, actor: Any, job: ImportJob) -> UndoResult:
    if job.created_by_id != actor.pk and not administers(actor):
        raise ImportJob.DoesNotExist
    return undo_job(actor=actor, job=job)


def bad_rows_csv(job: ImportJob) -> bytes:
    """The rows the import refused: the file's columns and a ``reason`` column (cells
    that could be read as formulas neutralised). Empty when there were none."""
    return storage.load_bytes(job.errors_path)
