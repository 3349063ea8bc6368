"""RFM in the database, against a plain-Python reference; what a refresh leaves out;
journey, matrix and Pareto rules; a fit that does not converge keeps the previous
snapshot."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

import numpy as np
import pytest
from django.utils import timezone

from perno.analytics import clv, refresh
from perno.analytics.models import AnalyticsSettings, CustomerScore, Snapshot
from perno.contacts.models import Company, Contact
from perno.marketing import services as marketing
from perno.marketing.tasks import daily_insight_task as daily_refresh_task
from perno.sales.models import Order

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 6, 30)

# The published R x F map of the ten segments (first digit R, second F).
SEGMENTS = {
    "hibernating": ["11", "12", "21", "22"],
    "at_risk": ["13", "14", "23", "24"],
    "cant_lose": ["15", "25"],
    "about_to_sleep": ["31", "32"],
    "need_attention": ["33"],
    "loyal": ["34", "35", "44", "45"],
    "promising": ["41"],
    "new": ["51"],
    "potential_loyalists": ["42", "43", "52", "53"],
    "champions": ["54", "55"],
}
SEGMENT_OF = {cell: name for name, cells in SEGMENTS.items() for cell in cells}


def segment_of(r: int, f: int, purchase_days: int, recency: int, active: int = 180) -> str:
    """The published grid, after the two facts no segment may contradict: one purchase
    day is never "often", a last order older than the active period never "recent"."""
    if recency > active:
        if purchase_days == 1 or f <= 2:
            return "hibernating"
        return "cant_lose" if f == 5 else "at_risk"
    if purchase_days == 1:
        return "new" if r == 5 else "promising"
    name = SEGMENT_OF[f"{r}{f}"]
    # repeat buyers within the active period: not "long ago", not single buyers
    return {
        "hibernating": "about_to_sleep",
        "new": "potential_loyalists",
        "promising": "potential_loyalists",
    }.get(name, name)


def ntile(keys_in_order: list, buckets: int = 5) -> dict:
    """SQL NTILE: the first n % buckets groups hold one row more."""
    n = len(keys_in_order)
    base, extra = divmod(n, buckets)
    tiles, position = {}, 0
    for bucket in range(1, buckets + 1):
        size = base + (1 if bucket <= extra else 0)
        for key in keys_in_order[position : position + size]:
            tiles[key] = bucket
        position += size
    return tiles


def order(contact=None, company=None, days_ago=0, total="10", **kwargs):
    return Order.objects.create(
        contact=contact,
        company=company,
        ordered_on=AS_OF - timedelta(days=days_ago),
        total=Decimal(total),
        **kwargs,
    )


@pytest.fixture
def shop(db):
    rng = random.Random(7)
    contacts = [Contact.objects.create(first_name=f"C{i}", last_name="Rossi") for i in range(37)]
    for contact in contacts:
        first = rng.randint(40, 700)
        for _ in range(rng.choice([1, 1, 2, 3, 5, 8])):
            # amounts and dates repeat across customers on purpose: ties
            order(contact, days_ago=rng.randint(0, first), total=str(rng.choice([10, 20, 50])))
        order(contact, days_ago=first, total="10")
    acme = Company.objects.create(name="Acme")
    order(company=acme, days_ago=100, total="400")
    order(company=acme, days_ago=300, total="100", cost=Decimal("60"))
    # Left out: another currency, cancelled, after the date, anonymized (no buyer).
    order(contacts[0], days_ago=3, total="999", currency="USD")
    order(contacts[0], days_ago=3, total="999", status=Order.Status.CANCELLED)
    order(contacts[0], days_ago=-5, total="999")
    order(days_ago=5, total="999")
    return contacts, acme


def reference(contacts, acme):
    """RFM from the ORM rows, in Python."""
    rows = defaultdict(list)
    for o in Order.objects.filter(
        status="confirmed", currency="EUR", ordered_on__lte=AS_OF
    ).exclude(contact=None, company=None):
        key = o.contact_id if o.contact_id else -o.company_id
        rows[key].append(o)
    data = {}
    for key, orders in rows.items():
        data[key] = {
            "recency": (AS_OF - max(o.ordered_on for o in orders)).days,
            "frequency": len(orders),
            "days": len({o.ordered_on for o in orders}),
            "monetary": sum(o.total for o in orders),
        }
    keys = sorted(data)
    r = ntile(sorted(keys, key=lambda k: (-data[k]["recency"], k)))
    f = ntile(sorted(keys, key=lambda k: (data[k]["frequency"], k)))
    m = ntile(sorted(keys, key=lambda k: (data[k]["monetary"], k)))
    return {k: (r[k], f[k], m[k], data[k]) for k in keys}


def test_rfm_scores_and_segments_match_the_reference(shop):
    contacts, acme = shop
    snapshot = refresh.refresh(AS_OF)
    assert snapshot.status == Snapshot.Status.DONE, snapshot.error
    expected = reference(contacts, acme)
    scores = {
        (s.contact_id or -s.company_id): s for s in CustomerScore.objects.filter(snapshot=snapshot)
    }
    assert set(scores) == set(expected)
    for key, (r, f, m, data) in expected.items():
        s = scores[key]
        assert (s.r, s.f, s.m) == (r, f, m), key
        assert s.recency_days == data["recency"]
        assert s.orders == data["frequency"]
        assert s.revenue == data["monetary"]
        assert s.purchase_days == data["days"]
        assert s.rfm_segment == segment_of(r, f, data["days"], data["recency"]), key
    # every quintile holds a fifth, ties or not
    for letter in "rfm":
        counts = np.bincount([getattr(s, letter) for s in scores.values()], minlength=6)[1:]
        assert counts.max() - counts.min() <= 1
    assert snapshot.customers == len(expected)
    assert snapshot.other_currency_orders == 1
    assert sum(snapshot.results["rfm_segments"].values()) == len(expected)
    assert np.array(snapshot.results["rfm_grid"]).sum() == len(expected)
    company = scores[-acme.pk]
    assert company.contact_id is None and company.revenue == Decimal("500.00")


def test_journey_matrix_and_pareto_follow_their_rules(shop):
    _contacts, acme = shop
    newcomer = Contact.objects.create(first_name="Nuova", last_name="Cliente")
    order(newcomer, days_ago=10, total="80")
    config = AnalyticsSettings.current()
    snapshot = refresh.refresh(AS_OF)
    scores = list(CustomerScore.objects.filter(snapshot=snapshot))
    results = snapshot.results
    split = results["matrix"]
    for s in scores:
        if s.recency_days > config.active_days:
            assert s.journey == "retention"
        elif s.orders == 1:
            assert s.journey == "conversion"
        else:
            assert s.journey == "nurturing"
        if s.history == "short":
            assert s.p_alive is None and s.clv is None and s.matrix == ""
            continue
        # median splits (the default): strictly above is the upper half
        loyal = s.p_alive >= split["alive_split"] and s.expected_365 > split["loyalty_split"]
        profitable = float(s.contribution) > split["profit_split"]
        assert (
            s.matrix
            == {
                (True, True): "true_friend",
                (False, True): "butterfly",
                (True, False): "barnacle",
                (False, False): "stranger",
            }[(loyal, profitable)]
        )
    short = next(s for s in scores if s.contact_id == newcomer.pk)
    assert short.history == "short"
    # contribution: revenue of the last year minus the costs known
    acme_score = next(s for s in scores if s.company_id == acme.pk)
    assert acme_score.contribution == Decimal("440.00") and not acme_score.cost_known
    # Pareto against the mean-absolute-difference definition of Gini
    revenue = np.array([float(s.revenue) for s in scores])
    gini = np.abs(revenue[:, None] - revenue[None, :]).sum() / (
        2 * len(revenue) ** 2 * revenue.mean()
    )
    assert results["pareto"]["gini"] == pytest.approx(gini)
    top = np.sort(revenue)[::-1][: int(np.ceil(len(revenue) * 0.2))]
    assert results["pareto"]["top20_share"] == pytest.approx(top.sum() / revenue.sum())
    curve = results["pareto"]["curve"]
    assert curve[0] == [0.0, 0.0] and curve[-1] == [1.0, pytest.approx(1.0)]


def test_a_fit_that_does_not_converge_says_so_and_keeps_the_previous_snapshot(shop):
    previous = refresh.refresh(AS_OF)
    assert previous.status == Snapshot.Status.DONE
    # Customers who all buy every week up to the last day never drop out: the
    # likelihood keeps rising as the drop-out probability goes to zero.
    Order.objects.all().delete()
    for i in range(40):
        contact = Contact.objects.create(first_name=f"W{i}", last_name="Weekly")
        for week in range(20 if i % 2 else 10):
            order(contact, days_ago=7 * week, total="10")
    failed = refresh.refresh(AS_OF)
    assert failed.status == Snapshot.Status.FAILED
    assert "MBG/NBD fit did not converge" in failed.error
    assert not CustomerScore.objects.filter(snapshot=failed).exists()
    assert refresh.latest() == previous
    assert CustomerScore.objects.filter(snapshot=previous).count() == previous.customers


def test_too_little_data_stores_rfm_and_says_why_there_is_no_lifetime_value(db):
    contact = Contact.objects.create(first_name="Sola", last_name="Cliente")
    order(contact, days_ago=100)
    snapshot = refresh.refresh(AS_OF)
    assert snapshot.status == Snapshot.Status.DONE
    assert "not enough purchase history" in snapshot.results["clv_note"]
    score = CustomerScore.objects.get(snapshot=snapshot)
    assert (score.r, score.f, score.m, score.p_alive) == (1, 1, 1, None)


def test_a_second_refresh_is_refused_while_one_runs_and_future_dates_are_refused(db):
    refresh.start(AS_OF)
    with pytest.raises(refresh.RefreshRefused, match="already running"):
        refresh.start(AS_OF)
    with pytest.raises(refresh.RefreshRefused, match="in the future"):
        refresh.start(date.today() + timedelta(days=2))


def test_old_snapshots_keep_their_totals_but_not_their_scores(shop, monkeypatch):
    # Pruning does not depend on the CLV fit. This fixture's drop-out parameters are
    # weakly identified, so whether its fit converges on a given day changes with the
    # floating-point details of the machine: the fit is left out here.
    def no_fit(*args, **kwargs):
        raise clv.FitError("not enough purchase history to fit MBG/NBD (left out)")

    monkeypatch.setattr(clv, "fit_mbgnbd", no_fit)
    config = AnalyticsSettings.current()
    config.keep_scores = 2
    config.save()
    snaps = [refresh.refresh(AS_OF - timedelta(days=d)) for d in (20, 10, 0)]
    oldest = Snapshot.objects.get(pk=snaps[0].pk)
    assert not oldest.scores_kept and oldest.results["customers"] == snaps[0].customers
    assert not CustomerScore.objects.filter(snapshot=oldest).exists()
    assert CustomerScore.objects.filter(snapshot=snaps[2]).count() == snaps[2].customers
    assert refresh.latest().pk == snaps[2].pk


def test_the_scheduled_job_refreshes_once_a_day_and_recounts_segments(
    shop, admin_user, monkeypatch
):
    # The job refreshes "today": the day of the fixture's orders, whatever the clock says
    # (with the real date the data's ages, and so the fit, change every day).
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: AS_OF)
    segment = marketing.segment_create(
        actor=admin_user,
        data={"name": "Campioni", "criteria": [{"field": "f", "op": "gte", "value": 4}]},
    )
    assert segment.count == 0  # no snapshot yet: no scores to match
    assert daily_refresh_task() == "done"
    assert daily_refresh_task() == "done today"
    assert Snapshot.objects.filter(status="done").count() == 1
    segment.refresh_from_db()
    assert (
        segment.count == CustomerScore.objects.filter(f__gte=4, contact__isnull=False).count() > 0
    )
