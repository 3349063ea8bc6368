"""Benchmark of list and detail pages at scale (not a test).

Seeds N contacts (with companies, deals and activities) into PostgreSQL and SQLite, then
prints p50/p95 server-side time for the contact list (first page sorted by name, page
1,000, filtered by owner), the contact detail page, the API list and the API detail, and
the seed rate. Each engine runs in its own process.

    python bench/lists.py                      # 100,000 contacts, both engines
    python bench/lists.py --contacts 1000000   # the 1M target
    python bench/lists.py --engines postgres --reuse   # measure again without re-seeding
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = os.environ.get("PERNO_BENCH_PG_ADMIN", "postgres://postgres@127.0.0.1:5432/postgres")
PG_DB = "perno_bench"


def engine_url(engine: str, workdir: Path) -> str:
    if engine == "postgres":
        return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + PG_DB
    return f"sqlite:///{workdir / 'bench.sqlite3'}"


def reset_database(engine: str, workdir: Path) -> None:
    if engine == "postgres":
        import psycopg

        with psycopg.connect(
            PG_ADMIN_URL.replace("postgres://", "postgresql://"), autocommit=True
        ) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {PG_DB}")
    else:
        for suffix in ("", "-wal", "-shm"):
            (workdir / f"bench.sqlite3{suffix}").unlink(missing_ok=True)


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def child(args: argparse.Namespace) -> None:
    """Runs inside the engine's own process: seed, then measure."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from perno.accounts.models import User
    from perno.accounts.services import roles_ensure_defaults, token_create, user_create
    from perno.contacts.models import Contact
    from perno.seed.generator import seed

    result: dict[str, object] = {"engine": args.engine, "contacts": args.contacts}
    if not args.reuse:
        call_command("migrate", verbosity=0)
        roles_ensure_defaults()
        users = [
            user_create(
                username=f"rep{i}",
                password=secrets.token_urlsafe(16),
                roles=["sales"],
                team=f"Team {i % 3}",
                check_password=False,
            )
            for i in range(12)
        ]
        n = args.contacts
        phases: dict[str, float] = {}
        started = time.perf_counter()

        def lap(what: str, _count: int) -> None:
            phases[what] = time.perf_counter() - started

        counts = seed(
            companies=n // 5,
            contacts=n,
            deals=n // 4,
            activities=n,
            comments=0,
            seed_value=1,
            users=users,
            progress=lap,
        )
        seconds = time.perf_counter() - started
        result.update(
            seed_seconds=round(seconds, 1),
            seed_rows=counts.rows_with_links,
            rows_per_second=round(counts.rows_with_links / seconds),
            contacts_per_second=round(n / seconds),
            contact_phase_per_second=round(n / (phases["contacts"] - phases["companies"])),
        )
        with connection.cursor() as cursor:
            # What autovacuum does on a live system: statistics and the visibility map.
            cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    user = User.objects.filter(username="rep0").first()
    assert user is not None, "no seeded data: run without --reuse first"
    token = token_create(user=user, name="bench")[1]
    client = Client()
    client.force_login(user)
    max_id = Contact.objects.order_by("-pk").values_list("pk", flat=True).first()
    min_id = Contact.objects.order_by("pk").values_list("pk", flat=True).first()
    rng = random.Random(3)
    owner = User.objects.filter(username="rep3").values_list("pk", flat=True).first()
    auth = {"Authorization": f"Bearer {token}"}
    cases = {
        "contact list, page 1 by name": lambda: client.get("/contacts/?sort=name"),
        "contact list, page 1,000 by name": lambda: client.get("/contacts/?sort=name&page=1000"),
        "contact list, filtered by owner": lambda: client.get(
            f"/contacts/?sort=name&owner={owner}"
        ),
        "contact detail page": lambda: client.get(f"/contacts/{rng.randint(min_id, max_id)}/"),
        "API contact list": lambda: client.get("/api/v1/contacts?sort=name", headers=auth),
        "API contact detail": lambda: client.get(
            f"/api/v1/contacts/{rng.randint(min_id, max_id)}", headers=auth
        ),
    }
    timings: dict[str, dict[str, float]] = {}
    for name, call in cases.items():
        for _ in range(5):
            assert call().status_code == 200, name
        samples = []
        for _ in range(args.requests):
            started = time.perf_counter()
            response = call()
            samples.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (name, response.status_code)
        timings[name] = {
            "p50": round(statistics.median(samples), 1),
            "p95": round(percentile(samples, 95), 1),
        }
    result["timings"] = timings
    print("RESULT " + json.dumps(result))


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--engines", default="postgres,sqlite")
    parser.add_argument("--requests", type=int, default=60, help="measured requests per page")
    parser.add_argument(
        "--reuse", action="store_true", help="keep the seeded database and measure again"
    )
    parser.add_argument("--engine", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.engine:
        child(args)
        return 0
    workdir = Path(os.environ.get("PERNO_BENCH_DIR", Path(tempfile.gettempdir()) / "perno-bench"))
    workdir.mkdir(parents=True, exist_ok=True)
    results = []
    for engine in args.engines.split(","):
        if not args.reuse:
            reset_database(engine, workdir)
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "perno.config.settings.prod",
            "PERNO_SECRET_KEY": secrets.token_urlsafe(40),
            "PERNO_DATABASE_URL": engine_url(engine, workdir),
            "PERNO_DATA_DIR": str(workdir),
            "PERNO_ALLOWED_HOSTS": "testserver,127.0.0.1",
            "PERNO_LOG_LEVEL": "ERROR",
        }
        env.pop("PERNO_REDIS_URL", None)
        command = [
            sys.executable,
            __file__,
            "--engine",
            engine,
            "--contacts",
            str(args.contacts),
            "--requests",
            str(args.requests),
        ] + (["--reuse"] if args.reuse else [])
        print(f"== {engine}: {args.contacts:,} contacts …", flush=True)
        process = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True)
        lines = [line for line in process.stdout.splitlines() if line.startswith("RESULT ")]
        if process.returncode != 0 or not lines:
            print(process.stdout[-2000:], process.stderr[-4000:], file=sys.stderr)
            return 1
        result = json.loads(lines[-1][7:])
        results.append(result)
        if "seed_seconds" in result:
            print(
                f"   seeded {result['seed_rows']:,} rows in {result['seed_seconds']} s: "
                f"{result['rows_per_second']:,} rows/s; {result['contacts_per_second']:,} contacts/s over the "
                f"whole seed, {result['contact_phase_per_second']:,} contacts/s while inserting the contacts "
                "(with their company links)"
            )
        print(f"   {'page':<36}{'p50 ms':>9}{'p95 ms':>9}")
        for name, timing in result["timings"].items():
            print(f"   {name:<36}{timing['p50']:>9}{timing['p95']:>9}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
