"""The access and portability archive (Art. 15, 20): one ZIP file with

- ``data.json``: every row about the person, table by table, and the list of files
  (schema: ``schema.json`` in the same archive; ``docs/privacy-export.md``);
- ``csv/<table>.csv``: the same rows, one CSV file per table (headings and choices in
  the person's language);
- ``files/``: the person's attachments;
- ``summary.html``: a readable summary in the person's language: what is held, for
  which purposes and on which legal basis, where it came from, who receives it, how
  long it is kept, and the person's rights.

Only the person's data: links to other people are cut (``archive_rows``). One
language throughout, the person's. Built in the background with progress; written under ``PERNO_DATA_DIR/exports`` (never
served by the web server) and downloadable once."""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import json
import secrets
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from perno.core.privacy import CATEGORIES, file_fields
from perno.privacy.archive_rows import labels, localized, only_the_subject
from perno.privacy.models import ConsentEvent, DataSource
from perno.privacy.selectors import register
from perno.privacy.subject import row_dict, rows_about

FORMAT = "perno-subject-export"
VERSION = 1

SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "Perno data subject export",
    "type": "object",
    "required": ["format", "version", "generated_at", "subject", "tables", "files"],
    "properties": {
        "format": {"const": FORMAT},
        "version": {"const": VERSION},
        "language": {
            "type": "string",
            "description": "The language of every label and text in the archive (the person's).",
        },
        "generated_at": {"type": "string", "format": "date-time"},
        "request": {
            "type": "object",
            "description": "The data subject request this export answers.",
            "properties": {
                "id": {"type": "integer"},
                "kind": {"type": "string", "enum": ["access", "portability"]},
                "received_on": {"type": "string", "format": "date"},
            },
        },
        "subject": {
            "type": "object",
            "description": "The contact the export is about.",
            "properties": {"contact_id": {"type": "integer"}},
        },
        "tables": {
            "type": "object",
            "description": "Rows about the person, by table (app.model).",
            "additionalProperties": {
                "type": "object",
                "required": ["description", "personal_fields", "rows"],
                "properties": {
                    "description": {"type": "string"},
                    "fields": {
                        "type": "object",
                        "description": "Column -> its label, in the archive's language.",
                        "additionalProperties": {"type": "string"},
                    },
                    "personal_fields": {
                        "type": "object",
                        "description": "Field name -> category of personal data.",
                        "additionalProperties": {"type": "string"},
                    },
                    "rows": {
                        "type": "array",
                        "description": "One object per row: column -> value (foreign keys as *_id, a link to another person as null; dates ISO 8601; secrets replaced by a marker).",
                        "items": {"type": "object"},
                    },
                },
            },
        },
        "files": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["table", "id", "name", "path", "sha256", "size"],
                "properties": {
                    "table": {"type": "string"},
                    "id": {"type": "integer"},
                    "name": {"type": "string", "description": "The file's original name."},
                    "path": {"type": "string", "description": "Its path in this archive."},
                    "sha256": {"type": "string"},
                    "size": {"type": "integer"},
                },
            },
        },
    },
}


def export_dir() -> Path:
    path = Path(settings.PERNO_EXPORT_DIR)
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(0o700)
    return path


def discard(path: str | Path) -> None:
    """Remove an archive file (only ever one inside the export directory)."""
    if not path:
        return
    target = Path(path).resolve()
    if target.parent != Path(settings.PERNO_EXPORT_DIR).resolve():
        raise ValueError(f"{target} is not an archive of {settings.PERNO_EXPORT_DIR}")
    target.unlink(missing_ok=True)


def sweep(*, older_than: datetime.datetime, keep: set[str]) -> int:
    """Remove the archive files last written before ``older_than`` that no export
    waiting for its download holds (``keep``): those of a build that crashed, of an
    export erased while it was being built, of a download interrupted before its file
    was removed. Return how many went."""
    directory = Path(settings.PERNO_EXPORT_DIR)
    if not directory.exists():
        return 0
    kept = {str(Path(p).resolve()) for p in keep if p}
    removed = 0
    for path in directory.glob("subject-*.zip"):
        stamp = datetime.datetime.fromtimestamp(path.stat().st_mtime, tz=datetime.UTC)
        if stamp < older_than and str(path.resolve()) not in kept:
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def _copy_files(archive: zipfile.ZipFile, item: Any) -> list[dict[str, Any]]:
    """The stored files of ``item``'s rows (every file field: activity attachments, mail
    attachments...), byte for byte, at ``files/<table>/<id>-<name>``."""
    fields = file_fields(item.model)
    copied: list[dict[str, Any]] = []
    if not fields:
        return copied
    for row in item.rows.iterator(chunk_size=500):
        for field in fields:
            stored = getattr(row, field)
            if not stored:
                continue  # a file left out (over the size limit): its row says why
            shown = Path(getattr(row, "original_name", "") or stored.name).name
            name = f"files/{item.label}/{row.pk}-{shown}"
            digest, size = hashlib.sha256(), 0
            with stored.open("rb") as source, archive.open(name, "w") as target:
                while chunk := source.read(1 << 20):
                    digest.update(chunk)
                    size += len(chunk)
                    target.write(chunk)
            copied.append(
                {
                    "table": item.label,
                    "id": row.pk,
                    "name": getattr(row, "original_name", "") or shown,
                    "path": name,
                    "sha256": digest.hexdigest(),
                    "size": size,
                }
            )
    return copied


def _csv(rows: list[dict[str, Any]]) -> bytes:
    buffer = io.StringIO()
    columns = list(rows[0]) if rows else []
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow(
            {
                k: json.dumps(v, ensure_ascii=False) if isinstance(v, dict | list) else v
                for k, v in row.items()
            }
        )
    return buffer.getvalue().encode("utf-8-sig")  # a BOM: spreadsheets read UTF-8 right


def _shown(model: type[Any], table: dict[str, Any]) -> list[dict[str, Any]]:
    """Rows for the summary: choices by their label, dates as dates (the template
    formats them in the active language)."""
    rows = []
    for row in table.get("rows", []):
        shown = dict(zip(row, localized(model, [row])[0].values(), strict=True))
        for column in ("recorded_at", "occurred_at"):
            if isinstance(row.get(column), str):
                shown[column] = datetime.datetime.fromisoformat(row[column])
        rows.append(shown)
    return rows


def build(
    *, contact: Any, request: Any = None, progress: Callable[[int], None] | None = None
) -> tuple[Path, int, str]:
    """Write the archive; return its path, size and SHA-256. Reads in one transaction
    (a consistent picture even while people work)."""

    path = export_dir() / f"subject-{secrets.token_hex(16)}.zip"
    tables: dict[str, Any] = {}
    files: list[dict[str, Any]] = []
    language = contact.language or settings.LANGUAGE_CODE
    with (
        translation.override(language),  # one language throughout: the person's
        transaction.atomic(),
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive,
    ):
        found = list(rows_about(contact))
        for number, item in enumerate(found, 1):
            rows = [
                only_the_subject(item.model, row_dict(row, item.declaration), contact.pk)
                for row in item.rows.iterator(chunk_size=2000)
            ]
            if rows:
                fields = labels(item.model)
                tables[item.label] = {
                    "description": str(item.model._meta.verbose_name_plural),
                    "fields": fields,
                    "personal_fields": item.declaration.personal,
                    "rows": rows,
                }
                archive.writestr(f"csv/{item.label}.csv", _csv(localized(item.model, rows)))
            files += _copy_files(archive, item)
            if progress:
                progress(int(90 * number / max(1, len(found))))
        data = {
            "format": FORMAT,
            "version": VERSION,
            "language": language,
            "generated_at": timezone.now().isoformat(),
            "request": (
                {
                    "id": request.pk,
                    "kind": request.kind,
                    "received_on": request.received_on.isoformat(),
                }
                if request
                else {}
            ),
            "subject": {"contact_id": contact.pk},
            "tables": tables,
            "files": files,
        }
        archive.writestr("data.json", json.dumps(data, ensure_ascii=False, indent=1, default=str))
        archive.writestr("schema.json", json.dumps(SCHEMA, indent=1))
        context = register(user=None, check_access=False)
        summary = render_to_string(
            "privacy/export_summary.html",
            {
                **context,
                "contact": contact,
                "tables": [
                    (
                        label,
                        table["description"],
                        len(table["rows"]),
                        [table["fields"].get(f, f) for f in table["personal_fields"]],
                    )
                    for label, table in tables.items()
                ],
                "files": files,
                "category_labels": CATEGORIES,
                "sources": _shown(DataSource, tables.get("privacy.datasource", {})),
                "consents": _shown(ConsentEvent, tables.get("privacy.consentevent", {})),
            },
        )
        archive.writestr("summary.html", summary)
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    path.chmod(0o600)
    if progress:
        progress(100)
    return path, path.stat().st_size, digest.hexdigest()
