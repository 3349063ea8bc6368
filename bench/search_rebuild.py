"""Speed of building the search index in bulk (not a test).

Seeds records for about N index entries (default 1,000,000 on PostgreSQL, 100,000 on
SQLite: 40% contacts, 10% companies, 15% deals, 20% activities, 10% comments, 5% leads
left out as in bench/search_speed.py) without indexing them, then times

- ``perno.search.indexer.rebuild()``: the whole index, as ``perno search rebuild`` does;
- ``perno.search.indexer.reindex("contact", ids)`` of a batch of freshly created
  contacts (default 100,000) in one transaction, as an import or a merge does.

and prints records, seconds and records/s for each.

    python bench/search_rebuild.py                                  # both engines, full scale
    python bench/search_rebuild.py --engines postgres --entries 100000 --keep
    python bench/search_rebuild.py --engines postgres --reuse --profile   # cProfile the rebuild
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from search_common import each_engine, engine_parser, seed_index_mix

DEFAULT_ENTRIES = {"postgres": 1_000_000, "sqlite": 100_000}


def seed_records(entries: int) -> float:
    return seed_index_mix(entries)[1]


def child(args: argparse.Namespace) -> None:
    import django

    django.setup()
    from django.db import connection, transaction

    from perno.contacts.models import Contact
    from perno.search import indexer

    result: dict[str, float | int | str] = {"engine": args.engine}
    if not args.reuse:
        result["seed_s"] = seed_records(args.entries)
    profiler = cProfile.Profile() if args.profile else None
    started = time.perf_counter()
    if profiler:
        profiler.enable()
    counts = indexer.rebuild()
    if profiler:
        profiler.disable()
    result["rebuild_s"] = time.perf_counter() - started
    result["rebuild_records"] = sum(counts.values())
    ids = list(Contact.objects.order_by("-pk").values_list("pk", flat=True)[: args.batch])
    started = time.perf_counter()
    with transaction.atomic():
        indexer.reindex("contact", ids)
    result["reindex_s"] = time.perf_counter() - started
    result["reindex_records"] = len(ids)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM search_entry")
        result["entries"] = int(cursor.fetchone()[0])
    if profiler:
        path = Path(os.environ["PERNO_DATA_DIR"]) / f"rebuild-profile-{args.engine}.txt"
        with path.open("w") as out:
            stats = pstats.Stats(profiler, stream=out)
            stats.sort_stats("cumulative").print_stats(45)
            stats.sort_stats("tottime").print_stats(30)
        result["profile"] = str(path)
    print(json.dumps(result))


def report(result: dict) -> None:
    engine = result["engine"]
    if "seed_s" in result:
        print(f"{engine}: seeded in {result['seed_s']:.1f} s")
    for what in ("rebuild", "reindex"):
        records, seconds = int(result[f"{what}_records"]), float(result[f"{what}_s"])
        print(
            f"{engine}: {what:<8} {records:>9,} records {seconds:8.1f} s "
            f"{records / seconds:>10,.0f} records/s"
        )
    print(f"{engine}: {int(result['entries']):,} entries in the index")
    if "profile" in result:
        print(f"{engine}: profile of the rebuild in {result['profile']}")


def main() -> int:
    parser = engine_parser(__doc__, "postgres,sqlite", "sqlite")
    parser.add_argument("--entries", type=int, help="default: 1,000,000 (PG), 100,000 (SQLite)")
    parser.add_argument("--batch", type=int, default=100_000, help="records reindexed at once")
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL database")
    parser.add_argument("--reuse", action="store_true", help="measure the kept data again")
    parser.add_argument("--profile", action="store_true", help="cProfile the rebuild (to a file)")
    args = parser.parse_args()
    if args.child:
        child(args)
        return 0

    def arguments(engine: str) -> list[str]:
        sizes = [
            "--entries",
            str(args.entries or DEFAULT_ENTRIES[engine]),
            "--batch",
            str(args.batch),
        ]
        return sizes + ["--reuse"] * args.reuse + ["--profile"] * args.profile

    runs = each_engine(
        __file__, args.engines, "perno-rebuild", arguments, keep=args.keep, reuse=args.reuse
    )
    for _engine, result in runs:
        if result is None:
            return 1
        report(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
