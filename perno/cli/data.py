"""`perno seed`, `search rebuild`, `import orders|<records>` and `analytics refresh|clv`."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from perno.cli.environment import prepare_data_dir, setup_django


def cmd_seed(args: argparse.Namespace) -> int:
    prepare_data_dir(args.data_dir)
    setup_django()
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


def cmd_search(args: argparse.Namespace) -> int:
    """``perno search rebuild``: re-create the search index with a progress bar."""
    prepare_data_dir(args.data_dir)
    setup_django()
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


def cmd_import(args: argparse.Namespace) -> int:
    """``perno import orders FILE.csv [--all-or-nothing]``."""
    path = Path(args.file)
    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8")
    except OSError as exc:
        print(f"perno: cannot read {path}: {exc}", file=sys.stderr)
        return 2
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        print(
            f"perno: {path.name}, line {line}: not UTF-8 text (byte {raw[exc.start]:#04x}); "
            "save the file as UTF-8 CSV and import it again. Nothing imported.",
            file=sys.stderr,
        )
        return 2
    prepare_data_dir(args.data_dir)
    setup_django()
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


ENTITY_COMMANDS = {
    "companies": "company",
    "contacts": "contact",
    "leads": "lead",
    "deals": "deal",
    "products": "product",
    "activities": "activity",
}


def _mapping(
    args: argparse.Namespace, job: Any, user: Any
) -> tuple[dict[str, str | None], dict[str, Any]] | None:
    """The mapping and formats the options ask for: a saved mapping (with its date and
    number formats) or the suggestion, then ``--map``."""
    from django.http import Http404

    from perno.imports.selectors import mapping_get
    from perno.imports.services import mapping_apply

    overrides: dict[str, str | None] = {}
    for item in args.map:
        column, sep, field = item.partition("=")
        if not sep or column not in job.headers:
            print(
                f"perno: --map {item}: write COLUMN=FIELD with a column of the file "
                f"({', '.join(job.headers)}).",
                file=sys.stderr,
            )
            return None
        overrides[column] = field.strip() or None
    if not args.mapping:
        return {**job.mapping, **overrides}, {}
    try:
        saved = mapping_get(user=user, entity=job.entity, name=args.mapping)
    except Http404:
        print(f"perno: no saved mapping “{args.mapping}” for {job.entity}.", file=sys.stderr)
        return None
    return mapping_apply(saved, list(job.headers), overrides)


def cmd_import_records(args: argparse.Namespace) -> int:
    """``perno import <records> FILE --as USER [--mapping NAME] [--map COL=FIELD ...]
    [--on-duplicate skip|update|create] [--all-or-nothing] [--bad-rows FILE]``: the
    same engine, checks and rights as the import wizard."""
    path = Path(args.file)
    try:
        content = path.read_bytes()
    except OSError as exc:
        print(f"perno: cannot read {path}: {exc}", file=sys.stderr)
        return 2
    prepare_data_dir(args.data_dir)
    setup_django()
    from django.contrib.auth import get_user_model
    from django.core.exceptions import PermissionDenied, ValidationError

    from perno.audit import trail
    from perno.audit.models import AuditEvent
    from perno.imports import engine, services
    from perno.imports.models import ImportJob

    user = get_user_model().objects.filter(username=args.username, is_active=True).first()
    if user is None:
        print(f"perno: no active user “{args.username}”.", file=sys.stderr)
        return 2
    try:
        with trail.origin(AuditEvent.Channel.CLI):
            job = services.import_upload(
                actor=user, entity=args.entity, name=path.name, content=content
            )
            chosen = _mapping(args, job, user)
            if chosen is None:
                return 2
            mapping, formats = chosen
            job = services.import_map(actor=user, job=job, mapping=mapping, formats=formats)
            job = services.import_decide(actor=user, job=job, default=args.on_duplicate)
            services.import_start(actor=user, job=job, all_or_nothing=args.all_or_nothing)
    except (ValidationError, PermissionDenied) as exc:
        messages = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
        for message in messages:
            print(f"perno: {message}", file=sys.stderr)
        print("Nothing imported.", file=sys.stderr)
        return 2
    # Run here rather than wait for a worker: only a queued job is run, so a worker that
    # took it first is not run twice.
    engine.run_import(job.pk)
    job = ImportJob.objects.get(pk=job.pk)
    if job.status in (ImportJob.Status.QUEUED, ImportJob.Status.RUNNING):
        print(f"Import {job.pk} is being run by a worker: `perno` shows it in the web UI.")
        return 0
    if job.errors_path and args.bad_rows:
        Path(args.bad_rows).write_bytes(services.bad_rows_csv(job))
    if job.status == ImportJob.Status.FAILED:
        print(f"perno: {job.message}", file=sys.stderr)
        return 1
    print(
        f"Import {job.pk}: {job.created:,} created, {job.updated:,} updated, "
        f"{job.skipped:,} skipped, {job.failed:,} refused"
        + (f" (written to {args.bad_rows})" if job.failed and args.bad_rows else "")
        + ". It can be undone for 30 days."
    )
    return 1 if job.failed else 0


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
    prepare_data_dir(args.data_dir)
    setup_django()
    from perno.analytics import refresh
    from perno.core.inputs import moment_problem

    problem = moment_problem(as_of)
    if problem:
        print(f"perno: --as-of {args.as_of}: {problem}", file=sys.stderr)
        return 2

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
