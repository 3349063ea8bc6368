"""Speed of bulk changes (not a test): N contacts (default 10,000) changed at once
through the record services (validation, optimistic version, change history, search
index, audit trail per record), as the background task runs them.

Seeds N contacts with companies into a fresh database, builds the search index, then
times, for every contact ("every record matching the filter"):

- a change of owner;
- adding a tag;
- a delete;

and counts the statements per record on a 100-record selection and a 200-record one
(the same per record for both: no query grows with the selection beyond its records;
Django keeps the last 9,000 statements, so larger selections cannot be counted).

    python bench/bulk.py                            # 10,000 contacts, PostgreSQL
    python bench/bulk.py --contacts 1000 --engines sqlite,postgres
    PERNO_BENCH_PG_DB=b8 python bench/bulk.py       # a database of its own
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from search_common import each_engine, engine_parser


def child(args: argparse.Namespace) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from perno.accounts.services import roles_ensure_defaults, user_create
    from perno.contacts.models import Contact
    from perno.records.bulkedit import Selection, bulk_delete, bulk_update, parse_changes
    from perno.search.indexer import rebuild
    from perno.search.models import SearchEntry
    from perno.seed.generator import seed

    out: dict[str, object] = {"engine": args.engine, "contacts": args.contacts}
    call_command("migrate", verbosity=0)
    roles_ensure_defaults()
    admin = user_create(
        username="boss",
        password="bench-password-2026",
        roles=["administrator"],
        team="Team 0",
        check_password=False,
    )
    other = user_create(
        username="heir",
        password="bench-password-2026",
        roles=["sales"],
        team="Team 0",
        check_password=False,
    )
    seed(
        companies=args.contacts // 10,
        contacts=args.contacts,
        deals=0,
        activities=0,
        users=[admin, other],
        index=False,
    )
    rebuild()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    def timed(name: str, run: object) -> object:
        started = time.perf_counter()
        result = run()  # type: ignore[operator]
        seconds = time.perf_counter() - started
        out[f"{name}_s"] = round(seconds, 2)
        out[f"{name}_per_s"] = round(result.changed / seconds)  # type: ignore[attr-defined]
        out[f"{name}_changed"] = result.changed  # type: ignore[attr-defined]
        return result

    # Statements per record, on two sizes.
    ids = list(Contact.objects.order_by("pk").values_list("pk", flat=True))
    per_record = []
    for size, start in ((100, 0), (200, 100)):
        connection.queries_log.clear()  # it keeps 9,000 statements: room for each count
        with CaptureQueriesContext(connection) as statements:
            probe = bulk_update(
                actor=admin,
                subject="contact",
                selection=Selection(ids=ids[start : start + size]),
                changes=parse_changes("contact", {"add_tags": [f"probe-{size}"]}),
            )
        per_record.append(round(len(statements) / max(1, probe.changed), 2))
    out["statements_per_record_100_200"] = per_record

    everything = Selection(everything=True)
    timed(
        "owner",
        lambda: bulk_update(
            actor=admin,
            subject="contact",
            selection=everything,
            changes=parse_changes("contact", {"owner": other.pk}),
        ),
    )
    assert Contact.objects.exclude(owner=other).count() == 0
    assert SearchEntry.objects.filter(kind="contact").exclude(owner_id=other.pk).count() == 0
    timed(
        "tag",
        lambda: bulk_update(
            actor=admin,
            subject="contact",
            selection=everything,
            changes=parse_changes("contact", {"add_tags": ["fiera-2026"]}),
        ),
    )
    timed("delete", lambda: bulk_delete(actor=admin, subject="contact", selection=everything))
    assert not Contact.objects.exists()
    assert not SearchEntry.objects.filter(kind="contact").exists()
    print(json.dumps(out))


def main() -> int:
    parser = engine_parser(__doc__, "postgres", "postgres")
    parser.add_argument("--contacts", type=int, default=10_000)
    args = parser.parse_args()
    if args.child:
        child(args)
        return 0
    ok = True
    arguments = ["--contacts", str(args.contacts)]
    for _engine, result in each_engine(__file__, args.engines, "perno-bench", lambda _e: arguments):
        if result is None:
            ok = False
            continue
        print(json.dumps(result, indent=2))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
