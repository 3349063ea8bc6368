"""Benchmark of list and detail pages at scale (not a test).

Seeds N contacts (with companies, deals and activities) owned by 100 sales users in 50
teams (five regions of ten teams) into PostgreSQL and SQLite, then prints p50/p95
server-side time for the contact list (first page sorted by name, page 1,000, filtered by
owner), the contact detail page, the API list and the API detail, and the seed rate.
The "sales" rows are seen by a sales user whose role gives the team scope (a fiftieth of
the contacts), the "regional manager" rows by a manager of a region of ten teams; the
others by an administrator (all records). Each engine runs in its own process; the
PostgreSQL database (perno_bench) is dropped at the end unless --keep.

    python bench/lists.py                      # 100,000 contacts, both engines
    python bench/lists.py --contacts 1000000   # the 1M target
    python bench/lists.py --engines postgres --keep     # keep the data for --reuse
    python bench/lists.py --engines postgres --reuse --keep   # measure again, no re-seeding
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
# PERNO_BENCH_PG_DB: another database name, for benchmarks run side by side.
PG_DB = os.environ.get("PERNO_BENCH_PG_DB", "perno_bench")


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


def drop_database() -> None:
    import psycopg

    with psycopg.connect(
        PG_ADMIN_URL.replace("postgres://", "postgresql://"), autocommit=True
    ) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def logged_in(user: object) -> object:
    """A test client logged in as ``user``, past the second factor when the role needs it."""
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = Client()
    client.force_login(user)
    device, _created = TOTPDevice.objects.get_or_create(
        user=user, name="bench", defaults={"confirmed": True}
    )
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def child(args: argparse.Namespace) -> None:
    """Runs inside the engine's own process: seed, then measure."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from perno.accounts.models import User
    from perno.accounts.services import roles_ensure_defaults, token_create, user_create
    from perno.contacts.models import Contact
    from perno.seed.generator import seed

    result: dict[str, object] = {"engine": args.engine, "contacts": args.contacts}
    if not args.reuse:
        call_command("migrate", verbosity=0)
        roles_ensure_defaults()
        from perno.accounts.models import Team

        regions = [Team.objects.create(name=f"Region {r}") for r in range(5)]
        for t in range(50):
            Team.objects.create(name=f"Team {t}", parent=regions[t // 10])
        users = [
            user_create(
                username=f"rep{i}",
                password=secrets.token_urlsafe(16),
                roles=["sales"],
                team=f"Team {i % 50}",
                check_password=False,
            )
            for i in range(100)
        ]
        user_create(
            username="regional",
            password=secrets.token_urlsafe(16),
            roles=["manager"],
            team="Region 0",
            check_password=False,
        )
        user_create(
            username="boss",
            password=secrets.token_urlsafe(16),
            roles=["administrator"],
            check_password=False,
        )
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
            index=False,
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
    user = User.objects.filter(username="boss").first()
    assert user is not None, "no seeded data: run without --reuse first"
    token = token_create(user=user, name="bench")[1]
    client = logged_in(user)
    sales = User.objects.get(username="rep0")
    sales_client = logged_in(sales)
    sales_auth = {"Authorization": f"Bearer {token_create(user=sales, name='bench')[1]}"}
    regional_client = logged_in(User.objects.get(username="regional"))
    team_ids = list(
        Contact.objects.filter(team_id=sales.team_id).values_list("pk", flat=True)[:500]
    )
    max_id = Contact.objects.order_by("-pk").values_list("pk", flat=True).first()
    min_id = Contact.objects.order_by("pk").values_list("pk", flat=True).first()
    rng = random.Random(3)
    owner = User.objects.filter(username="rep3").values_list("pk", flat=True).first()
    auth = {"Authorization": f"Bearer {token}"}
    result["sales_visible"] = Contact.objects.filter(team_id=sales.team_id).count()
    cases = {
        "sales: contact list, page 1": lambda: sales_client.get("/contacts/?sort=name"),
        "sales: list count (loaded after the rows)": lambda: sales_client.get(
            "/contacts/?sort=name&count=1"
        ),
        "sales: contact list, page 100": lambda: sales_client.get("/contacts/?sort=name&page=100"),
        "sales: API contact list": lambda: sales_client.get(
            "/api/v1/contacts?sort=name", headers=sales_auth
        ),
        "sales: contact detail page": lambda: sales_client.get(
            f"/contacts/{rng.choice(team_ids)}/"
        ),
        "regional manager: contact list, page 1": lambda: regional_client.get(
            "/contacts/?sort=name"
        ),
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
    parser.add_argument(
        "--keep", action="store_true", help="keep the PostgreSQL database for --reuse"
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
            "PERNO_HTTPS": "false",  # the in-process client speaks plain HTTP
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
        print(f"   the sales user's team scope covers {result['sales_visible']:,} contacts")
        print(f"   {'page':<42}{'p50 ms':>9}{'p95 ms':>9}")
        for name, timing in result["timings"].items():
            print(f"   {name:<42}{timing['p50']:>9}{timing['p95']:>9}")
        if engine == "postgres" and not args.keep:
            drop_database()
            print(f"   dropped the {PG_DB} database")
    return 0


if __name__ == "__main__":
    sys.exit(main())
