"""Each cell of an import row read into the value its field stores, or a message saying
what is wrong and how to fix it; the formats of date and number columns detected from
the file and open to the user's choice."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from django.utils import timezone
from openpyxl import Workbook

from perno.accounts.models import User
from perno.contacts.models import CustomFieldDefinition
from perno.imports import formats
from perno.imports.cells import detect_formats, make_context, parse_row, parse_table_row
from perno.imports.fields import mapping_warnings
from perno.imports.files import read_table

pytestmark = pytest.mark.django_db


def _parse(entity, cells: dict[str, str], *, user=None, formats=None):
    """Parse one row whose headers are the field keys themselves."""
    headers = list(cells)
    context = make_context(entity, user, headers, formats)
    return parse_row(entity, {h: h for h in headers}, list(cells.values()), context=context)


def _value(entity, key, text, **kwargs):
    values, problems = _parse(entity, {key: text}, **kwargs)
    assert not problems, problems
    return values[key]


def _problem(entity, key, text, **kwargs):
    values, problems = _parse(entity, {key: text}, **kwargs)
    assert key not in values
    return problems[key]


def test_a_good_contact_row():
    values, problems = _parse(
        "contact",
        {
            "first_name": " Ștefan ",
            "last_name": "Popescu",
            "email": "stefan.popescu@example.ro",
            "phone": "021 312 3456",
            "mobile": "0722 000 111",
            "country": "România",
            "company_name": "Transilvania Software SRL",
            "address_street": "Strada Memorandumului 28",
            "address_city": "Cluj-Napoca",
            "address_country": "RO",
            "tags": "vip; clienti, vip",
            "notes": "=1+1 stays text",
        },
    )
    assert problems == {}
    assert values == {
        "first_name": "Ștefan",
        "last_name": "Popescu",
        "email": "stefan.popescu@example.ro",
        "phone": "+40213123456",
        "mobile": "+40722000111",
        "country": "RO",
        "company_name": "Transilvania Software SRL",
        "address_street": "Strada Memorandumului 28",
        "address_city": "Cluj-Napoca",
        "address_country": "RO",
        "tags": ["vip", "clienti"],
        "notes": "=1+1 stays text",
    }


def test_empty_cells_are_left_out_and_required_ones_are_problems():
    values, problems = _parse("contact", {"first_name": "Mario", "last_name": " ", "email": ""})
    assert values == {"first_name": "Mario"}
    assert problems == {"last_name": "Last name is required: fill it in for this row."}


def test_email():
    assert _value("contact", "email", "mailto:Anna@Example.it") == "Anna@Example.it"
    message = _problem("contact", "email", "anna@@example")
    assert message == "“anna@@example” is not an e-mail address. Write it like name@example.com."


def test_phone_region_is_the_rows_country_else_the_users(make_user):
    assert _value("contact", "phone", "06 1234 5678") == "+390612345678"  # the default, IT
    romanian = make_user("ana")
    User.objects.filter(pk=romanian.pk).update(country="RO")
    romanian.refresh_from_db()
    assert _value("contact", "phone", "0722 000 111", user=romanian) == "+40722000111"
    values, problems = _parse(
        "company", {"phone": "06 1234 5678", "country": "Italy"}, user=romanian
    )
    assert values["phone"] == "+390612345678" and not problems
    message = _problem("contact", "phone", "0722 000", user=romanian)
    assert "read as a phone number in Romania (+40)" in message
    # A lead's country too.
    values, _problems = _parse("lead", {"phone": "0722 000 111", "country": "RO"})
    assert values["phone"] == "+40722000111"


def test_vat_numbers_with_their_check_digits():
    assert _value("company", "vat_number", "IT 00743110157") == "IT00743110157"
    assert _value("company", "vat_number", "00743110157") == "IT00743110157"  # user's region
    values, problems = _parse("company", {"vat_number": "18547290", "country": "Romania"})
    assert values["vat_number"] == "RO18547290" and not problems
    assert _value("company", "vat_number", "RO18547290") == "RO18547290"
    message = _problem("company", "vat_number", "00743110158")
    assert "not a valid EU VAT number" in message and "check the digits" in message


@pytest.mark.parametrize(
    ("text", "order", "expected"),
    [
        ("31/12/2025", formats.DMY, datetime.date(2025, 12, 31)),
        ("31.12.2025", formats.DMY, datetime.date(2025, 12, 31)),
        ("01/02/2025", formats.DMY, datetime.date(2025, 2, 1)),
        ("01/02/2025", formats.MDY, datetime.date(2025, 1, 2)),
        ("12/31/2025", formats.MDY, datetime.date(2025, 12, 31)),
        ("2025-12-31", formats.MDY, datetime.date(2025, 12, 31)),  # ISO whatever the order
        ("2025-12-31", formats.DMY, datetime.date(2025, 12, 31)),
        ("31 dicembre 2025", formats.DMY, datetime.date(2025, 12, 31)),
        ("31 decembrie 2025", formats.DMY, datetime.date(2025, 12, 31)),
        ("3 mar. 2026", formats.DMY, datetime.date(2026, 3, 3)),
        ("December 31, 2025", formats.DMY, datetime.date(2025, 12, 31)),
        ("1/3/26", formats.DMY, datetime.date(2026, 3, 1)),
    ],
)
def test_dates_in_the_columns_format(text, order, expected):
    assert _value("order", "ordered_on", text, formats={"ordered_on": order}) == expected


def test_a_date_in_another_format_says_which_was_chosen():
    message = _problem("order", "ordered_on", "12/31/2025", formats={"ordered_on": formats.DMY})
    assert message.startswith(
        "“12/31/2025” is not a date in the format dd/mm/yyyy chosen for this column."
    )
    assert "choose mm/dd/yyyy" in message
    message = _problem("order", "ordered_on", "31/12/2025", formats={"ordered_on": formats.MDY})
    assert "format mm/dd/yyyy" in message and "choose dd/mm/yyyy" in message
    assert "not a date" in _problem("order", "ordered_on", "31/02/2025")
    assert "not a date" in _problem("order", "ordered_on", "yesterday")
    assert "between 1900-01-01 and 2200-12-31" in _problem("order", "ordered_on", "01/01/1800")
    assert "between 1900-01-01" in _problem("deal", "expected_close_date", "9999-12-31")


def test_datetimes_are_in_the_users_time_zone():
    due = _value("activity", "due_at", "31/12/2025 14:30")
    assert due == timezone.make_aware(datetime.datetime(2025, 12, 31, 14, 30))
    assert _value(
        "activity", "due_at", "2025-12-31T14:30:00+02:00"
    ).utcoffset() == datetime.timedelta(hours=2)
    morning = _value("activity", "due_at", "31/12/2025")
    assert timezone.localtime(morning).time() == datetime.time(9)
    assert "offset" in _problem("activity", "due_at", "2025-12-31T14:30:00+23:34")


@pytest.mark.parametrize(
    ("text", "decimal", "expected"),
    [
        ("1.234,56", formats.COMMA, Decimal("1234.56")),
        ("1234,5", formats.COMMA, Decimal("1234.5")),
        ("€ 1.234,00", formats.COMMA, Decimal("1234")),
        ("1 234,50 lei", formats.COMMA, Decimal("1234.5")),
        ("1,234.56", formats.POINT, Decimal("1234.56")),
        ("1234.5", formats.POINT, Decimal("1234.5")),
        ("1'234.50", formats.POINT, Decimal("1234.5")),
        ("0", formats.POINT, Decimal("0")),
    ],
)
def test_amounts_with_comma_or_point(text, decimal, expected):
    assert _value("deal", "amount", text, formats={"amount": decimal}) == expected


def test_bad_amounts():
    message = _problem("deal", "amount", "1,234.56", formats={"amount": formats.COMMA})
    assert message == (
        "“1,234.56” is not a number in the format 1.234,56 chosen for this column. "
        "Write it like 1.234,56, or choose the other format for the column."
    )
    assert "smallest Amount" in _problem("deal", "amount", "-5")
    assert "more than 2 decimals" in _problem("deal", "amount", "12.345")
    assert "too large" in _problem("deal", "amount", "1000000000000")
    assert "not a number" in _problem("deal", "amount", "twelve")
    assert "not a number" in _problem("deal", "amount", "1.2.3")


def test_integers():
    assert _value("deal", "probability", "50") == 50
    assert "largest Probability %" in _problem("deal", "probability", "150")
    assert "not a whole number" in _problem("company", "employees", "12.5")
    assert _value("company", "employees", "1.200", formats={"employees": formats.COMMA}) == 1200


def test_choices_by_value_or_label_in_three_languages():
    assert _value("lead", "status", "qualified") == "qualified"
    assert _value("lead", "status", "Qualified") == "qualified"
    assert _value("lead", "status", "qualificato") == "qualified"
    assert _value("lead", "status", "Calificat") == "qualified"
    assert _value("lead", "source", "Evento / fiera") == "event"
    assert _value("activity", "priority", "Alta") == 3
    assert _value("activity", "priority", "ridicată") == 3
    assert _value("deal", "currency", "ron") == "RON"
    message = _problem("lead", "status", "hot")
    assert message.startswith("“hot” is not one of the values of Status. Use one of: New,")
    assert "Converted" not in message  # an import does not convert leads
    assert "not one of" in _problem("lead", "status", "converted")


def test_countries_booleans_urls_languages():
    assert _value("contact", "country", "Italia") == "IT"
    assert _value("contact", "country", "ro") == "RO"
    assert "not a country we know" in _problem("contact", "country", "Atlantis")
    for text, expected in [("sì", True), ("Da", True), ("x", True), ("nu", False), ("0", False)]:
        assert _value("product", "is_active", text) is expected
    assert "not yes or no" in _problem("product", "is_active", "forse")
    assert _value("company", "website", "www.acme.it") == "https://www.acme.it"
    assert _value("company", "website", "http://acme.it/x") == "http://acme.it/x"
    assert "not a web address" in _problem("company", "website", "acme dot it")
    assert _value("contact", "language", "italiano") == "it"
    assert _value("contact", "language", "Romanian") == "ro"
    assert _value("contact", "language", "en-GB") == "en-GB"
    assert "not a language" in _problem("contact", "language", "klingonese")


def test_lengths_text_and_tags():
    message = _problem("contact", "first_name", "M" * 101)
    assert message == "The text has 101 characters; First name holds at most 100. Shorten it."
    assert "at most 64" in _problem("contact", "external_id", "x" * 65)
    assert "longer than 60 characters" in _problem("contact", "tags", "ok, " + "t" * 61)
    assert "NUL" in _problem("contact", "notes", "a\x00b")
    assert "encrypted values" in _problem("contact", "notes", "\u27e6aesgcm\u27e7abc")


def test_full_name_is_split():
    values, problems = _parse("contact", {"full_name": "Anna Maria Bianchi"})
    assert values == {"first_name": "Anna Maria", "last_name": "Bianchi"} and not problems
    values, problems = _parse("contact", {"full_name": "Bianchi"})
    assert values == {"last_name": "Bianchi"}
    assert problems == {"first_name": "First name is required: fill it in for this row."}
    values, problems = _parse("lead", {"full_name": "Bianchi"})
    assert values == {"last_name": "Bianchi"} and not problems
    # A first name column wins over the split.
    values, _problems = _parse("contact", {"full_name": "Anna Bianchi", "first_name": "Annie"})
    assert values == {"first_name": "Annie", "last_name": "Bianchi"}


def test_an_address_needs_street_and_city():
    _values, problems = _parse(
        "contact", {"first_name": "A", "last_name": "B", "address_street": "Via Roma 1"}
    )
    assert set(problems) == {"address_city"}
    assert "needs its city as well as its street" in problems["address_city"]
    # A city alone is no address, but a value (to find duplicates by).
    values, problems = _parse(
        "contact", {"first_name": "A", "last_name": "B", "address_city": "Roma"}
    )
    assert values["address_city"] == "Roma" and not problems
    assert mapping_warnings("contact", {"Città": "address_city"})[0].startswith(
        "No column is mapped to Address: street."
    )
    assert mapping_warnings("contact", {"Via": "address_street", "Città": "address_city"}) == []


def test_consents_and_custom_fields():
    CustomFieldDefinition.objects.create(
        entity="contact", key="size", label="Taglia", field_type="number"
    )
    CustomFieldDefinition.objects.create(
        entity="contact", key="since", label="Cliente dal", field_type="date"
    )
    CustomFieldDefinition.objects.create(
        entity="contact",
        key="tier",
        label="Livello",
        field_type="choice",
        choices=["oro", "argento"],
    )
    values, problems = _parse(
        "contact",
        {
            "consent.newsletter": "sì",
            "custom_fields.size": "42,5",
            "custom_fields.since": "01/03/2020",
            "custom_fields.tier": "bronzo",
        },
        formats={"custom_fields.size": formats.COMMA},
    )
    assert values == {
        "consent.newsletter": True,
        "custom_fields.size": Decimal("42.5"),
        "custom_fields.since": datetime.date(2020, 3, 1),
    }
    assert problems["custom_fields.tier"].startswith("“bronzo” is not one of the values of Livello")
    assert _value("contact", "consent.newsletter", "no") is False


def test_rows_by_header_through_a_mapping():
    headers = ["Nome", "Cognome", "Email", "Ignored"]
    context = make_context("contact", None, headers)
    mapping = {"Nome": "first_name", "Cognome": "last_name", "Email": "email", "Ignored": None}
    values, problems = parse_row(
        "contact", mapping, ["Mario", "Rossi", "m@x.it", "junk"], context=context
    )
    assert values == {"first_name": "Mario", "last_name": "Rossi", "email": "m@x.it"}
    as_dict = {"Nome": "Mario", "Cognome": "Rossi", "Email": "bad", "Ignored": "x"}
    values, problems = parse_row("contact", mapping, as_dict, context=context)
    assert set(problems) == {"email"}
    # A mapping to a field the user may not fill (or that does not exist) is ignored.
    values, problems = parse_row("contact", {"Nome": "is_confidential"}, ["x"], context=context)
    assert values == {} and problems == {}


def _xlsx_with_formula() -> bytes:
    book = Workbook()
    book.active.append(["Nome", "Cognome", "Totale"])
    book.active.append(["Mario", "Rossi", "=1+2"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_problems_from_reading_the_file_join_the_rows():
    table = read_table("x.xlsx", _xlsx_with_formula())
    mapping = {"Nome": "first_name", "Cognome": "last_name", "Totale": "notes"}
    context = make_context("contact", None, table.headers)
    values, problems = parse_table_row(mapping, table, 0, context=context)
    assert "notes" not in values and "holds a formula" in problems["notes"]
    mapping["Totale"] = None
    values, problems = parse_table_row(mapping, table, 0, context=context)
    assert values == {"first_name": "Mario", "last_name": "Rossi"} and not problems
    table = read_table("x.csv", b"Nome,Cognome\nMario,Rossi,extra\n")
    values, problems = parse_table_row(
        {"Nome": "first_name", "Cognome": "last_name"}, table, 0, context=context
    )
    assert "2 columns" in problems[""]


def test_detect_formats():
    table = read_table(
        "o.csv",
        b"numero;data;totale;costo\nA1;01/02/2025;1.234,56;10\nA2;13/02/2025;99,5;1.000\n",
    )
    mapping = {"numero": "number", "data": "ordered_on", "totale": "total", "costo": "cost"}
    assert detect_formats("order", mapping, table) == {
        "ordered_on": formats.DMY,
        "total": formats.COMMA,
        "cost": formats.COMMA,  # 1.000 alone does not tell: a ; file writes decimal commas
    }
    table = read_table("o.csv", b'number,date,total\nA1,02/13/2025,"1,234.56"\nA2,2/1/2025,12.5\n')
    mapping = {"number": "number", "date": "ordered_on", "total": "total"}
    found = detect_formats("order", mapping, table)
    assert found == {"ordered_on": formats.MDY, "total": formats.POINT}
    context = make_context("order", None, table.headers, found)
    values, problems = parse_row("order", mapping, table.rows[0], context=context)
    assert values["ordered_on"] == datetime.date(2025, 2, 13) and not problems
    assert values["total"] == Decimal("1234.56")
    # The user's choice overrides what was detected.
    context = make_context("order", None, table.headers, {**found, "ordered_on": formats.DMY})
    _values, problems = parse_row("order", mapping, table.rows[0], context=context)
    assert "format dd/mm/yyyy chosen for this column" in problems["ordered_on"]
    table = read_table("o.csv", b"number,date\nA1,2025-01-31\n")
    assert detect_formats("order", {"date": "ordered_on"}, table) == {"ordered_on": formats.YMD}
