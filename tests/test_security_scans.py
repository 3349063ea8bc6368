"""Security scans run by the test suite (see README, "Security tests"):

- bandit over the source: no medium or high finding, and every ``nosec`` names the
  check it silences and why (no blanket ``nosec``);
- schemathesis against /api/v1/openapi.json on a live server with a token: at least
  2,000 generated cases, no 5xx answer, every answer as the schema documents it;
- sqlmap (Debian's package, installed by ``make test-deps``) probing the search, filter
  and sort parameters of the API and of the list pages on a live server: nothing
  injectable.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import require
from perno.accounts.services import roles_ensure_defaults, token_create, user_create
from perno.seed.generator import seed

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SCHEMATHESIS_CASES = 2000


def test_bandit_finds_no_medium_or_high_issue():
    result = subprocess.run(
        [
            str(BIN / "bandit"),
            "--recursive",
            "perno",
            "bench",
            "scripts",
            "--severity-level",
            "medium",
            "--format",
            "json",
            "--quiet",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    report = json.loads(result.stdout)
    findings = [
        f"{r['filename']}:{r['line_number']} {r['test_id']} {r['issue_text']}"
        for r in report["results"]
        if r["issue_severity"] in ("MEDIUM", "HIGH")
    ]
    assert findings == []
    assert report["metrics"]["_totals"]["loc"] > 5000  # it really read the source


def test_no_blanket_nosec():
    """A ``nosec`` must name the bandit check (``# nosec B608``) and give a reason."""
    blanket = []
    for path in [*ROOT.joinpath("perno").rglob("*.py"), *ROOT.joinpath("bench").rglob("*.py")]:
        lines = path.read_text().splitlines()
        for number, line in enumerate(lines, 1):
            if "nosec" not in line:
                continue
            if not re.search(r"#\s*nosec\s+B\d{3}", line):
                blanket.append(f"{path.relative_to(ROOT)}:{number}")
            elif number < 2 or not lines[number - 2].strip().startswith("#"):
                blanket.append(f"{path.relative_to(ROOT)}:{number} (no reason above)")
    assert blanket == []


@pytest.fixture
def scan_target(live_server: Any, transactional_db: Any) -> dict[str, Any]:
    """A live server with some data and a superuser's read-write token: the widest API
    surface, and one that fuzzed role or user changes cannot take away."""

    roles_ensure_defaults()
    admin = user_create(
        username="scanner",
        password="probe-passphrase-2026",
        roles=["administrator"],
        email="scanner@example.com",
    )
    admin.is_superuser = True
    admin.save(update_fields=["is_superuser"])
    TOTPDevice.objects.create(user=admin, name="scan", confirmed=True)
    seed(companies=20, contacts=60, deals=20, activities=20, comments=10, users=[admin])
    _token, clear = token_create(user=admin, name="scan", scope="write")
    return {"url": live_server.url, "token": clear, "user": admin}


# The suite's fixed-seed slice of the generated-input suite; ``bench/fuzz.py`` (make fuzz)
# runs the same test with several seeds and more cases per operation on both engines.
FUZZ_SEEDS = [int(seed) for seed in os.environ.get("PERNO_FUZZ_SEEDS", "20261124").split(",")]
FUZZ_EXAMPLES = int(os.environ.get("PERNO_FUZZ_EXAMPLES", "15"))
FUZZ_REPORT = os.environ.get("PERNO_FUZZ_REPORT", "")  # JSON lines for bench/fuzz.py
SERVER_ERROR = "ST101"  # schemathesis' not_a_server_error; every other check is conformance


@pytest.mark.scan
def test_schemathesis_finds_no_server_error_and_no_schema_violation(scan_target, tmp_path):
    """Every operation with generated input (examples, boundary values, random bodies)
    and in stateful chains that follow the document's links (create, then read, change
    and delete what was created): no 5xx, every answer as documented."""
    total = 0
    for fuzz_seed in FUZZ_SEEDS:
        output, returncode = run_schemathesis(scan_target, tmp_path / str(fuzz_seed), fuzz_seed)
        figures = schemathesis_figures(output)
        figures.update(
            seed=fuzz_seed, engine=settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
        )
        print(json.dumps(figures))  # shown with -s
        if FUZZ_REPORT:
            with open(FUZZ_REPORT, "a", encoding="utf-8") as report:
                report.write(json.dumps(figures) + "\n")
        assert returncode == 0 and not figures["failures"], output[-8000:]
        total += figures["cases"]
    assert total >= SCHEMATHESIS_CASES


def run_schemathesis(target: dict[str, Any], workdir: Path, seed: int) -> tuple[str, int]:
    workdir.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        [
            str(BIN / "st"),
            "run",
            f"{target['url']}/api/v1/openapi.json",
            "--header",
            f"Authorization: Bearer {target['token']}",
            "--checks",
            "not_a_server_error,status_code_conformance,content_type_conformance,"
            "response_schema_conformance",
            "--phases",
            "examples,coverage,fuzzing,stateful",
            "--max-examples",
            str(FUZZ_EXAMPLES),
            "--seed",
            str(seed),
            "--workers",
            "2",
            "--request-timeout",
            "30",
            "--generation-database",
            "none",
            "--report",
            "junit",
            "--report-dir",
            str(workdir / "report"),
            "--no-color",
        ],
        cwd=workdir,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "SCHEMATHESIS_HOOKS": ""},
        timeout=3600,
    )
    return result.stdout + result.stderr, result.returncode


def schemathesis_cases(output: str) -> int:
    """The number of generated test cases from schemathesis' summary."""
    match = re.search(r"Test cases:\s*\n?\s*([\d,]+) generated", output)
    assert match, output[-3000:]
    return int(match.group(1).replace(",", ""))


def schemathesis_figures(output: str) -> dict[str, Any]:
    """Cases, and failures by check, from schemathesis' summary: server errors (ST101)
    and schema violations (undocumented status codes, content types, response bodies)."""
    summary = output[output.rfind("SUMMARY") :]
    failures = {
        f"{code} {name.strip()}": int(count)
        for code, name, count in re.findall(r"(ST\d{3}) ([^:\n]+): (\d+)", summary)
    }
    server_errors = sum(n for key, n in failures.items() if key.startswith(SERVER_ERROR))
    return {
        "cases": schemathesis_cases(output),
        "server_errors": server_errors,
        "schema_violations": sum(failures.values()) - server_errors,
        "failures": failures,
    }


def sqlmap_binary() -> str | None:
    return shutil.which("sqlmap")


SQLMAP_TARGETS = [
    # (path with the probed parameters, parameters to probe)
    ("/api/v1/contacts?q=rossi&country=IT&sort=name&page=1&page_size=10", "q,country,sort"),
    ("/api/v1/companies?q=srl&industry=food&sort=-name", "q,industry,sort"),
    ("/api/v1/deals?q=offer&status=open&sort=-amount", "q,status,sort"),
    ("/contacts/?q=rossi&country=IT&sort=name", "q,country,sort"),
    ("/activities/?q=call&status=open&sort=due", "q,status,sort"),
]


@pytest.mark.scan
@pytest.mark.parametrize("target,params", SQLMAP_TARGETS)
def test_sqlmap_finds_no_injectable_parameter(
    scan_target, client, login_verified, tmp_path, target, params
):
    binary = sqlmap_binary()
    require(
        binary is not None, "sqlmap is not installed (apt-get install sqlmap, or make test-deps)"
    )

    headers = [f"Authorization: Bearer {scan_target['token']}"]
    if target.startswith("/api/"):
        baseline = client.get(target, headers={"Authorization": headers[0].split(": ", 1)[1]})
    else:
        login_verified(client, scan_target["user"])
        session = client.cookies[settings.SESSION_COOKIE_NAME].value
        headers = [f"Cookie: {settings.SESSION_COOKIE_NAME}={session}"]
        baseline = client.get(target)
    # The probed values must be valid: a refused query (400) would have sqlmap compare
    # error pages that never reach the filters.
    assert baseline.status_code == 200, baseline.content[:500]
    result = subprocess.run(
        [
            str(binary),
            "-u",
            scan_target["url"] + target,
            "-p",
            params,
            "--headers",
            "\n".join(headers),
            "--batch",
            "--level",
            "2",
            "--risk",
            "1",
            "--technique",
            "BEUST",
            # Only the payloads of the engine under test, and the generic ones: half
            # the requests of trying every database sqlmap knows.
            "--dbms",
            "PostgreSQL" if connection.vendor == "postgresql" else "SQLite",
            "--time-sec",
            "2",
            "--flush-session",
            "--output-dir",
            str(tmp_path),
            "--disable-coloring",
            "--skip-waf",
            # One connection for its requests: the live server then keeps one database
            # connection too, instead of opening one per request.
            "--keep-alive",
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=1200,
    )
    output = result.stdout + result.stderr
    assert "identified the following injection point" not in output, output[-4000:]
    assert "do not appear to be injectable" in output, output[-4000:]
