"""Speed of importing contacts from CSV (not a test), search index included.

Generates a CSV of N contacts with Faker (it_IT and ro_RO: first and last name, e-mail,
phone, job title, city and street; default 100,000), then imports it as a user would:
``import_upload`` (read the file, suggest the mapping), ``import_map`` and
``import_start`` (the task runs in process: reading and checking every cell, duplicates
against the stored contacts and within the file, then one transaction writing the
contacts, addresses, change history, data sources and the search index). Prints rows,
seconds and rows/s per engine; the targets are 20,000 rows/s on PostgreSQL and 10,000 on
SQLite.

    python bench/imports.py                                  # both engines, 100,000 rows
    python bench/imports.py --engines sqlite --rows 10000    # a quick look
    python bench/imports.py --profile                        # cProfile to a file
    PERNO_BENCH_PG_DB=b3 python bench/imports.py             # another PostgreSQL database
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import io
import json
import os
import pstats
import random
import sys
import time
import unicodedata
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from search_common import each_engine, engine_parser

TARGETS = {"postgres": 20_000, "sqlite": 10_000}


def make_csv(rows: int, seed: int = 7) -> bytes:
    """The file: names, e-mail, phone, job title, city and street, from Faker pools."""
    from faker import Faker

    rng = random.Random(seed)
    pools = {}
    # Mobile numbers in ranges phonenumbers holds valid: Italian 3xx xxxxxxx, Romanian
    # 7x xxxxxxx.
    mobiles = {
        "it_IT": ("+39 320", "+39 331", "+39 345", "+39 366", "+39 380", "+39 392"),
        "ro_RO": ("+40 72", "+40 74", "+40 75", "+40 76"),
    }
    for locale, prefix in mobiles.items():
        fake = Faker(locale)
        fake.seed_instance(seed)
        pools[locale] = (
            [fake.first_name() for _ in range(500)],
            [fake.last_name() for _ in range(1000)],
            [fake.city() for _ in range(300)],
            [fake.street_address() for _ in range(2000)],
            [fake.job() for _ in range(200)],
            prefix,
        )
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["First name", "Last name", "E-mail", "Mobile", "Job title", "City", "Street"])
    for i in range(rows):
        firsts, lasts, cities, streets, jobs, prefix = pools[
            "it_IT" if rng.random() < 0.6 else "ro_RO"
        ]
        first, last = rng.choice(firsts), rng.choice(lasts)
        bare = unicodedata.normalize("NFKD", f"{first}.{last}".lower())
        slug = "".join(ch for ch in bare if ch.isascii() and (ch.isalnum() or ch == "."))
        writer.writerow(
            [
                first,
                last,
                f"{slug}{i}@example.com",
                f"{rng.choice(prefix)} {rng.randrange(1_000_000, 9_999_999)}",
                rng.choice(jobs)[:100],
                rng.choice(cities),
                rng.choice(streets)[:200],
            ]
        )
    return out.getvalue().encode("utf-8")


def child(args: argparse.Namespace) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.urls import reverse

    from perno.accounts.services import roles_ensure_defaults, user_create
    from perno.contacts.models import Contact
    from perno.imports import services
    from perno.imports.models import ImportJob
    from perno.search.models import SearchEntry

    call_command("migrate", verbosity=0)
    roles_ensure_defaults()
    user = user_create(
        username="importer",
        password="bench-password-2026",
        roles=["sales"],
        team="Import",
        check_password=False,
    )
    # A running server or worker has its URL configuration loaded (the search index
    # builds record links with it): load it before the clock starts.
    reverse("contacts:contact_detail", args=[1])
    started = time.perf_counter()
    content = make_csv(args.rows)
    generated = time.perf_counter() - started
    profiler = cProfile.Profile() if args.profile else None
    if profiler:
        profiler.enable()
    started = time.perf_counter()
    job = services.import_upload(actor=user, entity="contact", name="bench.csv", content=content)
    uploaded = time.perf_counter() - started
    job = services.import_map(actor=user, job=job, mapping=job.mapping)
    services.import_start(actor=user, job=job)  # eager: runs here, after the commit
    seconds = time.perf_counter() - started
    if profiler:
        profiler.disable()
    job = ImportJob.objects.get(pk=job.pk)
    result: dict[str, object] = {
        "engine": args.engine,
        "rows": args.rows,
        "generate_s": generated,
        "upload_s": uploaded,
        "seconds": seconds,
        "status": job.status,
        "created": job.created,
        "failed": job.failed,
        "message": job.message,
        "contacts": Contact.objects.count(),
        "entries": SearchEntry.objects.filter(kind="contact").count(),
        "reasons": _reasons(services.bad_rows_csv(job)) if job.failed else {},
    }
    if profiler:
        path = Path(os.environ["PERNO_DATA_DIR"]) / f"imports-profile-{args.engine}.txt"
        with path.open("w") as out:
            stats = pstats.Stats(profiler, stream=out)
            stats.sort_stats("cumulative").print_stats(60)
            stats.sort_stats("tottime").print_stats(40)
        result["profile"] = str(path)
    print(json.dumps(result))


def _reasons(bad: bytes) -> dict[str, int]:
    """The most frequent reasons rows were refused (names and values cut off)."""
    rows = list(csv.reader(io.StringIO(bad.decode("utf-8-sig"))))[1:]
    found = Counter(row[-1].split(":")[0] + ": " + row[-1][-60:] for row in rows if row)
    return dict(found.most_common(3))


def report(result: dict) -> None:
    engine, rows, seconds = result["engine"], int(result["rows"]), float(result["seconds"])
    rate = rows / seconds
    verdict = "meets" if rate >= TARGETS[engine] else "below"
    print(
        f"{engine}: {rows:,} rows {seconds:.2f} s {rate:,.0f} rows/s "
        f"({verdict} the target of {TARGETS[engine]:,}); reading the file {result['upload_s']:.2f} s; "
        f"{result['status']}: {result['created']:,} created, {result['failed']:,} refused; "
        f"{result['contacts']:,} contacts, {result['entries']:,} index entries"
    )
    for reason, count in result.get("reasons", {}).items():
        print(f"{engine}: {count:,} refused: {reason}")
    if result.get("message"):
        print(f"{engine}: {result['message']}")
    if "profile" in result:
        print(f"{engine}: profile in {result['profile']}")


def main() -> int:
    parser = engine_parser(__doc__, "postgres,sqlite", "sqlite")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--profile", action="store_true", help="cProfile the import (to a file)")
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL database")
    args = parser.parse_args()
    if args.child:
        child(args)
        return 0
    arguments = ["--rows", str(args.rows)] + ["--profile"] * args.profile
    runs = each_engine(
        __file__, args.engines, "perno-imports", lambda _e: arguments, keep=args.keep
    )
    for _engine, result in runs:
        if result is None:
            return 1
        report(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
