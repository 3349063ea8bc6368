"""Running an import: read every row (``cells.parse_row``), find its duplicates
(``matching``) and links (``links``), decide per row (create, update, skip or refuse),
then write.

**One transaction per job.** The rows are read and checked first, outside any
transaction (``processed`` moves for the progress bar, committed as it goes); then
everything is written in one transaction: records, links, addresses, tags, change
history, data sources, consents, the search index, the undo data and the job's summary.
A failure anywhere in it rolls all of it back, so the database never holds part of an
import, and the job says it failed and that nothing was stored. The bulk paths keep that
transaction short (100,000 contacts in a few seconds). With ``all_or_nothing`` one bad
row stops the import before the transaction; otherwise the good rows are written and
the bad ones are kept as a CSV with a ``reason`` column."""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from perno.audit import trail
from perno.audit.models import AuditEvent
from perno.imports import people, storage
from perno.imports.cells import make_context, parse_table_row
from perno.imports.entities import Spec, spec_of
from perno.imports.files import safe_cell
from perno.imports.links import Links, missing_company, missing_contact
from perno.imports.matching import Keys, Match, Matcher, block_of, in_file
from perno.imports.models import ImportJob
from perno.imports.tables import ROW, Table

logger = logging.getLogger(__name__)
BATCH = 5000
UNDO_DAYS = 30


@dataclass
class PreviewRow:
    index: int
    line: int
    cells: list[str]
    values: dict[str, Any]
    problems: dict[str, str]
    duplicate: Match | None = None
    decision: str = "create"  # create, update, skip or refuse (a bad row)
    erased: bool = False  # about a person who was erased: their cells are not kept


@dataclass
class Plan:
    rows: list[PreviewRow] = field(default_factory=list)

    @property
    def bad(self) -> list[PreviewRow]:
        return [r for r in self.rows if r.problems]


def load(job: ImportJob) -> Table:
    data = storage.load_table(job.table_path)
    return Table(
        format=job.file_format,
        headers=data["headers"],
        rows=data["rows"],
        lines=data["lines"],
        delimiter=job.delimiter,
        problems={int(k): v for k, v in data.get("problems", {}).items()},
    )


def keys_of(spec: Spec, values: dict[str, Any]) -> Keys:
    email = str(values.get("email") or "").strip().casefold()
    phones = tuple(str(values[k]) for k in ("phone", "mobile") if values.get(k))
    unique = next(
        (str(values[k]).strip() for k in ("vat_number", "sku", "number") if values.get(k)), ""
    )
    if spec.entity == "contact":
        name = f"{values.get('first_name') or ''} {values.get('last_name') or ''}".strip()
        block = block_of(values.get("address_city") or "", values.get("last_name") or "")
    elif spec.entity == "company":
        name = str(values.get("name") or "")
        block = block_of(values.get("address_city") or "", name)
    else:
        name, block = "", ""
    return Keys(
        external_id=str(values.get("external_id") or "").strip(),
        email=email,
        phones=phones,
        unique=unique,
        name=name.casefold(),
        block=block,
    )


def _decision(job: ImportJob, row: PreviewRow) -> str:
    if row.problems:
        return "refuse"
    match = row.duplicate
    if match is None:
        return "create"
    chosen = (job.decisions or {}).get("rows", {}).get(str(row.index)) or (job.decisions or {}).get(
        "default", "skip"
    )
    if match.row is not None:  # an earlier row of the file: never updated in place
        return "create" if chosen == "create" else "skip"
    if chosen == "update" and not match.editable:
        row.problems[ROW] = _(
            "It duplicates a record you may not edit (%(why)s): skip it or create it anyway."
        ) % {"why": match.why}
        return "refuse"
    return chosen


def examine(
    job: ImportJob,
    actor: Any,
    table: Table,
    indices: range,
    *,
    progress: Callable[[int], None] | None = None,
) -> Plan:
    """Read, check and match the rows ``indices`` of ``table`` (no writes)."""
    spec = spec_of(job.entity)
    context = make_context(job.entity, actor, table.headers, job.formats)
    mapping = job.mapping
    plan = Plan()
    raw_keys: list[tuple[int, Keys]] = []
    for start in range(indices.start, indices.stop, BATCH):
        batch: list[PreviewRow] = []
        for index in range(start, min(indices.stop, start + BATCH)):
            values, problems = parse_table_row(mapping, table, index, context=context)
            batch.append(PreviewRow(index, table.lines[index], table.rows[index], values, problems))
        keyed = [(r.index, keys_of(spec, r.values)) for r in batch if not r.problems]
        raw_keys.extend(keyed)
        found = Matcher(spec, actor).find(keyed) if spec.duplicate_keys else {}
        for row in batch:
            row.duplicate = found.get(row.index)
        plan.rows.extend(batch)
        if progress is not None:
            progress(len(plan.rows))
    repeats = in_file(raw_keys)
    for row in plan.rows:
        if row.duplicate is None and row.index in repeats:
            row.duplicate = repeats[row.index]
    people.check(spec, plan.rows)
    _check_links(spec, actor, plan.rows)
    for row in plan.rows:
        row.decision = _decision(job, row)
    return plan


def _check_links(spec: Spec, actor: Any, rows: list[PreviewRow]) -> None:
    """Problems of rows whose links find nothing (a contact's company is created)."""
    if spec.entity not in ("deal", "activity", "order"):
        return
    links = Links([r.values for r in rows if not r.problems], actor)
    for row in rows:
        if row.problems:
            continue
        values = row.values
        if spec.entity == "deal":
            _p, _s, problem = links.pipeline_stage(values)
            if problem:
                row.problems["stage"] = problem
        if spec.entity == "order":
            continue  # unknown customers become contacts, as ``perno import orders`` does
        if links.wants_company(values) and links.company(values) is None:
            key = next(
                values[k]
                for k in ("company_external_id", "company_vat_number", "company_name")
                if values.get(k)
            )
            row.problems["company_name"] = missing_company(str(key))
        if links.wants_contact(values) and links.contact(values) is None:
            key = next(values[k] for k in ("contact_external_id", "contact_email") if values.get(k))
            row.problems["contact_email"] = missing_contact(str(key))


def preview(
    job: ImportJob, actor: Any, *, offset: int, limit: int
) -> tuple[list[PreviewRow], dict[str, int]]:
    table = load(job)
    stop = min(len(table.rows), offset + limit)
    plan = examine(job, actor, table, range(min(offset, stop), stop))
    counts = {
        "rows": len(plan.rows),
        "bad": len(plan.bad),
        "duplicates": sum(1 for r in plan.rows if r.duplicate is not None),
    }
    return plan.rows, counts


def bad_csv(table: Table, rows: list[PreviewRow], mapping: dict[str, Any]) -> bytes:
    """The refused rows: the file's columns and why; cells neutralised (formulas); the
    cells of a row about an erased person left empty (the file is kept for 30 days)."""
    by_field = {key: header for header, key in mapping.items() if key}
    out = io.StringIO()
    writer_ = csv.writer(out)
    writer_.writerow([safe_cell(h) for h in [*table.headers, _("line"), _("reason")]])
    for row in rows:
        reasons = "; ".join(
            f"{by_field.get(key, key)}: {message}" if key else message
            for key, message in row.problems.items()
        )
        cells = [""] * len(row.cells) if row.erased else row.cells
        writer_.writerow([safe_cell(c) for c in [*cells, str(row.line), reasons]])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _progress(job_id: int) -> Callable[[int], None]:
    def update(done: int) -> None:
        ImportJob.objects.filter(pk=job_id).update(processed=done)

    return update


def run_import(job_id: int) -> bool:
    """The task's work: safe to run twice (only a queued job is run)."""
    now = timezone.now()
    if not ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.QUEUED).update(
        status=ImportJob.Status.RUNNING, started_at=now
    ):
        return False
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    actor = job.created_by
    table = load(job)
    errors = ""
    try:
        plan = examine(job, actor, table, range(len(table.rows)), progress=_progress(job.pk))
        bad = plan.bad
        errors = storage.save_bytes(bad_csv(table, bad, job.mapping), "csv") if bad else ""
        if bad and job.all_or_nothing:
            ImportJob.objects.filter(pk=job.pk).update(
                status=ImportJob.Status.FAILED,
                failed=len(bad),
                processed=len(table.rows),
                errors_path=errors,
                finished_at=timezone.now(),
                message=_(
                    "%(count)s row(s) cannot be imported, so nothing was stored (all or nothing). Download the bad rows, fix them and import the file again."
                )
                % {"count": len(bad)},
            )
        else:
            with transaction.atomic():
                trail.lock_chain()
                summary = people.write(job, actor, plan)
                _finish(job, actor, plan, summary, errors)
    except Exception as exc:
        logger.exception("import %s failed", job_id)
        if errors:
            storage.remove(errors)  # nothing was stored: no refused rows to download
        ImportJob.objects.filter(pk=job_id).update(
            status=ImportJob.Status.FAILED,
            finished_at=timezone.now(),
            message=_("The import failed and nothing was stored (%(error)s).")
            % {"error": exc.__class__.__name__},
        )
        return False
    finally:
        storage.remove(job.table_path)
        ImportJob.objects.filter(pk=job_id).update(table_path="")
    return True


def _finish(job: ImportJob, actor: Any, plan: Plan, summary: dict[str, Any], errors: str) -> None:
    spec = spec_of(job.entity)
    now = timezone.now()
    job.status = ImportJob.Status.DONE
    job.processed = len(plan.rows)
    job.created = summary["created"]
    job.updated = summary["updated"]
    job.skipped = sum(1 for r in plan.rows if r.decision == "skip") + summary.get("unchanged", 0)
    job.failed = len(plan.bad)
    job.created_ids = summary["created_ids"]
    job.errors_path = errors
    job.finished_at = now
    job.undo_until = now + timedelta(days=UNDO_DAYS)
    job.message = ""
    job.save()
    trail.record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        record_type=spec.model._meta.label_lower,
        detail={
            "import": job.pk,
            "created": job.created,
            "updated": job.updated,
            "skipped": job.skipped,
            "failed": job.failed,
            "linked_created": {k: len(v) for k, v in job.created_ids.items() if k != spec.kind},
        },
    )
