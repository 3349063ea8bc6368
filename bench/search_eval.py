"""Relevance evaluation of the search (not a test).

Builds a corpus (seeded Italian and Romanian companies, contacts, deals, leads and
activities, plus documents with generated prose), samples targets, types a query for
each with realistic typos (substitution, deletion, insertion, transposition of
neighbouring keys; missing diacritics; the last word partly typed), replays it keystroke
by keystroke through the as-you-type search, and prints hit@1, hit@10, MRR@10 and the
zero-result rate at the last keystroke, overall and per number of typos, plus how many
keystrokes it took until a right answer showed in the top 10.

A result is right when it is the target or a record of the same type with the same
title (the user cannot tell two "Mario Rossi" apart), or, for words from a document,
another document with the same two words in a row.

Exact-name precision@10: typo matches must not crowd out exact ones. The names are the
contacts' surnames and the companies' names as stored; a name is eligible when at least
10 index entries (records, comments, document chunks: the evaluator, an administrator,
sees them all) hold every word of it whole, as the index has them (``exact_entries``:
the engine's own full-text match of the folded words, no prefix, no typo). For each
eligible name (up to ``--names``, sampled with a fixed seed) the name is typed as
stored, the last word open (no trailing space), and the first 10 hits are judged: a hit
is precise when its entry holds every word of the name whole (``holds_exact``); a
shorter list counts its missing places as imprecise. precision@10 is the mean over the
names of precise hits / 10, for the results page (a page of 20, its first 10), for the
suggestions (10) and for the results page sorted by last change (its first 10: there
the tiers do not order the hits, so only leaving typo matches out keeps it precise).

    python bench/search_eval.py                        # SQLite, 10,000 contacts, 600 queries
    python bench/search_eval.py --engines sqlite,postgres --queries 1000
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from lists import drop_database, reset_database
from search_common import run_child

TARGETS = {
    "hit@10": 0.98,
    "MRR@10": 0.92,
    "hit@10 (2 typos)": 0.93,
    "exact-name precision@10 (results)": 0.9,
    "exact-name precision@10 (suggestions)": 0.9,
    "exact-name precision@10 (recent)": 0.9,
}
PLACES = ("results", "suggestions", "recent")
PRECISION_AT = 10


def _exact_match(name: str) -> tuple[str, list]:
    """SQL over ``search_entry e`` (PostgreSQL) or ``search_fts f`` joined to it
    (SQLite): the entry holds every folded word of ``name`` whole."""
    from django.db import connection

    from perno.search.text import words

    tokens = sorted(set(words(name)))
    if connection.vendor == "postgresql":
        query = " & ".join("'" + t.replace("'", "''") + "'" for t in tokens)
        return "(e.tsv @@ %s::tsquery OR e.tsv_all @@ %s::tsquery)", [query, query]
    expression = " AND ".join('"' + t.replace('"', '""') + '"' for t in tokens)
    return "search_fts MATCH %s", [expression]


def _from() -> str:
    from django.db import connection

    if connection.vendor == "postgresql":
        return "search_entry e"
    return "search_fts f JOIN search_entry e ON e.id = f.rowid"


def exact_entries(name: str, cap: int) -> int:
    """How many index entries hold every word of ``name`` whole (up to ``cap``)."""
    from django.db import connection

    match, params = _exact_match(name)
    with connection.cursor() as cursor:
        # The table names and the MATCH condition are fixed SQL; the words are parameters.
        sql = f"SELECT count(*) FROM (SELECT 1 FROM {_from()} WHERE {match} LIMIT %s) x"  # nosec B608
        cursor.execute(sql, [*params, cap])
        return int(cursor.fetchone()[0])


def holds_exact(hit, name: str) -> bool:
    """Whether the entry of ``hit`` holds every word of ``name`` whole."""
    from django.db import connection

    match, params = _exact_match(name)
    with connection.cursor() as cursor:
        where = f"e.kind = %s AND e.object_id = %s AND e.chunk = %s AND {match}"
        # The table names and the MATCH condition are fixed SQL; the words are parameters.
        sql = f"SELECT EXISTS (SELECT 1 FROM {_from()} WHERE {where})"  # nosec B608
        cursor.execute(sql, [hit.type, hit.id, hit.chunk, *params])
        return bool(cursor.fetchone()[0])


def name_precision(admin, count: int, seed: int) -> list[dict]:
    """Exact-name precision@10 per eligible name (see the module's docstring)."""
    import random

    from perno.contacts.models import Company, Contact
    from perno.search import engine
    from perno.search.text import words

    names = sorted(
        {n for n in Contact.objects.values_list("last_name", flat=True) if words(n)}
        | {n for n in Company.objects.values_list("name", flat=True) if words(n)}
    )
    eligible = [n for n in names if exact_entries(n, PRECISION_AT) >= PRECISION_AT]
    random.Random(seed).shuffle(eligible)
    rows = []
    for name in eligible[:count]:
        lists = {
            "results": engine.search(admin, name, limit=20).hits[:PRECISION_AT],
            "suggestions": engine.search(admin, name, limit=PRECISION_AT, count=False).hits,
            "recent": engine.search(admin, name, sort="recent", limit=20).hits[:PRECISION_AT],
        }
        row: dict = {"name": name}
        for where, hits in lists.items():
            row[where] = sum(holds_exact(h, name) for h in hits) / PRECISION_AT
        rows.append(row)
    return rows


def child(args: argparse.Namespace) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from search_common import build_documents, sample_cases

    from perno.accounts.services import roles_ensure_defaults, user_create
    from perno.search import engine
    from perno.seed.generator import seed

    call_command("migrate", verbosity=0)
    roles_ensure_defaults()
    admin = user_create(
        username="evaluator",
        password="evaluation-password-2026",
        roles=["administrator"],
        check_password=False,
    )
    n = args.contacts
    started = time.perf_counter()
    seed(
        companies=n // 5,
        contacts=n,
        deals=n // 4,
        activities=n // 2,
        comments=n // 10,
        seed_value=7,
        users=[admin],
    )
    documents = build_documents(args.documents, 7, admin)
    built = time.perf_counter() - started
    cases = sample_cases(args.queries, 11)
    rows = []
    latencies = []
    for case in cases:
        found_at = None
        rank = None
        zero = False
        for end in range(2, len(case.typed) + 1):
            typed = case.typed[:end]
            t0 = time.perf_counter()
            hits = engine.search(admin, typed, count=False, limit=10).hits
            latencies.append((time.perf_counter() - t0) * 1000)
            keys = [(h.type, h.id) for h in hits]
            position = next((i for i, key in enumerate(keys) if key in case.relevant), None)
            if position is not None and found_at is None:
                found_at = end
            if end == len(case.typed):
                rank = position
                zero = not hits
        rows.append(
            {
                "typos": case.typos,
                "kind": case.kind,
                "rank": rank,
                "zero": zero,
                "found_at": found_at,
                "length": len(case.typed),
                "typed": case.typed,
                "clean": case.clean,
            }
        )
    precision = name_precision(admin, args.names, 17)
    print(
        json.dumps(
            {
                "engine": args.engine,
                "rows": rows,
                "precision": precision,
                "build_seconds": built,
                "documents": documents,
                "latency_ms": latencies,
            }
        )
    )


def metrics(rows: list[dict]) -> dict[str, float]:
    n = len(rows) or 1
    return {
        "n": len(rows),
        "hit@1": sum(r["rank"] == 0 for r in rows) / n,
        "hit@10": sum(r["rank"] is not None for r in rows) / n,
        "MRR@10": sum(1 / (r["rank"] + 1) for r in rows if r["rank"] is not None) / n,
        "zero": sum(r["zero"] for r in rows) / n,
    }


def report(result: dict) -> bool:
    rows = result["rows"]
    print(
        f"\n== {result['engine']}: {len(rows)} queries, corpus built in "
        f"{result['build_seconds']:.0f} s ({result['documents']} documents)"
    )
    print(f"{'typos':<8}{'n':>6}{'hit@1':>8}{'hit@10':>8}{'MRR@10':>8}{'zero':>8}")
    groups = [("all", rows)] + [(str(t), [r for r in rows if r["typos"] == t]) for t in (0, 1, 2)]
    results = {}
    for label, group in groups:
        m = metrics(group)
        results[label] = m
        print(
            f"{label:<8}{m['n']:>6}{m['hit@1']:>8.3f}{m['hit@10']:>8.3f}"
            f"{m['MRR@10']:>8.3f}{m['zero']:>8.3f}"
        )
    kinds = sorted({r["kind"] for r in rows})
    print(
        "per type (hit@10): "
        + ", ".join(
            f"{k} {metrics([r for r in rows if r['kind'] == k])['hit@10']:.3f}" for k in kinds
        )
    )
    found = [r["found_at"] / r["length"] for r in rows if r["found_at"]]
    if found:
        print(
            f"a right answer was in the top 10 after typing {statistics.median(found):.0%} "
            f"of the query (median)"
        )
    lat = sorted(result["latency_ms"])
    print(
        f"per keystroke (this run, not the speed benchmark): p50 {lat[len(lat) // 2]:.1f} ms, "
        f"p95 {lat[int(len(lat) * 0.95)]:.1f} ms over {len(lat)} keystrokes"
    )
    misses = [r for r in rows if r["rank"] is None][:8]
    if misses:
        print("some misses: " + "; ".join(f"{r['typed']!r} for {r['clean']!r}" for r in misses))
    precision = result["precision"]
    checks = {
        "hit@10": results["all"]["hit@10"],
        "MRR@10": results["all"]["MRR@10"],
        "hit@10 (2 typos)": results["2"]["hit@10"],
    }
    for where in PLACES:
        values = [p[where] for p in precision]
        checks[f"exact-name precision@10 ({where})"] = statistics.mean(values) if values else 0.0
    print(
        f"exact-name precision@10 over {len(precision)} names with >= {PRECISION_AT} exact "
        "entries: "
        + ", ".join(
            f"{where} {checks[f'exact-name precision@10 ({where})']:.3f}" for where in PLACES
        )
    )
    worst = sorted(precision, key=lambda p: sum(p[where] for where in PLACES))[:5]
    worst = [p for p in worst if sum(p[where] for where in PLACES) < len(PLACES)]
    if worst:
        print(
            "least precise (results/suggestions/recent): "
            + "; ".join(
                f"{p['name']!r} " + "/".join(f"{p[where]:.1f}" for where in PLACES) for p in worst
            )
        )
    ok = True
    for name, target in TARGETS.items():
        met = checks[name] >= target
        ok &= met
        print(f"target {name} >= {target}: {checks[name]:.3f} {'met' if met else 'MISSED'}")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engines", default="sqlite")
    parser.add_argument("--contacts", type=int, default=10_000)
    parser.add_argument("--documents", type=int, default=300)
    parser.add_argument("--queries", type=int, default=600)
    parser.add_argument("--names", type=int, default=200, help="names for precision@10")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--engine", default="sqlite", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return 0
    workdir = Path(os.environ.get("PERNO_BENCH_DIR", Path(tempfile.gettempdir()) / "perno-eval"))
    workdir.mkdir(parents=True, exist_ok=True)
    ok = True
    for engine_name in args.engines.split(","):
        reset_database(engine_name, workdir)
        result = run_child(
            __file__,
            engine_name,
            workdir,
            [
                "--contacts",
                str(args.contacts),
                "--documents",
                str(args.documents),
                "--queries",
                str(args.queries),
                "--names",
                str(args.names),
            ],
        )
        if result is None:
            return 1
        ok &= report(result)
        if engine_name == "postgres":
            drop_database()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
