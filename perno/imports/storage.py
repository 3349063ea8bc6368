"""Where an import keeps its files: under ``PERNO_DATA_DIR/imports/``, random names,
never under the media root (nothing serves them but the import's own download, which
asks the gate). The parsed table of an upload is JSON (headers, rows, line numbers); the
bad rows of a finished import are the CSV the user downloads."""

from __future__ import annotations

import contextlib
import json
import secrets
from pathlib import Path
from typing import Any

from django.conf import settings


def folder() -> Path:
    path = Path(settings.DATA_DIR) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _path(name: str) -> Path | None:
    """The stored file ``name`` (a bare name this module gave out), or None."""
    if not name or "/" in name or "\\" in name or name.startswith("."):
        return None
    return folder() / name


def save_table(
    headers: list[str],
    rows: list[list[str]],
    lines: list[int],
    problems: dict[int, dict[str, str]] | None = None,
) -> str:
    """Store a parsed table; ``problems``: what was wrong with a row's cells as read
    (row index -> header, or "" for the whole row -> message)."""
    name = f"{secrets.token_hex(16)}.json"
    path = folder() / name
    data = {
        "headers": headers,
        "rows": rows,
        "lines": lines,
        "problems": {str(k): v for k, v in (problems or {}).items()},
    }
    with path.open("w", encoding="utf-8") as out:
        json.dump(data, out, ensure_ascii=False)
    return name


def load_table(name: str) -> dict[str, Any]:
    path = _path(name)
    if path is None or not path.exists():
        return {"headers": [], "rows": [], "lines": [], "problems": {}}
    with path.open(encoding="utf-8") as source:
        data: dict[str, Any] = json.load(source)
    return data


def save_bytes(content: bytes, suffix: str) -> str:
    name = f"{secrets.token_hex(16)}.{suffix}"
    (folder() / name).write_bytes(content)
    return name


def load_bytes(name: str) -> bytes:
    path = _path(name)
    if path is None or not path.exists():
        return b""
    return path.read_bytes()


def remove(*names: str) -> None:
    """Delete stored files (missing ones are fine: removing twice is harmless)."""
    for name in names:
        path = _path(name)
        if path is not None:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
