"""The `perno` command: demo, serve, worker, migrate, seed, user, token, search, audit,
privacy, keys, import, analytics, backup, restore, manage."""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

DEFAULT_SETTINGS = "perno.config.settings.prod"


def _setup(settings: str | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings or DEFAULT_SETTINGS)
    import django

    django.setup()
    from perno.audit.trail import set_channel

    set_channel("cli")  # what the command does is audited as done from the command line


def _data_dir(value: str | None) -> Path:
    if value:
        os.environ["PERNO_DATA_DIR"] = value
    path = Path(os.environ.get("PERNO_DATA_DIR", "var")).resolve()
    path.mkdir(parents=True, exist_ok=True)
    os.environ["PERNO_DATA_DIR"] = str(path)
    # A data directory made by `perno demo` keeps its own secret key: every command on it
    # (token, user, seed…) uses that key unless PERNO_SECRET_KEY says otherwise.
    key_file = path / "secret_key"
    if not os.environ.get("PERNO_SECRET_KEY") and key_file.is_file():
        os.environ["PERNO_SECRET_KEY"] = key_file.read_text().strip()
    keys_file = path / "encryption_keys"
    if not os.environ.get("PERNO_ENCRYPTION_KEYS") and keys_file.is_file():
        os.environ["PERNO_ENCRYPTION_KEYS"] = keys_file.read_text().strip()
    return path


def _demo_secret(data_dir: Path) -> None:
    """The demo makes its own secret key once and keeps it in the data directory."""
    if os.environ.get("PERNO_SECRET_KEY"):
        return
    key_file = data_dir / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    os.environ["PERNO_SECRET_KEY"] = key_file.read_text().strip()
    # And an encryption key for the fields it marks sensitive (a deployment sets
    # PERNO_ENCRYPTION_KEYS from its secret store, away from the data and its backups).
    keys_file = data_dir / "encryption_keys"
    if not os.environ.get("PERNO_ENCRYPTION_KEYS"):
        if not keys_file.exists():
            from perno.core.sealing import generate_key

            keys_file.write_text(generate_key("demo1"))
            keys_file.chmod(0o600)
        os.environ["PERNO_ENCRYPTION_KEYS"] = keys_file.read_text().strip()


def cmd_migrate(args: argparse.Namespace) -> int:
    _data_dir(args.data_dir)
    _setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=1)
    from perno.accounts.services import roles_ensure_defaults

    roles_ensure_defaults()
    return 0


def _serve(host: str, port: int, workers: int) -> int:
    """Run gunicorn; without Redis also the in-process scheduler for periodic jobs."""
    processes: list[subprocess.Popen[Any]] = []
    if not os.environ.get("PERNO_REDIS_URL"):
        processes.append(subprocess.Popen([sys.executable, "-m", "perno.cli", "scheduler"]))
    gunicorn = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
        [
            sys.executable,
            "-m",
            "gunicorn",
            "perno.config.wsgi:application",
            "--bind",
            f"{host}:{port}",
            "--workers",
            str(workers),
            "--threads",
            "4",
            "--access-logfile",
            "-",
            "--graceful-timeout",
            "10",
            "--timeout",
            "60",
            "--no-control-socket",
        ]
    )
    processes.append(gunicorn)

    def stop(signum: int, frame: Any) -> None:
        for process in processes:
            if process.poll() is None:
                process.terminate()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        code = gunicorn.wait()
    finally:
        stop(0, None)
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
    return code


def cmd_serve(args: argparse.Namespace) -> int:
    _data_dir(args.data_dir)
    _setup()  # fails early with a clear message on bad configuration
    return _serve(args.host, args.port, args.workers)


def cmd_demo(args: argparse.Namespace) -> int:
    data_dir = _data_dir(args.data_dir)
    _demo_secret(data_dir)
    # The demo serves plain http://127.0.0.1; a real deployment sits behind HTTPS.
    os.environ.setdefault("PERNO_HTTPS", "false")
    _setup()
    from django.core.management import call_command

    print(f"Perno demo — data in {data_dir}")
    call_command("migrate", interactive=False, verbosity=0)
    from perno.seed.demo import DEMO_PASSWORD, DEMO_USERS, load_demo

    load_demo(report=print)
    call_command("collectstatic", interactive=False, verbosity=0)
    print(
        f"\nLog in at http://{args.host}:{args.port}/ with one of these demo users (password: {DEMO_PASSWORD}):"
    )
    for username, first, last, role, team in DEMO_USERS:
        print(f"  {username:<10} {first} {last} — {role}{' — ' + team if team else ''}")
    print(
        f"API: http://{args.host}:{args.port}/api/v1/docs  (create a token: perno token create admin)\n"
    )
    sys.stdout.flush()
    return _serve(args.host, args.port, args.workers)


def cmd_worker(args: argparse.Namespace) -> int:
    if not os.environ.get("PERNO_REDIS_URL"):
        print(
            "perno worker needs PERNO_REDIS_URL (e.g. redis://127.0.0.1:6379/0); without it tasks run in-process.",
            file=sys.stderr,
        )
        return 2
    _data_dir(args.data_dir)
    _setup()
    from perno.config.celery import app

    argv = ["worker", "--loglevel", args.loglevel, "--concurrency", str(args.concurrency)]
    if args.beat:
        argv.append("--beat")
        argv += ["--schedule", str(Path(os.environ["PERNO_DATA_DIR"]) / "celerybeat-schedule")]
    app.worker_main(argv)
    return 0


def cmd_scheduler(args: argparse.Namespace) -> int:
    """Embedded periodic jobs for the single-process set-up (no Redis, no beat)."""
    _setup()
    from django.conf import settings
    from django.db import close_old_connections

    from perno.config.celery import app

    app.loader.import_default_modules()
    last_run: dict[str, float] = {}
    stopping = False

    def stop(signum: int, frame: Any) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    while not stopping:
        now = time.monotonic()
        for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
            interval = float(entry["schedule"])  # type: ignore[arg-type]
            if now - last_run.get(name, 0.0) >= interval:
                last_run[name] = now
                try:
                    app.tasks[entry["task"]].apply()
                except Exception as exc:  # a failing job must not stop the others
                    print(f"scheduler: {name} failed: {exc}", file=sys.stderr)
                finally:
                    close_old_connections()
        time.sleep(1)
    return 0


def cmd_seed(args: argparse.Namespace) -> int:
    _data_dir(args.data_dir)
    _setup()
    from perno.seed.generator import seed

    started = time.perf_counter()
    result = seed(
        companies=args.companies,
        contacts=args.contacts,
        deals=args.deals,
        activities=args.activities,
        comments=args.comments,
        seed_value=args.seed,
        progress=lambda what, n: print(
            f"  {n:>9} {what} ({time.perf_counter() - started:.1f} s)", flush=True
        ),
    )
    elapsed = time.perf_counter() - started
    print(
        f"Seeded {result.rows} rows in {elapsed:.1f} s ({result.rows / elapsed:,.0f} rows/s; "
        f"{result.contacts / elapsed:,.0f} contacts/s)"
    )
    return 0


def cmd_user(args: argparse.Namespace) -> int:
    _data_dir(args.data_dir)
    _setup()
    from django.core.exceptions import ValidationError

    from perno.accounts.services import roles_ensure_defaults, user_create

    if not args.password_stdin:
        print("Give the password on standard input with --password-stdin.", file=sys.stderr)
        return 2
    password = sys.stdin.readline().rstrip("\n")
    roles_ensure_defaults()
    try:
        user = user_create(
            username=args.name,
            password=password,
            email=args.email or "",
            roles=args.role or None,
            team=args.team,
        )
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            for message in messages:
                print(f"{field}: {message}", file=sys.stderr)
        return 1
    print(
        f"Created user {user.username} (roles: {', '.join(r.code for r in user.roles.all())}"
        f"{', team: ' + str(user.team) if user.team else ''})"
    )
    return 0


def cmd_token(args: argparse.Namespace) -> int:
    _data_dir(args.data_dir)
    _setup()
    from perno.accounts.models import User
    from perno.accounts.services import token_create

    user = User.objects.filter(username=args.name, is_active=True).first()
    if user is None:
        print(
            f"No active user named {args.name!r}. Create one with `perno user create`.",
            file=sys.stderr,
        )
        return 1
    from django.core.exceptions import ValidationError

    try:
        _token, clear = token_create(
            user=user, name=args.label or "cli", scope=args.scope, expires_in_days=args.days
        )
    except ValidationError as exc:
        print(" ".join(exc.messages), file=sys.stderr)
        return 1
    print(clear)
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    """``perno search rebuild``: re-create the search index with a progress bar."""
    _data_dir(args.data_dir)
    _setup()
    from perno.search.indexer import rebuild, rebuild_counts

    totals = rebuild_counts()
    total = sum(n for kind, n in totals.items() if kind != "document") or 1
    done = 0
    started = time.perf_counter()

    def progress(kind: str, count: int) -> None:
        nonlocal done
        done += count
        width = 30
        filled = int(width * done / total)
        elapsed = time.perf_counter() - started
        rate = done / elapsed if elapsed else 0
        print(
            f"\r[{'#' * filled}{'.' * (width - filled)}] {done:,}/{total:,} "
            f"{kind:<9} {rate:,.0f}/s",
            end="",
            flush=True,
            file=sys.stderr,
        )

    counts = rebuild(progress=progress)
    elapsed = time.perf_counter() - started
    print(file=sys.stderr)
    summary = ", ".join(f"{n:,} {kind}" for kind, n in counts.items())
    print(f"Search index rebuilt in {elapsed:.1f} s: {summary}")
    return 0


def cmd_audit(args: argparse.Namespace) -> int:
    """``perno audit verify``: walk the hash chain of the audit trail; exit 1 when an
    entry was altered or removed."""
    _data_dir(args.data_dir)
    _setup()
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
    _data_dir(args.data_dir)
    _setup()
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
    _data_dir(args.data_dir)
    _setup()
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


def cmd_import(args: argparse.Namespace) -> int:
    """``perno import orders FILE.csv [--all-or-nothing]``."""
    path = Path(args.file)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        print(f"perno: cannot read {path}: {exc} (a UTF-8 CSV file is expected)", file=sys.stderr)
        return 2
    _data_dir(args.data_dir)
    _setup()
    from perno.imports.orders import ImportError_, import_orders

    try:
        result = import_orders(
            actor=None, text=text, source_name=path.name, all_or_nothing=args.all_or_nothing
        )
    except ImportError_ as exc:
        print(f"perno: {exc}", file=sys.stderr)
        return 2
    for line, reason in result.errors:
        print(f"{path.name}, line {line}: {reason}", file=sys.stderr)
    if not result.written:
        print(
            f"Nothing imported: {len(result.errors):,} bad row(s) and --all-or-nothing.",
            file=sys.stderr,
        )
        return 1
    print(
        f"{result.imported:,} orders imported, {result.skipped:,} already known (skipped), "
        f"{result.customers_created:,} new customers, {len(result.errors):,} bad rows."
    )
    return 1 if result.errors else 0


def cmd_analytics(args: argparse.Namespace) -> int:
    """``perno analytics refresh [--as-of YYYY-MM-DD]`` and ``perno analytics clv --json``."""
    import json
    from datetime import date

    as_of = None
    if getattr(args, "as_of", None):
        try:
            as_of = date.fromisoformat(args.as_of)
        except ValueError:
            print(f"perno: --as-of {args.as_of!r} is not a date: use YYYY-MM-DD", file=sys.stderr)
            return 2
    _data_dir(args.data_dir)
    _setup()
    from perno.analytics import refresh

    if args.analytics_command == "clv":
        snapshot = refresh.latest()
        if snapshot is None:
            print(
                "perno: no completed analytics snapshot: run `perno analytics refresh`",
                file=sys.stderr,
            )
            return 1
        report = refresh.clv_report(snapshot)
        if args.json:
            print(json.dumps(report, indent=2))
        else:
            for key, value in report.items():
                print(f"{key}: {value}")
        return 0

    def echo(step: str, percent: int) -> None:
        print(f"[{percent:3d} %] {step}", flush=True)

    try:
        snapshot = refresh.refresh(as_of, echo=echo)
    except refresh.RefreshRefused as exc:
        print(f"perno: {exc}", file=sys.stderr)
        return 1
    if snapshot.status != snapshot.Status.DONE:
        print(
            f"perno: the analytics refresh failed, the previous snapshot stays current: {snapshot.error}",
            file=sys.stderr,
        )
        return 1
    results = snapshot.results
    print(
        f"Snapshot {snapshot.pk} as of {snapshot.as_of}: {snapshot.customers:,} customers, "
        f"{snapshot.orders:,} orders in {snapshot.currency}"
        + (
            f" ({snapshot.other_currency_orders:,} orders in other currencies left out)"
            if snapshot.other_currency_orders
            else ""
        )
        + "."
    )
    if results.get("clv_note"):
        print(f"Lifetime value not computed: {results['clv_note']}")
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    """``perno backup DEST``: the database, the files and a manifest of checksums."""
    _data_dir(args.data_dir)
    _setup()
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
    _data_dir(args.data_dir)
    _setup()
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


def cmd_manage(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", DEFAULT_SETTINGS)
    from django.core.management import execute_from_command_line

    execute_from_command_line(["perno manage", *argv])
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="perno", description="Perno CRM")
    sub = parser.add_subparsers(dest="command", required=True)

    def common(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument("--data-dir", help="data directory (default: $PERNO_DATA_DIR or ./var)")
        return p

    demo = common(sub.add_parser("demo", help="migrate, load demo data and serve on SQLite"))
    demo.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--workers", type=int, default=2)
    demo.set_defaults(func=cmd_demo)
    serve = common(sub.add_parser("serve", help="serve the web UI and API with gunicorn"))
    serve.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--workers", type=int, default=int(os.environ.get("PERNO_WEB_WORKERS", "2")))
    serve.set_defaults(func=cmd_serve)
    worker = common(sub.add_parser("worker", help="run a Celery worker (needs PERNO_REDIS_URL)"))
    worker.add_argument("--concurrency", type=int, default=2)
    worker.add_argument(
        "--beat", action="store_true", help="also run the periodic scheduler in this worker"
    )
    worker.add_argument("--loglevel", default="info")
    worker.set_defaults(func=cmd_worker)
    sub.add_parser("scheduler", help=argparse.SUPPRESS).set_defaults(func=cmd_scheduler)
    common(sub.add_parser("migrate", help="create or update the database tables")).set_defaults(
        func=cmd_migrate
    )
    seed = common(sub.add_parser("seed", help="bulk-generate Italian and Romanian test data"))
    seed.add_argument("--companies", type=int, default=200)
    seed.add_argument("--contacts", type=int, default=1000)
    seed.add_argument("--deals", type=int, default=300)
    seed.add_argument("--activities", type=int, default=2000)
    seed.add_argument("--comments", type=int, default=0)
    seed.add_argument("--seed", type=int, default=42, help="random seed (same seed, same data)")
    seed.set_defaults(func=cmd_seed)
    user = sub.add_parser("user", help="manage users")
    user_sub = user.add_subparsers(dest="user_command", required=True)
    create = common(user_sub.add_parser("create", help="create a user"))
    create.add_argument("name")
    create.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    create.add_argument(
        "--role",
        action="append",
        help="role code (repeatable): administrator, manager, sales, support, marketing, dpo, auditor",
    )
    create.add_argument("--team")
    create.add_argument("--email")
    create.set_defaults(func=cmd_user)
    token = sub.add_parser("token", help="manage API tokens")
    token_sub = token.add_subparsers(dest="token_command", required=True)
    tcreate = common(
        token_sub.add_parser("create", help="create an API token for a user and print it")
    )
    tcreate.add_argument("name", help="user name")
    tcreate.add_argument("--label", help="what the token is for")
    tcreate.add_argument("--days", type=int, default=90, help="days until it expires (1-365)")
    tcreate.add_argument(
        "--scope", choices=["read", "write"], default="read", help="read only, or read and write"
    )
    tcreate.set_defaults(func=cmd_token)
    search = sub.add_parser("search", help="search index maintenance")
    search_sub = search.add_subparsers(dest="search_command", required=True)
    common(
        search_sub.add_parser(
            "rebuild", help="rebuild the whole search index (safe while users work)"
        )
    ).set_defaults(func=cmd_search)
    audit = sub.add_parser("audit", help="audit trail checks")
    audit_sub = audit.add_subparsers(dest="audit_command", required=True)
    common(
        audit_sub.add_parser(
            "verify", help="check that no audit entry was altered or removed (exit 1 if so)"
        )
    ).set_defaults(func=cmd_audit)
    privacy = sub.add_parser("privacy", help="privacy jobs")
    privacy_sub = privacy.add_subparsers(dest="privacy_command", required=True)
    retention = common(
        privacy_sub.add_parser(
            "retention", help="delete or anonymize personal data past its retention period"
        )
    )
    retention.add_argument("--dry-run", action="store_true", help="only report what would be done")
    retention.set_defaults(func=cmd_privacy)
    import_cmd = sub.add_parser("import", help="import data from files")
    import_sub = import_cmd.add_subparsers(dest="import_command", required=True)
    orders_cmd = common(
        import_sub.add_parser(
            "orders",
            help="orders from CSV: customer_id,date,amount[,currency,order_id] (header line)",
        )
    )
    orders_cmd.add_argument("file", help="a UTF-8 CSV file")
    orders_cmd.add_argument(
        "--all-or-nothing",
        action="store_true",
        help="import nothing when a row is bad (default: import the good rows)",
    )
    orders_cmd.set_defaults(func=cmd_import)
    keys_cmd = sub.add_parser("keys", help="encryption keys of the fields marked sensitive")
    keys_sub = keys_cmd.add_subparsers(dest="keys_command", required=True)
    generate = keys_sub.add_parser("generate", help="print a new key for PERNO_ENCRYPTION_KEYS")
    generate.add_argument("id", help="its id, e.g. 2026a (letters, digits, - or _)")
    generate.set_defaults(func=cmd_keys)
    common(
        keys_sub.add_parser("status", help="keys configured, fields marked, values per key")
    ).set_defaults(func=cmd_keys)
    common(
        keys_sub.add_parser(
            "rotate", help="re-encrypt every sensitive value under the current (first) key"
        )
    ).set_defaults(func=cmd_keys)
    analytics_cmd = sub.add_parser("analytics", help="customer analytics (RFM, lifetime value...)")
    analytics_sub = analytics_cmd.add_subparsers(dest="analytics_command", required=True)
    refresh_cmd = common(
        analytics_sub.add_parser("refresh", help="recompute every model from the stored orders")
    )
    refresh_cmd.add_argument(
        "--as-of", help="use the orders up to this date, YYYY-MM-DD (default: today)"
    )
    refresh_cmd.set_defaults(func=cmd_analytics)
    clv_cmd = common(
        analytics_sub.add_parser(
            "clv", help="the fitted lifetime-value models of the latest snapshot"
        )
    )
    clv_cmd.add_argument("--json", action="store_true", help="print JSON")
    clv_cmd.set_defaults(func=cmd_analytics)
    backup_cmd = common(sub.add_parser("backup", help="back up the database and the files"))
    backup_cmd.add_argument("dest", help="a new, empty directory")
    backup_cmd.set_defaults(func=cmd_backup)
    restore_cmd = common(
        sub.add_parser("restore", help="restore a backup, then replay the erasure ledger")
    )
    restore_cmd.add_argument("src", help="a directory written by perno backup")
    restore_cmd.add_argument("--yes", action="store_true", help="replace the current data")
    restore_cmd.set_defaults(func=cmd_restore)
    sub.add_parser("manage", help="run a Django management command", add_help=False)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["manage"]:
        return cmd_manage(argv[1:])
    args = build_parser().parse_args(argv)
    if getattr(args, "days", None) == 0:
        args.days = None
    from django.core.exceptions import ImproperlyConfigured

    try:
        return int(args.func(args) or 0)
    except ImproperlyConfigured as exc:
        print(f"perno: configuration error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
