"""`perno audit verify`, `privacy retention`, `keys generate|status|rotate`, `backup` and
`restore`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from perno.cli.environment import prepare_data_dir, setup_django


def cmd_audit(args: argparse.Namespace) -> int:
    """``perno audit verify``: walk the hash chain of the audit trail; exit 1 when an
    entry was altered or removed."""
    prepare_data_dir(args.data_dir)
    setup_django()
    from perno.audit.trail import verify

    result = verify()
    for seq, problem in result.problems:
        print(f"entry {seq}: {problem}", file=sys.stderr)
    if not result.ok:
        print(
            f"The audit trail is NOT intact: {len(result.problems)} problem(s) "
            f"in {result.checked:,} entries checked.",
            file=sys.stderr,
        )
        return 1
    print(f"The audit trail is intact: {result.checked:,} entries, every hash and link checked.")
    return 0


def cmd_privacy(args: argparse.Namespace) -> int:
    """``perno privacy retention [--dry-run]``: apply the retention periods now."""
    prepare_data_dir(args.data_dir)
    setup_django()
    from perno.privacy import retention

    done = retention.run(dry_run=args.dry_run)
    for item in done.counts.get("items", []):
        verb = "would be" if args.dry_run else "were"
        action = "deleted" if item["action"] == "delete" else "anonymized"
        print(
            f"{item['table']}: {item['count']:,} rows older than {item['days']:,} days "
            f"{verb} {action}"
        )
    if done.error:
        print(f"perno: the retention run stopped: {done.error}", file=sys.stderr)
        return 1
    print(f"{'Dry run' if args.dry_run else 'Retention applied'}: {done.total:,} rows in total.")
    return 0


def cmd_keys(args: argparse.Namespace) -> int:
    """``perno keys generate|status|rotate``: encryption keys of the sensitive fields."""
    if args.keys_command == "generate":
        from perno.core.sealing import generate_key

        try:
            entry = generate_key(args.id)
        except ValueError as exc:
            print(f"perno: {exc}", file=sys.stderr)
            return 2
        print(entry)
        print(
            "Put it first in PERNO_ENCRYPTION_KEYS (comma-separated, keep the old keys after it), "
            "restart Perno, then run `perno keys rotate`.",
            file=sys.stderr,
        )
        return 0
    prepare_data_dir(args.data_dir)
    setup_django()
    from perno.core import sealing
    from perno.privacy import keys
    from perno.records.models import SealedField

    ring = sealing.ring()
    if args.keys_command == "status":
        print(f"Keys configured: {', '.join(ring.keys) or 'none'}; current: {ring.current or '-'}")
        marked = [str(f) for f in SealedField.objects.order_by("subject", "field")]
        print(f"Fields marked sensitive: {', '.join(marked) or 'none'}")
        for column, counter in keys.count_by_key().items():
            if counter:
                parts = ", ".join(f"{key}: {count:,}" for key, count in sorted(counter.items()))
                print(f"  {column}: {parts}")
        return 0
    try:
        rotation = keys.start(actor=None)
    except keys.RotationError as exc:
        print(f"perno: {exc}", file=sys.stderr)
        return 1
    rotation.refresh_from_db()
    if rotation.status == rotation.Status.QUEUED:
        print(f"Re-encryption {rotation.pk} queued for the workers; see `perno keys status`.")
        return 0
    for name, count in sorted(rotation.counts.items()):
        print(f"  {name}: {count:,}")
    if rotation.status == rotation.Status.FAILED:
        print(f"perno: re-encryption stopped: {rotation.error}", file=sys.stderr)
        return 1
    print(
        f"Re-encryption done: {rotation.done:,} records checked, every sensitive value under key {rotation.key_id or '-'}."
    )
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    """``perno backup DEST``: the database, the files and a manifest of checksums."""
    prepare_data_dir(args.data_dir)
    setup_django()
    from perno.privacy.backup import BackupError, backup

    try:
        manifest = backup(Path(args.dest), progress=print)
    except BackupError as exc:
        print(f"perno: backup failed: {exc}", file=sys.stderr)
        return 1
    print(
        f"Backup written to {args.dest}: {sum(manifest['tables'].values()):,} rows, "
        f"{len(manifest['files']):,} files."
    )
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    """``perno restore SRC``: check, put back, and replay the erasure ledger."""
    prepare_data_dir(args.data_dir)
    setup_django()
    from perno.privacy.backup import BackupError, restore

    if not args.yes:
        print(
            "perno: restoring replaces the database and the files. Stop Perno, then run "
            "again with --yes.",
            file=sys.stderr,
        )
        return 2
    try:
        report = restore(Path(args.src), progress=print)
    except BackupError as exc:
        print(f"perno: restore failed: {exc}", file=sys.stderr)
        return 1
    print(f"Restored from {args.src}; {report['replayed']} erasure(s) replayed.")
    return 0
