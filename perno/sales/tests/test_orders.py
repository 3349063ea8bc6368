"""Orders entered in the UI and through the API: lines and totals, the buyer, bad input
with clear messages and nothing stored, rights."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal

import pytest
from django.utils import timezone

from perno.accounts.services import token_create
from perno.contacts.models import Company, Contact
from perno.sales import services
from perno.sales.models import Order, OrderLine, Product

pytestmark = pytest.mark.django_db


@pytest.fixture
def buyer(admin_user):
    return Contact.objects.create(first_name="Ada", last_name="Neri", owner=admin_user)


@pytest.fixture
def api(client, admin_user):
    _token, clear = token_create(user=admin_user, name="t", scope="write")
    headers = {"Authorization": f"Bearer {clear}"}

    def call(method, path, body=None):
        return getattr(client, method)(
            f"/api/v1{path}",
            json.dumps(body) if body is not None else None,
            content_type="application/json",
            headers=headers,
        )

    return call


def test_lines_make_the_total_and_a_product_fills_name_and_price(admin_user, buyer):
    product = Product.objects.create(name="Olio EVO 1 l", sku="OLIO1", unit_price=Decimal("12.50"))
    order = services.order_create(
        actor=admin_user,
        data={"contact": buyer.pk, "ordered_on": datetime.date(2026, 3, 1), "currency": "EUR"},
        lines=[
            {"product": product.pk, "quantity": "3"},
            {"description": "Spedizione", "quantity": "1", "unit_price": "7,90"},
        ],
    )
    assert order.total == Decimal("45.40")
    lines = list(order.lines.order_by("position"))
    assert [(line.description, line.total) for line in lines] == [
        ("Olio EVO 1 l", Decimal("37.50")),
        ("Spedizione", Decimal("7.90")),
    ]
    assert order.owner == admin_user and order.source == "manual"


def test_bad_orders_say_what_is_wrong_and_store_nothing(admin_user, buyer):
    cases = [
        ({"ordered_on": datetime.date(2026, 3, 1), "total": "10"}, [], "Give the buyer"),
        (
            {
                "contact": buyer.pk,
                "ordered_on": timezone.localdate() + datetime.timedelta(days=3),
                "total": "10",
            },
            [],
            "in the future",
        ),
        ({"contact": buyer.pk, "ordered_on": datetime.date(2026, 3, 1)}, [], "Give the total"),
        (
            {"contact": buyer.pk, "ordered_on": datetime.date(2026, 3, 1)},
            [{"description": "x", "quantity": "-1", "unit_price": "3"}],
            "Line 1: quantity must be zero or more",
        ),
        (
            {"contact": buyer.pk, "ordered_on": datetime.date(2026, 3, 1)},
            [{"description": "ok", "unit_price": "3"}, {"description": "x", "unit_price": "abc"}],
            "Line 2: unit price “abc” is not a number",
        ),
        (
            {"contact": buyer.pk, "ordered_on": datetime.date(2026, 3, 1)},
            [{"quantity": "1", "unit_price": "3"}],
            "Line 1: give a description or a product",
        ),
        (
            {"contact": buyer.pk, "ordered_on": datetime.date(2026, 3, 1)},
            [{"product": 999999, "quantity": "1"}],
            "product 999999 does not exist",
        ),
        (
            {"contact": 999999, "ordered_on": datetime.date(2026, 3, 1), "total": "1"},
            [],
            "No contact with id 999999",
        ),
    ]
    for data, lines, message in cases:
        with pytest.raises(Exception) as caught:
            services.order_create(actor=admin_user, data=data, lines=lines)
        assert message in str(caught.value), (message, caught.value)
    assert not Order.objects.exists() and not OrderLine.objects.exists()


def test_api_creates_updates_and_replaces_lines(api, buyer):
    company = Company.objects.create(name="Acme")
    created = api(
        "post",
        "/orders",
        {
            "number": "WEB-1",
            "contact_id": buyer.pk,
            "company_id": company.pk,
            "ordered_on": "2026-02-01",
            "cost": "10",
            "lines": [{"description": "A", "quantity": "2", "unit_price": "4.5"}],
        },
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["total"] == "9.00" and body["source"] == "api"
    assert body["contact_id"] == buyer.pk and body["company_id"] == company.pk
    assert len(body["lines"]) == 1
    patched = api(
        "patch",
        f"/orders/{body['id']}",
        {"version": body["version"], "lines": [{"description": "B", "unit_price": "20"}]},
    )
    assert patched.status_code == 200, patched.content
    assert patched.json()["total"] == "20.00"
    assert [line["description"] for line in patched.json()["lines"]] == ["B"]
    duplicate = api(
        "post",
        "/orders",
        {"number": "WEB-1", "contact_id": buyer.pk, "ordered_on": "2026-02-02", "total": "5"},
    )
    assert duplicate.status_code == 409  # a unique value taken: a conflict, naming the field
    assert duplicate.json()["errors"] == {"number": ["An order with this order id already exists."]}
    assert Order.objects.filter(number="WEB-1").count() == 1
    bad = api(
        "post", "/orders", {"contact_id": buyer.pk, "ordered_on": "2026-02-02", "total": "-5"}
    )
    assert bad.status_code in (400, 422)
    assert Order.objects.count() == 1
    assert api("delete", f"/orders/{body['id']}").status_code == 204
    assert not Order.objects.exists() and not OrderLine.objects.exists()


def test_the_order_page_saves_lines_and_shows_errors_in_place(
    client, admin_user, login_verified, buyer
):
    login_verified(client, admin_user)
    form = {
        "contact": buyer.pk,
        "ordered_on": "2026-03-05",
        "currency": "EUR",
        "status": "confirmed",
        "line-1-description": "Vino",
        "line-1-quantity": "6",
        "line-1-unit_price": "9.90",
        "line-2-description": "",
    }
    bad = client.post("/orders/new/", {**form, "line-1-quantity": "sei"})
    assert bad.status_code == 400
    assert "Line 1: quantity “sei” is not a number." in bad.content.decode()
    assert "sei" in bad.content.decode()  # what the user typed is kept
    assert not Order.objects.exists()
    good = client.post("/orders/new/", form)
    assert good.status_code == 302
    order = Order.objects.get()
    assert order.total == Decimal("59.40") and order.lines.count() == 1
    page = client.get(order.get_absolute_url()).content.decode()
    assert "Vino" in page and "59" in page
    panel = client.get(f"/analytics/customer/contact/{buyer.pk}/").content.decode()
    assert order.get_absolute_url() in panel
