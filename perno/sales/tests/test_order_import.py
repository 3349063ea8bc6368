"""Importing orders from CSV: customers matched by external id or created, idempotent on
order_id, bad rows reported by line, all-or-nothing on request, nothing written on a
failure half-way, erased people not created again."""

from __future__ import annotations

import io
import sys
from decimal import Decimal

import pytest

from perno import cli
from perno.audit.models import AuditEvent
from perno.contacts.models import Company, Contact
from perno.contacts.services import company_create, contact_create
from perno.imports import orders as imports
from perno.privacy.erasure import erase_contact
from perno.privacy.models import DataSource
from perno.sales.models import Order, OrderLine

pytestmark = pytest.mark.django_db

GOOD = """customer_id,date,amount,currency,order_id
C-1,2026-01-15,120.50,EUR,A-1
ACME,20260201,"1.000,00",eur,A-2
NEW-9,2026-03-01,10,RON,A-3
NEW-9,2026-03-02,5,,A-4
"""


def run(text, **kwargs):
    return imports.import_orders(actor=None, text=text, source_name="shop.csv", **kwargs)


@pytest.fixture
def customers(user):
    contact = contact_create(
        actor=user, data={"first_name": "Ada", "last_name": "Neri", "external_id": "C-1"}
    )
    company = company_create(actor=user, data={"name": "Acme", "external_id": "ACME"})
    return contact, company


def test_orders_are_linked_to_known_customers_and_new_ones_are_created(customers):
    contact, company = customers
    result = run(GOOD)
    assert (result.imported, result.skipped, result.customers_created, result.errors) == (
        4,
        0,
        1,
        [],
    )
    first = Order.objects.get(number="A-1")
    assert first.contact == contact and first.total == Decimal("120.50")
    assert first.currency == "EUR" and first.source == "import"
    acme = Order.objects.get(number="A-2")
    assert acme.company == company and acme.contact is None
    assert acme.total == Decimal("1000.00") and acme.currency == "EUR"
    new = Contact.objects.get(external_id="NEW-9")
    assert list(new.orders.order_by("ordered_on").values_list("number", flat=True)) == [
        "A-3",
        "A-4",
    ]
    assert Order.objects.get(number="A-4").currency == "EUR"  # the default currency
    assert DataSource.objects.get(contact=new).detail == "shop.csv"
    assert OrderLine.objects.count() == 4
    assert OrderLine.objects.get(order__number="A-1").total == Decimal("120.50")
    entry = AuditEvent.objects.filter(action="create", object_type="sales.order").get()
    assert entry.detail["orders"] == 4 and entry.detail["customers_created"] == 1


def test_importing_the_same_file_again_adds_nothing(customers):
    run(GOOD)
    again = run(GOOD)
    assert (again.imported, again.skipped, again.customers_created) == (0, 4, 0)
    assert Order.objects.count() == 4 and Contact.objects.filter(external_id="NEW-9").count() == 1


def test_bad_rows_are_reported_by_line_and_the_good_ones_imported(customers):
    text = """customer_id,date,amount,currency,order_id
C-1,2026-01-15,-3,EUR,B-1
C-1,15 gennaio,3,EUR,B-2
C-1,2026-01-15,3,XYZ,B-3
,2026-01-15,3,EUR,B-4
C-1,2026-01-15,abc,EUR,B-5
C-1,2026-01-15,3,EUR,B-6
"""
    result = run(text)
    reasons = dict(result.errors)
    assert sorted(reasons) == [2, 3, 4, 5, 6]
    assert "negative" in reasons[2]
    assert "is not a date: write YYYY-MM-DD" in reasons[3]
    assert "unknown currency “XYZ”" in reasons[4] and "EUR" in reasons[4]
    assert "customer_id is empty" in reasons[5]
    assert "“abc” is not an amount" in reasons[6]
    assert list(Order.objects.values_list("number", flat=True)) == ["B-6"]


def test_all_or_nothing_writes_nothing_when_a_row_is_bad(customers):
    text = GOOD + "C-1,2026-13-45,3,EUR,B-9\n"
    result = run(text, all_or_nothing=True)
    assert result.errors == [(6, "“2026-13-45” is not a date: write YYYY-MM-DD")]
    assert not result.written
    assert not Order.objects.exists() and not Contact.objects.filter(external_id="NEW-9").exists()


def test_a_file_without_the_columns_is_refused_with_what_is_missing():
    with pytest.raises(imports.ImportError_, match="missing: amount"):
        run("customer_id,date,total\nC-1,2026-01-01,3\n")


def test_a_failure_half_way_writes_nothing(customers, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(OrderLine.objects, "bulk_create", broken)
    with pytest.raises(RuntimeError):
        run(GOOD)
    assert not Order.objects.exists()
    assert not Contact.objects.filter(external_id="NEW-9").exists()
    assert not DataSource.objects.filter(detail="shop.csv").exists()


def test_a_forgotten_customer_is_not_created_again(customers, make_user):
    contact, _company = customers
    erase_contact(actor=make_user("dora", role="dpo"), contact=contact)
    result = run(GOOD)
    assert [line for line, _reason in result.errors] == [2]
    assert "C-1 asked to be forgotten" in result.errors[0][1]
    assert not Contact.objects.filter(external_id="C-1").exists()
    assert not Order.objects.filter(number="A-1").exists() and result.imported == 3


def test_erasing_a_customer_keeps_the_orders_without_the_person(customers, make_user):
    contact, _company = customers
    run(GOOD)
    erase_contact(actor=make_user("dora", role="dpo"), contact=contact)
    kept = Order.objects.get(number="A-1")
    assert kept.contact is None and kept.total == Decimal("120.50")


def test_perno_import_orders_command(customers, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    good = tmp_path / "orders.csv"
    good.write_text(GOOD, encoding="utf-8")
    args = ["import", "orders", str(good), "--data-dir", str(tmp_path)]
    assert cli.main(args) == 0
    assert "4 orders imported, 0 already known" in capsys.readouterr().out
    bad = tmp_path / "bad.csv"
    bad.write_text("customer_id,date,amount\nC-1,2026-01-01,-1\n", encoding="utf-8")
    assert cli.main(["import", "orders", str(bad), "--all-or-nothing"]) == 1
    err = capsys.readouterr().err
    assert "bad.csv, line 2: the amount -1 is negative" in err and "Nothing imported" in err
    assert cli.main(["import", "orders", str(tmp_path / "none.csv")]) == 2
    assert Company.objects.count() == 1


def test_values_the_fields_cannot_hold_are_reported_by_line(customers):
    """Over-long ids, NUL characters, dates outside 1900-2200 and surplus values: each
    row is refused with its line and reason; with all-or-nothing nothing is stored."""
    text = (
        "customer_id,date,amount,currency,order_id\n"
        f"{'C' * 65},2026-01-15,3,EUR,D-1\n"
        f"C-1,2026-01-15,3,EUR,{'D' * 65}\n"
        "C-1\x00,2026-01-15,3,EUR,D-3\n"
        "C-1,9999-12-31,3,EUR,D-4\n"
        "C-1,00010101,3,EUR,D-5\n"
        "C-1,1899-12-31,3,EUR,D-6\n"
        "C-1,2026-01-15,3,EUR,D-7,extra\n"
        "C-1,2026-01-15,3,EUR,D-8\n"
    )
    result = run(text, all_or_nothing=True)
    reasons = dict(result.errors)
    assert sorted(reasons) == [2, 3, 4, 5, 6, 7, 8]
    assert "customer_id is longer than 64 characters (65)" in reasons[2]
    assert "order_id is longer than 64 characters (65)" in reasons[3]
    assert "customer_id: " in reasons[4] and "NUL character" in reasons[4]
    for line in (5, 6, 7):
        assert "between 1900-01-01 and 2200-12-31" in reasons[line]
    assert "1 value(s) more than the header has columns" in reasons[8]
    assert not result.written and not Order.objects.exists()
    result = run(text)
    assert sorted(dict(result.errors)) == [2, 3, 4, 5, 6, 7, 8]
    assert list(Order.objects.values_list("number", flat=True)) == ["D-8"]


def test_a_file_with_an_unknown_column_is_refused_whole_naming_it(customers):
    with pytest.raises(imports.ImportError_, match=r"Line 1: unknown column.*“note”"):
        run("customer_id,date,amount,note\nC-1,2026-01-01,3,hello\n")
    with pytest.raises(imports.ImportError_, match=r"“not\\x00e”"):
        run("customer_id,date,amount,not\x00e\nC-1,2026-01-01,3,hello\n")
    assert not Order.objects.exists()


def test_the_command_names_the_line_that_is_not_utf8_and_imports_nothing(
    customers, tmp_path, monkeypatch, capsys
):
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    bad = tmp_path / "latin1.csv"
    bad.write_bytes(b"customer_id,date,amount\nC-1,2026-01-01,3\nCaf\xe9,2026-01-02,4\n")
    assert cli.main(["import", "orders", str(bad), "--data-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "latin1.csv, line 3: not UTF-8 text (byte 0xe9)" in err and "Nothing imported" in err
    unknown = tmp_path / "unknown.csv"
    unknown.write_text("customer_id,date,amount,total\nC-1,2026-01-01,3,3\n", encoding="utf-8")
    assert cli.main(["import", "orders", str(unknown), "--data-dir", str(tmp_path)]) == 2
    assert "unknown column(s) “total”" in capsys.readouterr().err
    assert not Order.objects.exists()
