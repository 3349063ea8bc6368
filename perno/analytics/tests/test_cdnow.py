"""BG/NBD and Gamma-Gamma against the published CDNOW results.

The CDNOW sample (2,357 customers of the CD retailer who first bought in the first
quarter of 1997) ships with the ``lifetimes`` package, a test-only dependency whose
code is not used: its data file is read from disk. The orders go through the CSV import
and the refresh, as a user's would; calibration ends on 1997-09-30 and time is in
weeks, as in Fader, Hardie & Lee (2005)."""

from __future__ import annotations

import importlib.util
import json
from datetime import date
from pathlib import Path

import pytest

from perno import cli
from perno.analytics import refresh
from perno.analytics.models import CustomerScore, Snapshot
from perno.imports import orders as imports

pytestmark = pytest.mark.django_db


def cdnow_csv() -> str:
    spec = importlib.util.find_spec("lifetimes")
    if spec is None or spec.origin is None:
        pytest.fail("the lifetimes package (a dev dependency) ships the CDNOW sample")
    path = Path(spec.origin).parent / "datasets" / "CDNOW_sample.txt"
    lines = ["customer_id,date,amount,order_id"]
    for number, line in enumerate(path.read_text().splitlines(), 1):
        _, customer, day, _, amount = line.split()
        lines.append(f"CD{customer},{day},{amount},CD-{number}")
    return "\n".join(lines) + "\n"


@pytest.fixture
def cdnow(db):
    result = imports.import_orders(
        actor=None, text=cdnow_csv(), source_name="cdnow.csv", all_or_nothing=True
    )
    assert result.errors == [] and result.imported == 6919
    return result


def test_the_fit_reproduces_fader_hardie_lee(cdnow):
    snapshot = refresh.refresh(date(1997, 9, 30))
    assert snapshot.status == Snapshot.Status.DONE, snapshot.error
    assert snapshot.customers == 2357
    fit = snapshot.results["bgnbd"]
    assert fit["r"] == pytest.approx(0.243, abs=0.001)
    assert fit["alpha"] == pytest.approx(4.414, abs=0.002)
    assert fit["a"] == pytest.approx(0.793, abs=0.001)
    assert fit["b"] == pytest.approx(2.426, abs=0.002)
    assert fit["log_likelihood"] == pytest.approx(-9582.4, abs=0.1)
    spend = snapshot.results["gamma_gamma"]
    assert spend["customers"] == 946
    assert spend["p"] == pytest.approx(6.25, abs=0.01)
    assert spend["q"] == pytest.approx(3.74, abs=0.01)
    assert spend["gamma"] == pytest.approx(15.44, abs=0.01)

    scores = CustomerScore.objects.filter(snapshot=snapshot)
    assert scores.count() == 2357
    assert not scores.filter(p_alive__isnull=True).exists()  # all bought 6+ months before
    # A customer who bought once at the start has P(alive) = 1 by the model's
    # assumption; one who bought often and then stopped long ago is likely gone.
    once = scores.filter(purchase_days=1).first()
    assert once.p_alive == pytest.approx(1.0)
    lapsed = scores.filter(purchase_days__gte=5, recency_days__gte=150).order_by("p_alive")
    assert lapsed.exists() and lapsed.first().p_alive < 0.2
    equity = sum(s.clv for s in scores)
    assert snapshot.results["equity"] == pytest.approx(equity)


def test_the_command_line_refreshes_and_prints_the_fit(cdnow, capsys, tmp_path):
    assert (
        cli.main(["analytics", "refresh", "--as-of", "1997-09-30", "--data-dir", str(tmp_path)])
        == 0
    )
    out = capsys.readouterr().out
    assert "[ 10 %] reading orders" in out and "[ 85 %] storing scores" in out
    assert "2,357 customers" in out
    assert cli.main(["analytics", "clv", "--json", "--data-dir", str(tmp_path)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["calibration_end"] == "1997-09-30"
    assert report["customers"] == 2357
    assert report["bgnbd"]["r"] == pytest.approx(0.243, abs=0.001)
    assert report["bgnbd"]["log_likelihood"] == pytest.approx(-9582.4, abs=0.1)
    assert report["gamma_gamma"]["gamma"] == pytest.approx(15.44, abs=0.01)
