"""MBG/NBD and Gamma-Gamma against the published CDNOW results.

The CDNOW sample (2,357 customers of the CD retailer who first bought in the first
quarter of 1997) ships with the ``lifetimes`` package, a test-only dependency: its data
file is read from disk, and its ModifiedBetaGeoFitter is the independent implementation
Perno's likelihood and predictions are checked against (Perno's code does not use it).
The orders go through the CSV import and the refresh, as a user's would; calibration
ends on 1997-09-30 and time is in weeks, as in Fader, Hardie & Lee (2005).

Published figures: MBG/NBD r = 0.525, alpha = 6.183, a = 0.891, b = 1.614 (BTYDplus,
Platzer's R package of these models, on the same data; Batislam, Denizel & Filiztekin
2007 fitted a grocery panel, not CDNOW); Gamma-Gamma p = 6.25, q = 3.74, gamma = 15.44
(Fader, Hardie & Lee 2005, "RFM and CLV")."""

from __future__ import annotations

import importlib.util
import json
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from lifetimes import ModifiedBetaGeoFitter

from perno import cli
from perno.analytics import clv, refresh
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


def test_the_fit_reproduces_the_published_parameters(cdnow):
    snapshot = refresh.refresh(date(1997, 9, 30))
    assert snapshot.status == Snapshot.Status.DONE, snapshot.error
    assert snapshot.customers == 2357
    fit = snapshot.results["mbgnbd"]
    assert fit["r"] == pytest.approx(0.525, abs=0.001)
    assert fit["alpha"] == pytest.approx(6.183, abs=0.002)
    assert fit["a"] == pytest.approx(0.891, abs=0.001)
    assert fit["b"] == pytest.approx(1.614, abs=0.002)
    assert fit["log_likelihood"] == pytest.approx(-9582.1, abs=0.1)
    spend = snapshot.results["gamma_gamma"]
    assert spend["customers"] == 946
    assert spend["p"] == pytest.approx(6.25, abs=0.01)
    assert spend["q"] == pytest.approx(3.74, abs=0.01)
    assert spend["gamma"] == pytest.approx(15.44, abs=0.01)

    scores = CustomerScore.objects.filter(snapshot=snapshot)
    assert scores.count() == 2357
    assert not scores.filter(p_alive__isnull=True).exists()  # all bought 6+ months before
    # Unlike BG/NBD (P(alive) = 1 for them), a customer who bought once may be gone,
    # the more likely the longer ago; one who bought often and then stopped long ago
    # is likely gone too.
    once = scores.filter(purchase_days=1).order_by("recency_days")
    assert once.count() == 1411
    assert once.first().p_alive < 0.5 and once.last().p_alive < once.first().p_alive
    assert not once.filter(p_alive__gte=0.5).exists()
    lapsed = scores.filter(purchase_days__gte=5, recency_days__gte=150).order_by("p_alive")
    assert lapsed.exists() and lapsed.first().p_alive < 0.2
    equity = sum(s.clv for s in scores)
    assert snapshot.results["equity"] == pytest.approx(equity)


def cdnow_summary() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """x, t_x and T in weeks per customer, straight from the data file."""
    end = date(1997, 9, 30)
    days: dict[str, set[date]] = {}
    for line in cdnow_csv().splitlines()[1:]:
        customer, day, _, _ = line.split(",")
        when = date(int(day[:4]), int(day[4:6]), int(day[6:]))
        if when <= end:
            days.setdefault(customer, set()).add(when)
    rows = [
        (len(d) - 1, (max(d) - min(d)).days / 7, (end - min(d)).days / 7) for d in days.values()
    ]
    x, t_x, T = (np.array(column, dtype=float) for column in zip(*rows, strict=True))
    return x, t_x, T


def test_likelihood_and_predictions_agree_with_lifetimes():
    x, t_x, T = cdnow_summary()
    ours = clv.fit_mbgnbd(x, t_x, T)
    theirs = ModifiedBetaGeoFitter().fit(x, t_x, T)
    params = [ours.r, ours.alpha, ours.a, ours.b]
    assert params == pytest.approx(list(theirs.params_), rel=2e-3)
    # the same likelihood at the same parameters, customer by customer
    log_l = clv._mbgnbd_terms(np.array(params), x, t_x, T)
    assert log_l.sum() == pytest.approx(ours.log_likelihood, abs=1e-6)
    theirs_at_ours = -theirs._negative_log_likelihood(np.log(params), x, t_x, T, np.ones_like(x), 0)
    assert log_l.mean() == pytest.approx(theirs_at_ours, rel=1e-9)
    theirs.params_[:] = params
    assert clv.p_alive(ours, x, t_x, T) == pytest.approx(
        theirs.conditional_probability_alive(x, t_x, T), rel=1e-9
    )
    for weeks in (90 / 7, 52.0):
        assert clv.expected_purchases(ours, weeks, x, t_x, T) == pytest.approx(
            theirs.conditional_expected_number_of_purchases_up_to_time(weeks, x, t_x, T),
            rel=1e-7,
        )
    # the customer of the issue: one purchase, 966 days ago
    gone = clv.p_alive(ours, np.zeros(1), np.zeros(1), np.array([966 / 7]))[0]
    assert gone == pytest.approx(
        1 / (1 + ours.a / ours.b * ((ours.alpha + 138) / ours.alpha) ** ours.r)
    )
    assert gone < 0.3


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
    assert report["mbgnbd"]["r"] == pytest.approx(0.525, abs=0.001)
    assert report["mbgnbd"]["log_likelihood"] == pytest.approx(-9582.1, abs=0.1)
    assert report["gamma_gamma"]["gamma"] == pytest.approx(15.44, abs=0.01)
