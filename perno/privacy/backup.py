"""Backups that respect erasure: ``perno backup DEST`` and ``perno restore SRC``.

A backup is a directory: the database (SQLite's online backup API, or ``pg_dump
--format=custom``), the files store (``media/``), and ``manifest.json`` with the row count
of every table, the SHA-256 of every file and of the database copy, and how many
erasures the ledger held then.

The erasure ledger (``PERNO_ERASURE_LEDGER``, one line per erased person: ids and keyed
hashes) lives outside the database and outside backups. ``restore`` checks the backup
against its manifest (a damaged backup is refused before anything is touched), puts the
database and the files back, then replays the ledger: everyone erased since (or before)
the backup is erased again, so a restore never brings a forgotten person back."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3

# pg_dump and pg_restore, run with a fixed argument list and no shell.
import subprocess  # nosec B404
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone

from perno.audit.models import AuditEvent
from perno.audit.trail import origin
from perno.contacts.models import Contact
from perno.privacy.erasure import erase_contact, ledger_entries

FORMAT = "perno-backup"
VERSION = 1


class BackupError(Exception):
    """The backup or restore could not be done; nothing was changed. Says why."""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def table_counts() -> dict[str, int]:
    """Rows per table of the database (every table, with or without a model)."""
    counts = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor, include_views=False)):
            quoted = connection.ops.quote_name(table)
            # The table name comes from the database's own catalogue, quoted.
            cursor.execute(f"SELECT COUNT(*) FROM {quoted}")  # noqa: S608  # nosec B608
            counts[table] = int(cursor.fetchone()[0])
    return counts


def _pg_env() -> tuple[list[str], dict[str, str]]:
    db = connection.settings_dict
    args = ["--host", db.get("HOST") or "127.0.0.1", "--port", str(db.get("PORT") or 5432)]
    args += ["--username", db.get("USER") or "postgres", "--dbname", db["NAME"]]
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    return args, env


def _run(command: list[str], env: dict[str, str]) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(
            f"{command[0]} is not installed; install the PostgreSQL client tools "
            f"(Debian: apt-get install postgresql-client)."
        )
    # A fixed argument list (the tool, its options, paths and settings), no shell.
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603  # nosec B603
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed: {done.stderr.strip()[-2000:]}")


def backup(dest: Path, progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Write a backup into the directory ``dest`` (created; it must be empty)."""

    say = progress or (lambda _message: None)
    dest = Path(dest)
    if dest.exists() and any(dest.iterdir()):
        raise BackupError(f"{dest} is not empty: give a new directory for the backup.")
    dest.mkdir(parents=True, exist_ok=True)
    counts = table_counts()
    if connection.vendor == "sqlite":
        target = dest / "database.sqlite3"
        connection.ensure_connection()
        with sqlite3.connect(target) as copy:
            connection.connection.backup(copy)
        copy.close()
    else:
        target = dest / "database.dump"
        args, env = _pg_env()
        _run(["pg_dump", "--format=custom", "--no-owner", "--file", str(target), *args], env)
    say(f"database: {sum(counts.values()):,} rows in {len(counts)} tables")
    media = Path(settings.MEDIA_ROOT)
    files: dict[str, str] = {}
    if media.exists():
        shutil.copytree(media, dest / "media", dirs_exist_ok=True)
        for path in sorted((dest / "media").rglob("*")):
            if path.is_file():
                files[str(path.relative_to(dest / "media"))] = _sha256(path)
    say(f"files: {len(files):,}")
    manifest = {
        "format": FORMAT,
        "version": VERSION,
        "created_at": timezone.now().isoformat(),
        "engine": connection.vendor,
        "database": target.name,
        "database_sha256": _sha256(target),
        "tables": counts,
        "files": files,
        "ledger_entries": len(ledger_entries()),
    }
    (dest / "manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=True))
    return manifest


def verify(src: Path) -> dict[str, Any]:
    """The backup's manifest, after checking every checksum."""
    src = Path(src)
    try:
        manifest = json.loads((src / "manifest.json").read_text())
    except (OSError, ValueError) as exc:
        raise BackupError(f"{src} is not a Perno backup: no readable manifest.json.") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{src} is not a Perno backup.")
    if manifest["engine"] != connection.vendor:
        raise BackupError(
            f"This backup is of a {manifest['engine']} database; Perno now runs on "
            f"{connection.vendor}. Restore it on the same engine."
        )
    database = src / manifest["database"]
    if not database.exists() or _sha256(database) != manifest["database_sha256"]:
        raise BackupError("The backup is damaged: its database copy does not match the manifest.")
    for name, digest in manifest["files"].items():
        path = src / "media" / name
        if not path.exists() or _sha256(path) != digest:
            raise BackupError(f"The backup is damaged: file {name} does not match the manifest.")
    return manifest


def restore(src: Path, progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Put a backup back, then replay the erasure ledger. Stop Perno first."""

    say = progress or (lambda _message: None)
    src = Path(src)
    manifest = verify(src)
    database = src / manifest["database"]
    if connection.vendor == "sqlite":
        live = connection.settings_dict["NAME"]
        connection.close()
        with sqlite3.connect(database) as copy, sqlite3.connect(live) as target:
            copy.backup(target)
        copy.close()
        target.close()
    else:
        connection.close()
        args, env = _pg_env()
        _run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                *args,
                str(database),
            ],
            env,
        )
    restored = table_counts()
    mismatched = {
        table: (manifest["tables"].get(table), count)
        for table, count in restored.items()
        if manifest["tables"].get(table) != count
    }
    if mismatched:
        raise BackupError(f"The restored row counts differ from the backup's: {mismatched}")
    say(f"database: {sum(restored.values()):,} rows restored, counts match the manifest")
    media = Path(settings.MEDIA_ROOT)
    if media.exists():
        shutil.rmtree(media)
    if (src / "media").exists():
        shutil.copytree(src / "media", media)
    say(f"files: {len(manifest['files']):,} restored")
    replayed = 0
    with origin(AuditEvent.Channel.CLI):
        for entry in ledger_entries():
            contact = Contact.objects.filter(pk=entry["contact_id"]).first()
            if contact is not None:
                erase_contact(actor=None, contact=contact, ledger=False)
                replayed += 1
    say(f"erasures replayed: {replayed} (of {len(ledger_entries())} in the ledger)")
    return {"tables": restored, "files": len(manifest["files"]), "replayed": replayed}
