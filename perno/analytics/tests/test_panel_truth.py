"""Every sentence of the customer panel is true of the customer it is shown for.

Constructed histories, scored in one snapshot among a background of customers who buy
at their own pace: one order 966 days ago, a regular who still buys, a regular who
stopped long ago and a new customer (one order last week). Each panel is read as the
user sees it (badges and reasons) and checked for the sentences it must and must not
show."""

from __future__ import annotations

import html
import random
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest

from perno.analytics import refresh, selectors
from perno.analytics.models import CustomerScore, Snapshot
from perno.contacts.models import Contact
from perno.sales.models import Order

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 6, 30)
ACTIVE_DAYS = 180  # the default active period

JUST_NEW = "has just become a customer"
SINGLE = "given a single purchase day"
OFTEN = ("Bought recently and often", "Buy often", "Bought often", "Bought the most often")
RECENT_SEGMENTS = ("Bought recently", "Buy often and recently", "Recent,", "Recent ")
NOT_FOR_A_WHILE = "not for a while"
OUT_OF_PERIOD = "none within the active period"
RETENTION = "No order within the active period: keep or win back."
NURTURING = "Two or more orders, the last within the active period."


def buy(contact: Contact, days_ago: int, total: str = "50") -> None:
    Order.objects.create(
        contact=contact, ordered_on=AS_OF - timedelta(days=days_ago), total=Decimal(total)
    )


def customer(name: str, days_ago: list[int]) -> Contact:
    """A customer with a spending level of their own (Gamma-Gamma needs that)."""
    contact = Contact.objects.create(first_name=name, last_name="Storia")
    rng = random.Random(name)
    spend = rng.randint(20, 200)
    for back in days_ago:
        buy(contact, back, f"{rng.gammavariate(4, spend / 4):.2f}")
    return contact


@pytest.fixture
def background(db):
    """36 customers at their own pace: a third stopped long ago, a third buy once."""
    rng = random.Random(19)
    for i in range(36):
        first = rng.randint(300, 900)
        if i % 3 == 0:
            days = [first]
        else:
            stopped = rng.randint(250, first - 40) if i % 3 == 1 else rng.randint(0, 40)
            days = [first, stopped, *range(stopped, first, rng.randint(20, 60))]
        customer(f"Sfondo{i}", days)


@pytest.fixture
def histories(background):
    return {
        "old_once": customer("Una", [966]),
        "regular": customer("Fedele", list(range(3, 700, 14))),
        "lapsed": customer("Perso", list(range(400, 1000, 14))),
        "newbie": customer("Nuova", [7]),
    }


@pytest.fixture
def admin(client, admin_user, login_verified):
    login_verified(client, admin_user)
    return client


def panel(client, contact: Contact) -> str:
    """The panel's badges and reasons as text, as the user reads them."""
    page = client.get(f"/analytics/customer/contact/{contact.pk}/")
    assert page.status_code == 200
    body = page.content.decode()
    parts = [
        re.search(r'data-testid="insight-badges">(.*?)</div>', body, re.S),
        re.search(r'data-testid="insight-reasons">(.*?)</ul>', body, re.S),
    ]
    assert all(parts), body
    text = " ".join(re.sub(r"<[^>]+>", " ", p.group(1)) for p in parts if p)
    return re.sub(r"\s+", " ", html.unescape(text))


def alive_percent(text: str) -> int | None:
    found = re.search(r"Probability still active: (\d+) %", text)
    return int(found.group(1)) if found else None


def shows(text: str, *phrases: str) -> None:
    for phrase in phrases:
        assert phrase in text, (phrase, text)


def hides(text: str, *phrases: str) -> None:
    for phrase in phrases:
        assert phrase not in text, (phrase, text)


def test_every_panel_sentence_is_true_of_constructed_histories(admin, histories):
    snapshot = refresh.refresh(AS_OF)
    assert snapshot.status == Snapshot.Status.DONE, snapshot.error
    assert snapshot.results["mbgnbd"] is not None
    score = {
        name: CustomerScore.objects.get(snapshot=snapshot, contact=contact)
        for name, contact in histories.items()
    }
    texts = {name: panel(admin, contact) for name, contact in histories.items()}

    # One order, 966 days ago: not certainly active, not "often", not new, not recent.
    text, s = texts["old_once"], score["old_once"]
    assert s.purchase_days == 1 and s.recency_days == 966
    assert s.p_alive is not None and s.p_alive < 0.5
    assert alive_percent(text) == round(s.p_alive * 100) < 50
    assert s.rfm_segment == "hibernating" and s.journey == "retention"
    shows(text, "1 order (F", SINGLE, "966 days before the snapshot", OUT_OF_PERIOD, RETENTION)
    hides(text, "100 %", JUST_NEW, NOT_FOR_A_WHILE, NURTURING, *OFTEN, *RECENT_SEGMENTS)
    assert s.matrix in ("stranger", "butterfly")  # not loyal
    hides(text, "True friend", "Barnacle")

    # Many orders, the last 3 days ago: active, often, recent, not new.
    text, s = texts["regular"], score["regular"]
    assert s.p_alive > 0.9 and alive_percent(text) > 90
    assert s.rfm_segment in ("champions", "loyal") and s.journey == "nurturing"
    assert any(phrase in text for phrase in OFTEN)
    shows(text, f"{s.purchase_days - 1} repeat purchase days after the first", NURTURING)
    hides(text, JUST_NEW, SINGLE, OUT_OF_PERIOD, NOT_FOR_A_WHILE, RETENTION)

    # A regular who stopped 400 days ago: often, but not for a while; likely gone.
    text, s = texts["lapsed"], score["lapsed"]
    assert s.p_alive < 0.1 and alive_percent(text) < 10
    assert s.rfm_segment in ("at_risk", "cant_lose") and s.journey == "retention"
    shows(text, NOT_FOR_A_WHILE, "the last 400 days before the snapshot", RETENTION)
    hides(text, JUST_NEW, SINGLE, NURTURING, "Bought recently", "Buy often and recently")
    hides(text, "True friend", "Barnacle")

    # One order last week: has just become a customer; too little history to predict.
    text, s = texts["newbie"], score["newbie"]
    assert s.history == "short" and s.p_alive is None and s.matrix == ""
    assert s.rfm_segment in ("new", "promising") and s.journey == "conversion"
    shows(text, JUST_NEW, "Too little history", "One purchase, ")
    assert alive_percent(text) is None
    hides(text, *OFTEN, NOT_FOR_A_WHILE, OUT_OF_PERIOD, RETENTION, "MBG/NBD")

    # The analytics pages list the same rules as the panel, and name the model used.
    clv_page = admin.get(f"/analytics/clv/?snapshot={snapshot.pk}").content.decode()
    assert "<th>MBG/NBD</th>" in clv_page and "BG/NBD</th>" not in clv_page.replace(
        "<th>MBG/NBD</th>", ""
    )
    journey = admin.get(f"/analytics/journey/?snapshot={snapshot.pk}").content.decode()
    assert html.unescape(journey).count(JUST_NEW) == 1
    rfm = html.unescape(admin.get(f"/analytics/rfm/?snapshot={snapshot.pk}").content.decode())
    for segment, count in snapshot.results["rfm_segments"].items():
        assert count and selectors.segment_descriptions()[segment] in rfm


def test_quintiles_alone_would_call_a_single_old_order_often(admin, db):
    """Most customers bought once: with ties split by rank, single buyers fill the
    upper F quintiles too. Too few repeat buyers to fit the model: the panel says so."""
    for i in range(7):
        customer(f"Unico{i}", [900 + i])
    histories = {
        "old_once": customer("Una", [966]),
        "regular": customer("Fedele", list(range(3, 700, 14))),
        "newbie": customer("Nuova", [7]),
    }
    snapshot = refresh.refresh(AS_OF)
    assert snapshot.status == Snapshot.Status.DONE
    assert snapshot.results["mbgnbd"] is None and "not enough" in snapshot.results["clv_note"]
    old = CustomerScore.objects.get(snapshot=snapshot, contact=histories["old_once"])
    # the grid's cell R 1, F 4 is "at risk: bought often" ...
    assert (old.r, old.f) == (1, 4)
    # ... but one purchase long ago is hibernating, whatever the quintile
    assert old.rfm_segment == "hibernating" and old.journey == "retention"
    text = panel(admin, histories["old_once"])
    shows(text, "1 order (F 4)", OUT_OF_PERIOD, "Not enough history in the whole customer base")
    hides(text, *OFTEN, NOT_FOR_A_WHILE, JUST_NEW, "Probability still active", "100 %")
    listing = admin.get(f"/analytics/customers/?snapshot={snapshot.pk}").content.decode()
    assert listing.count('title="Not enough history to fit the purchase model"') == 9
    assert listing.count('title="Too little history"') == 1  # the newbie
    # The single order last week is in the top quintiles of both R and F: the grid's
    # "champions: bought recently and often". It is new.
    newbie = CustomerScore.objects.get(snapshot=snapshot, contact=histories["newbie"])
    assert (newbie.r, newbie.f) == (5, 5)
    assert newbie.rfm_segment == "new" and newbie.journey == "conversion"
    text = panel(admin, histories["newbie"])
    shows(text, JUST_NEW, "Too little history", "One purchase, among the most recent")
    hides(text, *OFTEN)


def test_no_segment_contradicts_the_facts_it_names(histories):
    """Over a whole snapshot: one purchase day is never "often", a last order older
    than the active period never "recent", and only a recent single order is "new"."""
    snapshot = refresh.refresh(AS_OF)
    assert snapshot.status == Snapshot.Status.DONE, snapshot.error
    often = {"champions", "loyal", "at_risk", "cant_lose"}
    recent = {"champions", "loyal", "potential_loyalists", "new", "promising"}
    recent |= {"need_attention", "about_to_sleep"}
    scores = list(CustomerScore.objects.filter(snapshot=snapshot))
    assert len(scores) == 40
    for s in scores:
        if s.purchase_days == 1:
            assert s.rfm_segment not in often, s.pk
        if s.recency_days > ACTIVE_DAYS:
            assert s.rfm_segment not in recent and s.journey == "retention", s.pk
        if s.journey == "conversion" or s.rfm_segment in ("new", "promising"):
            assert s.purchase_days == 1 and s.recency_days <= ACTIVE_DAYS, s.pk
        if s.purchase_days == 1 and s.p_alive is not None:
            assert s.p_alive < 1
