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

TARGETS = {"hit@10": 0.97, "MRR@10": 0.92, "hit@10 (2 typos)": 0.93}


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
            hits = engine.search(admin, typed, typing=True, count=False, limit=10).hits
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
    print(
        json.dumps(
            {
                "engine": args.engine,
                "rows": rows,
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
    checks = {
        "hit@10": results["all"]["hit@10"],
        "MRR@10": results["all"]["MRR@10"],
        "hit@10 (2 typos)": results["2"]["hit@10"],
    }
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
