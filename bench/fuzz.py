"""Generated-input suite over every API operation (not a test; ``make fuzz``).

Runs schemathesis against /api/v1/openapi.json on a live server, once per engine
(SQLite, PostgreSQL) and seed: examples, boundary values (coverage), random input
(fuzzing) and stateful chains following the document's links (create a record, then read,
change and delete it). Every answer is checked: no server error, status code, content
type and body as documented. Prints the cases and the failures per engine and seed, and
the totals; exits non-zero on any failure or when fewer cases than ``--min-cases`` ran.

The run is the suite's own scan (``tests/test_security_scans.py``: its live server, data
and administrator token) with more seeds and cases per operation; the suite keeps a
fixed-seed slice of it. Test databases are the suite's (PERNO_TEST_DATABASE_URL for
PostgreSQL).

    python bench/fuzz.py                                # both engines, 3 seeds
    python bench/fuzz.py --engines postgres --seeds 1,2 --examples 100
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TEST = (
    "tests/test_security_scans.py::test_schemathesis_finds_no_server_error_and_no_schema_violation"
)


def run(engine: str, seeds: str, examples: int, report: Path) -> int:
    env = {
        **os.environ,
        "PERNO_TEST_DB": engine,
        "PERNO_FUZZ_SEEDS": seeds,
        "PERNO_FUZZ_EXAMPLES": str(examples),
        "PERNO_FUZZ_REPORT": str(report),
    }
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:xdist"]
    command += ["-q", "-x", "-m", "scan", TEST]
    return subprocess.run(command, cwd=ROOT, env=env, check=False).returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engines", default="sqlite,postgres")
    parser.add_argument("--seeds", default="1,2,3", help="comma-separated schemathesis seeds")
    parser.add_argument("--examples", type=int, default=60, help="cases per operation and phase")
    parser.add_argument("--min-cases", type=int, default=10_000, help="per engine")
    args = parser.parse_args()

    rows: list[dict[str, Any]] = []
    ok = True
    with tempfile.TemporaryDirectory() as workdir:
        for engine in args.engines.split(","):
            report = Path(workdir) / f"{engine}.jsonl"
            code = run(engine, args.seeds, args.examples, report)
            found = (
                [json.loads(line) for line in report.read_text().splitlines()]
                if report.exists()
                else []
            )
            for row in found:
                row["engine"] = engine
            rows += found
            cases = sum(int(r["cases"]) for r in found)
            ok &= code == 0 and cases >= args.min_cases and len(found) == len(args.seeds.split(","))

    print(
        f"\n{'engine':<10} {'seed':>6} {'cases':>8} {'server errors':>14} {'schema violations':>18}"
    )
    for row in rows:
        print(
            f"{row['engine']:<10} {row['seed']:>6} {row['cases']:>8,} "
            f"{row['server_errors']:>14} {row['schema_violations']:>18}"
        )
        for name, count in row["failures"].items():
            print(f"{'':<17} {name}: {count}")
    for engine in args.engines.split(","):
        mine = [r for r in rows if r["engine"] == engine]
        print(
            f"{engine:<10} {'total':>6} {sum(int(r['cases']) for r in mine):>8,} "
            f"{sum(int(r['server_errors']) for r in mine):>14} "
            f"{sum(int(r['schema_violations']) for r in mine):>18}"
        )
    print("OK" if ok else "FAILED (see the output above; each failure prints its curl)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
