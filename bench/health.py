"""Speed of the CRM health check at scale (not a test).

Seeds N contacts (with companies, deals and activities; 100 sales users in 50 teams, as
bench/lists.py) into its own PostgreSQL database (PERNO_BENCH_PG_DB, default
perno_bench_health) or SQLite, then prints p50/p95 of:

- the computation over every record (what the daily snapshot and "Recompute" run);
- the computation over a sales user's records (the team's: a fiftieth);
- the page for an administrator (reads the latest snapshot) and for a sales user
  (computes over what they see).

    python bench/health.py                          # 100,000 contacts, PostgreSQL
    python bench/health.py --contacts 1000000 --runs 3
    python bench/health.py --engines sqlite,postgres --contacts 20000
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("PERNO_BENCH_PG_DB", "perno_bench_health")
os.environ.setdefault("PERNO_ALLOWED_HOSTS", "testserver,127.0.0.1")
sys.path.insert(0, str(Path(__file__).resolve().parent))
from lists import drop_database, logged_in, percentile, reset_database
from search_common import run_child


def _timed(call, runs: int) -> dict[str, float]:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return {
        "p50_ms": round(statistics.median(samples), 1),
        "p95_ms": round(percentile(samples, 95), 1),
    }


def child(args: argparse.Namespace) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from perno.accounts.models import Team, User
    from perno.accounts.services import roles_ensure_defaults, user_create
    from perno.health.figures import compute
    from perno.health.services import snapshot_take
    from perno.seed.generator import seed

    call_command("migrate", verbosity=0)
    roles_ensure_defaults()
    for t in range(50):
        Team.objects.create(name=f"Team {t}")
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
    boss = user_create(
        username="boss",
        password=secrets.token_urlsafe(16),
        roles=["administrator"],
        check_password=False,
    )
    n = args.contacts
    started = time.perf_counter()
    seed(
        companies=n // 5,
        contacts=n,
        deals=n // 4,
        activities=n,
        comments=0,
        seed_value=1,
        users=users,
        index=False,
    )
    result: dict[str, object] = {
        "engine": args.engine,
        "contacts": n,
        "seed_s": round(time.perf_counter() - started, 1),
    }
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    sales = User.objects.get(username="rep0")
    figures = compute()
    result["score"] = figures["score"]
    result["figures"] = {
        subject: record["checks"] for subject, record in figures["records"].items()
    }
    boss_client, sales_client = logged_in(boss), logged_in(sales)
    snapshot_take()
    for client in (boss_client, sales_client):
        assert client.get("/health/").status_code == 200
    result["timings"] = {
        "computation, every record": _timed(compute, args.runs),
        "computation, a sales user's records": _timed(lambda: compute(user=sales), args.runs),
        "page, administrator (snapshot)": _timed(
            lambda: boss_client.get("/health/"), args.runs * 4
        ),
        "page, sales user (computed)": _timed(lambda: sales_client.get("/health/"), args.runs),
    }
    print(json.dumps(result))


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--engines", default="postgres")
    parser.add_argument("--engine", default="postgres")
    parser.add_argument("--child", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL database")
    args = parser.parse_args()
    if args.child:
        child(args)
        return 0
    failed = False
    with tempfile.TemporaryDirectory(prefix="perno-health-bench-") as tmp:
        workdir = Path(tmp)
        for engine in args.engines.split(","):
            reset_database(engine, workdir)
            arguments = ["--contacts", str(args.contacts), "--runs", str(args.runs)]
            out = run_child(__file__, engine, workdir, arguments)
            if out is None:
                failed = True
                continue
            print(f"\n{engine}: {out['contacts']:,} contacts (seeded in {out['seed_s']} s)")
            print(f"  score {out['score']}; figures {json.dumps(out['figures'])}")
            for name, timing in out["timings"].items():
                print(
                    f"  {name:<40} p50 {timing['p50_ms']:>9.1f} ms   p95 {timing['p95_ms']:>9.1f} ms"
                )
            if engine == "postgres" and not args.keep:
                drop_database()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
