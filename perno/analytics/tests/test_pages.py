"""The analytics pages read snapshots and draw charts; the refresh runs from the page
with its progress; the settings validate; the customer page explains its scores."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

import pytest

from perno.analytics import refresh
from perno.analytics.models import AnalyticsSettings, CustomerScore, Snapshot
from perno.contacts.models import Contact
from perno.sales.models import CustomerCost, Order

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(db):
    """30 customers who buy at their own pace and spend at their own level: a third
    stopped buying long ago, the others still buy (data from which MBG/NBD and
    Gamma-Gamma can tell them apart)."""
    rng = random.Random(3)
    today = date.today()
    people = []
    for i in range(30):
        contact = Contact.objects.create(first_name=f"Cliente{i}", last_name="Neri")
        first = rng.randint(400, 700)
        stopped = rng.randint(250, first - 100) if i % 3 == 0 else rng.randint(0, 30)
        gap = rng.randint(15, 70)
        spend = rng.randint(20, 200)  # each customer has a spending level of their own
        days = {first, stopped} | set(range(stopped, first, gap))
        for back in days:
            Order.objects.create(
                contact=contact,
                ordered_on=today - timedelta(days=back),
                total=Decimal(round(rng.gammavariate(4, spend / 4), 2)),
                cost=Decimal(8) if i % 3 else None,
            )
        people.append(contact)
    return people


@pytest.fixture
def admin(client, admin_user, login_verified):
    login_verified(client, admin_user)
    return client


def test_the_pages_say_how_to_start_before_the_first_snapshot(admin):
    for url in ("/analytics/", "/analytics/rfm/", "/analytics/clv/", "/analytics/matrix/"):
        page = admin.get(url)
        assert page.status_code == 200
        assert 'data-testid="no-snapshot"' in page.content.decode()


def test_the_refresh_runs_from_the_page_and_every_model_has_its_chart(
    admin, shop, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        answer = admin.post("/analytics/refresh/", {"as_of": ""})
    assert answer.status_code == 302
    snapshot = Snapshot.objects.get()
    assert snapshot.status == "done" and snapshot.customers == 30
    charts = {
        "/analytics/": ["segment-chart", "lorenz-chart", "snapshot-history"],
        "/analytics/rfm/": ["segment-chart", "rfm-grid", "segment-table"],
        "/analytics/clv/": ["alive-chart", "clv-parameters", "top-clv"],
        "/analytics/matrix/": ["matrix-chart", "matrix-table", "matrix-rules"],
        "/analytics/pareto/": ["lorenz-chart", "pareto-figures"],
        "/analytics/journey/": ["journey-chart", "journey-table"],
        "/analytics/fans/": ["fan-chart", "fan-table", "fan-model"],
    }
    for url, testids in charts.items():
        html = admin.get(url).content.decode()
        for testid in testids:
            assert f'data-testid="{testid}"' in html, (url, testid)
    html = admin.get("/analytics/matrix/").content.decode()
    assert "Butterfly" in html and "stop investing once they stop" in html
    segment = CustomerScore.objects.filter(snapshot=snapshot).first().rfm_segment
    listing = admin.get(f"/analytics/customers/?snapshot={snapshot.pk}&segment={segment}")
    assert listing.status_code == 200
    shown = CustomerScore.objects.filter(snapshot=snapshot, rfm_segment=segment).count()
    assert listing.content.decode().count("Cliente") == shown
    bad = admin.get(f"/analytics/customers/?snapshot={snapshot.pk}&segment=vips", follow=True)
    assert "Unknown segment “vips”" in bad.content.decode()


def test_a_refresh_already_running_and_a_bad_date_are_refused(admin, shop):
    refresh.start(date.today())
    page = admin.post("/analytics/refresh/", {"as_of": ""}, follow=True)
    assert "already running" in page.content.decode()
    assert 'data-testid="analytics-status"' in page.content.decode()
    assert 'hx-trigger="every 2s"' in admin.get("/analytics/status/").content.decode()
    page = admin.post("/analytics/refresh/", {"as_of": "31/12/2026"}, follow=True)
    assert "is not a date: use YYYY-MM-DD" in page.content.decode()
    assert Snapshot.objects.count() == 1


def test_a_failed_refresh_is_shown_and_the_previous_snapshot_stays(admin, shop):
    good = refresh.refresh(date.today())
    Snapshot.objects.create(
        as_of=date.today(),
        currency="EUR",
        status="failed",
        error="the MBG/NBD fit did not converge",
    )
    html = admin.get("/analytics/").content.decode()
    assert "the MBG/NBD fit did not converge" in html and 'data-testid="refresh-failed"' in html
    assert f"?snapshot={good.pk}" in html


def test_settings_validate(admin):
    form = {
        "clv_months": "12",
        "discount_rate": "10",
        "min_history_days": "30",
        "profit_days": "365",
        "alive_split": "1.5",
        "active_days": "180",
        "fan_satisfaction": "75",
        "fan_bond": "60",
        "sympathizer_bond": "70",
        "fan_recent_days": "365",
        "keep_scores": "12",
    }
    page = admin.post("/analytics/settings/", form)
    assert page.status_code == 400
    html = page.content.decode()
    assert "must not be above the fan threshold (60)" in html
    assert "less than or equal to 1" in html
    assert AnalyticsSettings.current().fan_bond == 75
    form.update({"alive_split": "0.6", "sympathizer_bond": "50"})
    assert admin.post("/analytics/settings/", form).status_code == 302
    assert AnalyticsSettings.current().fan_bond == 60


def test_the_customer_page_explains_the_scores(admin, shop):
    refresh.refresh(date.today())
    contact = shop[5]
    score = CustomerScore.objects.get(contact=contact)
    html = admin.get(f"/analytics/customer/contact/{contact.pk}/").content.decode()
    assert f"RFM {score.rfm_code}" in html
    assert "Scores are quintiles among all 30 customers" in html
    assert score.get_journey_display() in html
    assert 'data-testid="customer-orders"' in html and 'data-testid="moments"' in html
    prospect = Contact.objects.create(first_name="Nuovo", last_name="Contatto")
    html = admin.get(f"/analytics/customer/contact/{prospect.pk}/").content.decode()
    assert 'data-testid="insight-prospect"' in html


def test_costs_of_serving_a_customer_lower_its_contribution(admin, shop):
    contact = shop[0]
    bad = admin.post(
        f"/analytics/customer/contact/{contact.pk}/costs/",
        {"incurred_on": "2026-13-01", "amount": "-5", "description": ""},
        follow=True,
    )
    html = bad.content.decode()
    assert "Give the date as YYYY-MM-DD." in html and "zero or more" in html
    assert "1 to 200 characters" in html

    assert not CustomerCost.objects.exists()
    before = refresh.refresh(date.today())
    old = CustomerScore.objects.get(snapshot=before, contact=contact).contribution
    good = admin.post(
        f"/analytics/customer/contact/{contact.pk}/costs/",
        {
            "incurred_on": (date.today() - timedelta(days=3)).isoformat(),
            "amount": "25,50",
            "description": "Sostituzione gratuita",
        },
    )
    assert good.status_code == 302
    after = refresh.refresh(date.today())
    assert CustomerScore.objects.get(snapshot=after, contact=contact).contribution == old - Decimal(
        "25.50"
    )
    assert (
        "Sostituzione gratuita"
        in admin.get(f"/analytics/customer/contact/{contact.pk}/").content.decode()
    )
