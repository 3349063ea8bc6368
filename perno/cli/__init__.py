"""The `perno` command: demo, serve, worker, migrate, seed, user, token, search, audit,
privacy, keys, import, analytics, backup, restore, manage.

The parser and ``main`` are here, the commands in the modules of this package; every
module imports only the standard library at the top and sets Django up in the command
that runs, so `perno --help` and `perno demo` work before settings exist."""

from __future__ import annotations

import argparse
import os
import sys

from perno.cli.accounts import cmd_token, cmd_user
from perno.cli.data import (
    ENTITY_COMMANDS,
    cmd_analytics,
    cmd_import,
    cmd_import_records,
    cmd_search,
    cmd_seed,
)
from perno.cli.environment import DEFAULT_SETTINGS
from perno.cli.privacy import cmd_audit, cmd_backup, cmd_keys, cmd_privacy, cmd_restore
from perno.cli.server import cmd_demo, cmd_migrate, cmd_scheduler, cmd_serve, cmd_worker


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
    for plural, singular in ENTITY_COMMANDS.items():
        entity_cmd = common(
            import_sub.add_parser(
                plural, help=f"{plural} from CSV, XLSX or vCard (columns mapped to fields)"
            )
        )
        entity_cmd.add_argument(
            "file", help="a CSV (any delimiter and encoding), XLSX or vCard file"
        )
        entity_cmd.add_argument("--as", dest="username", required=True, help="the importing user")
        entity_cmd.add_argument("--mapping", help="a mapping the user saved, by name")
        entity_cmd.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="COLUMN=FIELD",
            help="map a column to a field (repeat; FIELD empty: leave the column out)",
        )
        entity_cmd.add_argument(
            "--on-duplicate",
            choices=["skip", "update", "create"],
            default="skip",
            help="what to do with rows that match a stored record (default: skip)",
        )
        entity_cmd.add_argument(
            "--all-or-nothing",
            action="store_true",
            help="import nothing when a row is bad (default: import the good rows)",
        )
        entity_cmd.add_argument("--bad-rows", help="write the refused rows (CSV) to this file")
        entity_cmd.set_defaults(func=cmd_import_records, entity=singular)
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
