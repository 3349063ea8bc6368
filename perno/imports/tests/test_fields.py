"""The fields an import can fill per record type (from the models, custom fields and
consent purposes; confidential fields left out for who may not read them) and the
mapping suggested from headers in English, Italian and Romanian."""

from __future__ import annotations

import pytest

from perno.accounts.models import ConfidentialField
from perno.contacts.models import CustomFieldDefinition
from perno.imports.fields import (
    ENTITIES,
    fold,
    missing_required,
    suggest_mapping,
    target_fields,
)
from perno.privacy.models import Purpose

pytestmark = pytest.mark.django_db


def _keys(entity, user=None):
    return {t.key: t for t in target_fields(entity, user)}


def test_every_entity_has_its_required_fields_from_the_models():
    required = {
        entity: sorted(t.key for t in target_fields(entity) if t.required) for entity in ENTITIES
    }
    assert required == {
        "company": ["name"],
        "contact": ["first_name", "last_name"],
        "lead": ["last_name"],
        "deal": ["title"],
        "product": ["name", "sku", "unit_price"],
        "activity": ["subject"],
        "order": ["ordered_on", "total"],
    }
    contact = _keys("contact")
    assert contact["email"].kind == "email" and contact["email"].max_length == 254
    assert contact["first_name"].max_length == 100
    assert contact["mobile"].kind == "phone" and contact["country"].kind == "country"
    assert {"company_name", "company_external_id", "address_street", "address_city"} <= set(contact)
    assert _keys("company")["vat_number"].kind == "vat"
    assert _keys("company")["employees"].min_value == 0
    deal = _keys("deal")
    assert deal["probability"].max_value == 100 and deal["amount"].kind == "amount"
    assert deal["amount"].decimal_places == 2 and deal["amount"].max_digits == 14
    assert ("EUR", "EUR") in deal["currency"].choices
    assert _keys("activity")["due_at"].kind == "datetime"
    assert "survey" not in dict(_keys("activity")["kind"].choices)
    assert "converted" not in dict(_keys("lead")["status"].choices)
    assert _keys("order")["ordered_on"].kind == "date"
    with pytest.raises(LookupError):
        target_fields("pipeline")


def test_custom_fields_and_consent_purposes_are_fields():
    CustomFieldDefinition.objects.create(
        entity="contact", key="shoe_size", label="Numero di scarpe", field_type="number"
    )
    CustomFieldDefinition.objects.create(
        entity="contact", key="tier", label="Livello", field_type="choice",
        choices=["gold", "silver"], is_required=True,
    )  # fmt: skip
    CustomFieldDefinition.objects.create(
        entity="contact", key="old", label="Old", field_type="text", is_active=False
    )
    Purpose.objects.create(code="club", name="Club fedeltà", legal_basis="consent")
    Purpose.objects.create(code="billing", name="Billing", legal_basis="contract")
    Purpose.objects.create(code="gone", name="Gone", legal_basis="consent", is_active=False)
    contact = _keys("contact")
    assert contact["custom_fields.shoe_size"].kind == "number"
    tier = contact["custom_fields.tier"]
    assert tier.required and tier.choices == (("gold", "gold"), ("silver", "silver"))
    assert "custom_fields.old" not in contact
    consent = contact["consent.club"]
    assert consent.kind == "consent" and consent.label == "Consent: Club fedeltà"
    # The shipped newsletter purpose asks for consent; customer analytics does not.
    assert contact["consent.newsletter"].label == "Consent: Newsletter and commercial offers"
    assert "consent.customer-analytics" not in contact
    assert "consent.billing" not in contact and "consent.gone" not in contact
    # Consents are a contact's; custom fields stay with their record type.
    assert not any(k.startswith(("consent.", "custom_fields.")) for k in _keys("company"))
    assert missing_required("contact", {"Nome": "full_name"})[0].key == "custom_fields.tier"


def test_confidential_fields_are_left_out_for_who_may_not_read_them(make_user):
    ConfidentialField.objects.create(subject="contact", field="job_title")
    sales = make_user("sales1", role="sales")
    admin = make_user("admin1", role="administrator")
    assert "job_title" not in _keys("contact", sales)
    assert "job_title" in _keys("contact", admin)
    mapping = suggest_mapping("contact", ["Nome", "Ruolo"], sales)
    assert mapping == {"Nome": "first_name", "Ruolo": None}


def test_missing_required_fields():
    assert [t.key for t in missing_required("contact", {"Email": "email"})] == [
        "first_name",
        "last_name",
    ]
    assert missing_required("contact", {"Nome completo": "full_name"}) == []
    assert missing_required("lead", {"Name": "full_name"}) == []
    assert [t.key for t in missing_required("product", {"A": "name", "B": None})] == [
        "sku",
        "unit_price",
    ]


def test_fold():
    assert fold("  P.IVA ") == "p iva"
    assert fold("Județ") == fold("Judeţ") == "judet"
    assert fold("E-mail") == "e mail" and fold("Città") == "citta"


@pytest.mark.parametrize(
    ("entity", "headers", "expected"),
    [
        (
            "contact",
            ["First Name", "Last Name", "Email address", "Phone", "Mobile", "Company",
             "Job title", "Street", "City", "ZIP", "State", "Country", "Notes", "Tags"],
            ["first_name", "last_name", "email", "phone", "mobile", "company_name",
             "job_title", "address_street", "address_city", "address_postal_code",
             "address_region", "country", "notes", "tags"],
        ),
        (
            "contact",
            ["Nome", "Cognome", "E-mail", "Telefono", "Cellulare", "Ragione sociale",
             "Qualifica", "Indirizzo", "Città", "CAP", "Provincia", "Paese", "Note"],
            ["first_name", "last_name", "email", "phone", "mobile", "company_name",
             "job_title", "address_street", "address_city", "address_postal_code",
             "address_region", "country", "notes"],
        ),
        (
            "contact",
            ["Prenume", "Nume", "Adresă e-mail", "Telefon", "Telefon mobil", "Firmă",
             "Funcție", "Adresa", "Localitate", "Cod poștal", "Județ", "Țară"],
            ["first_name", "last_name", "email", "phone", "mobile", "company_name",
             "job_title", "address_street", "address_city", "address_postal_code",
             "address_region", "country"],
        ),
        (
            "company",
            ["Ragione sociale", "Partita IVA", "Settore", "Sito web", "PEC", "Telefono",
             "Dipendenti", "Codice cliente"],
            ["name", "vat_number", "industry", "website", "email", "phone", "employees",
             "external_id"],
        ),
        (
            "company",
            ["Denumire", "CUI", "Domeniu de activitate", "Număr angajați", "Oraș", "Județ"],
            ["name", "vat_number", "industry", "employees", "address_city", "address_region"],
        ),
        ("company", ["Company name", "VAT number", "P.IVA"], ["name", "vat_number", None]),
        ("company", ["Cod fiscal"], ["vat_number"]),
        (
            "product",
            ["Codice articolo", "Descrizione", "Prezzo unitario", "Aliquota IVA", "Denumire"],
            ["sku", "description", "unit_price", "vat_rate", "name"],
        ),
        (
            "deal",
            ["Trattativa", "Azienda", "Importo", "Valuta", "Fase", "Data chiusura prevista"],
            ["title", "company_name", "amount", "currency", "stage", "expected_close_date"],
        ),
        (
            "order",
            ["Numar comanda", "Data comenzii", "Total", "Cod client"],
            ["number", "ordered_on", "total", "customer_external_id"],
        ),
        ("activity", ["Oggetto", "Tipo", "Scadenza", "Priorità"], ["subject", "kind", "due_at", "priority"]),
        ("lead", ["Nome e cognome", "Azienda", "Fonte", "Stato"], ["full_name", "company_name", "source", "status"]),
    ],
)  # fmt: skip
def test_suggestions_in_three_languages(entity, headers, expected):
    assert list(suggest_mapping(entity, headers).values()) == expected


def test_near_misses_and_no_guessing():
    mapping = suggest_mapping(
        "contact", ["Frist name", "Cognomee", "Emial", "Favourite colour", "", "Telefono ufficio 2"]
    )
    assert mapping == {
        "Frist name": "first_name",
        "Cognomee": "last_name",
        "Emial": "email",
        "Favourite colour": None,
        "": None,
        "Telefono ufficio 2": "phone",
    }


def test_never_two_headers_on_one_field():
    mapping = suggest_mapping("contact", ["Email", "E-mail", "Mail", "email address"])
    assert mapping == {"Email": "email", "E-mail": None, "Mail": None, "email address": None}
    # The better match wins the field whatever the column order.
    mapping = suggest_mapping("contact", ["Emial", "Email"])
    assert mapping == {"Emial": None, "Email": "email"}


def test_custom_fields_and_consents_are_suggested_by_label_and_key():
    CustomFieldDefinition.objects.create(
        entity="contact", key="shoe_size", label="Numero di scarpe", field_type="number"
    )
    Purpose.objects.create(code="club", name="Club fedeltà", legal_basis="consent")
    mapping = suggest_mapping("contact", ["numero di scarpe", "Newsletter", "Club fedelta"])
    assert mapping == {
        "numero di scarpe": "custom_fields.shoe_size",
        "Newsletter": "consent.newsletter",
        "Club fedelta": "consent.club",
    }
    assert suggest_mapping("contact", ["Consent: club fedeltà", "shoe_size"]) == {
        "Consent: club fedeltà": "consent.club",
        "shoe_size": "custom_fields.shoe_size",
    }


def test_vcard_headers_map_to_themselves():
    headers = ["first_name", "last_name", "email", "mobile", "company_name", "address_city",
               "notes", "language", "external_id"]  # fmt: skip
    assert suggest_mapping("contact", headers) == {h: h for h in headers}
