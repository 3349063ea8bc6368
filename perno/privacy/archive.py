"""The access and portability archive (Art. 15, 20): one ZIP file with

- ``data.json``: every row about the person, table by table, and the list of files
  (schema: ``schema.json`` in the same archive; ``docs/privacy-export.md``);
- ``csv/<table>.csv``: the same rows, one CSV file per table;
- ``files/``: the person's attachments;
- ``summary.html``: a readable summary in the person's language: what is held, for
  which purposes and on which legal basis, where it came from, who receives it, how
  long it is kept, and the person's rights.

Built in the background with progress; written under ``PERNO_DATA_DIR/exports`` (never
served by the web server) and downloadable once."""

from __future__ import annotations

import csv
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

from perno.activities.models import Attachment
from perno.core.privacy import CATEGORIES
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
                    "personal_fields": {
                        "type": "object",
                        "description": "Field name -> category of personal data.",
                        "additionalProperties": {"type": "string"},
                    },
                    "rows": {
                        "type": "array",
                        "description": "One object per row: column -> value (foreign keys as *_id; dates ISO 8601; secrets replaced by a marker).",
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


def build(
    *, contact: Any, request: Any = None, progress: Callable[[int], None] | None = None
) -> tuple[Path, int, str]:
    """Write the archive; return its path, size and SHA-256. Reads in one transaction
    (a consistent picture even while people work)."""

    path = export_dir() / f"subject-{secrets.token_hex(16)}.zip"
    tables: dict[str, Any] = {}
    files: list[dict[str, Any]] = []
    with transaction.atomic(), zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        found = list(rows_about(contact))
        for number, item in enumerate(found, 1):
            rows = [row_dict(row, item.declaration) for row in item.rows.iterator(chunk_size=2000)]
            if rows:
                tables[item.label] = {
                    "description": str(item.model._meta.verbose_name_plural),
                    "personal_fields": item.declaration.personal,
                    "rows": rows,
                }
                archive.writestr(f"csv/{item.label}.csv", _csv(rows))
            if item.model is Attachment:
                for attachment in item.rows.iterator(chunk_size=500):
                    name = f"files/{attachment.pk}-{Path(attachment.original_name).name}"
                    digest, size = hashlib.sha256(), 0
                    with attachment.file.open("rb") as source, archive.open(name, "w") as target:
                        while chunk := source.read(1 << 20):
                            digest.update(chunk)
                            size += len(chunk)
                            target.write(chunk)
                    files.append(
                        {
                            "table": item.label,
                            "id": attachment.pk,
                            "name": attachment.original_name,
                            "path": name,
                            "sha256": digest.hexdigest(),
                            "size": size,
                        }
                    )
            if progress:
                progress(int(90 * number / max(1, len(found))))
        data = {
            "format": FORMAT,
            "version": VERSION,
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
        with translation.override(contact.language or settings.LANGUAGE_CODE):
            context = register(user=None, check_access=False)
            summary = render_to_string(
                "privacy/export_summary.html",
                {
                    **context,
                    "contact": contact,
                    "tables": [
                        (label, table["description"], len(table["rows"]), table["personal_fields"])
                        for label, table in tables.items()
                    ],
                    "files": files,
                    "category_labels": CATEGORIES,
                    "sources": tables.get("privacy.datasource", {}).get("rows", []),
                    "consents": tables.get("privacy.consentevent", {}).get("rows", []),
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
