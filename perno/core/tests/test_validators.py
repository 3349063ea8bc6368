import random

import phonenumbers
import pytest
from django.core.exceptions import ValidationError
from stdnum.eu import vat

from perno.core.validators import normalize_phone, normalize_vat, validate_e164
from perno.seed.generator import phone, vat_number


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        ("06 1234 5678", "IT", "+390612345678"),
        ("+39 347 123 4567", None, "+393471234567"),
        ("0039 347-123-4567", "IT", "+393471234567"),
        ("0721 234 567", "RO", "+40721234567"),
        ("+40 21 312 3456", "IT", "+40213123456"),
    ],
)
def test_phone_numbers_are_stored_in_e164(raw, region, expected):
    assert normalize_phone(raw, region) == expected


@pytest.mark.parametrize("raw", ["12", "not a phone", "+39 000", "+40 12"])
def test_invalid_phone_numbers_are_refused_with_a_hint(raw):
    with pytest.raises(ValidationError) as info:
        normalize_phone(raw, "IT")
    assert "+39" in info.value.messages[0]


def test_e164_validator_refuses_unnormalised_numbers():
    validate_e164("+390612345678")
    with pytest.raises(ValidationError):
        validate_e164("06 1234 5678")


@pytest.mark.parametrize(
    ("raw", "country", "expected"),
    [
        ("IT 00743110157", None, "IT00743110157"),
        ("00743110157", "IT", "IT00743110157"),
        ("RO18547290", None, "RO18547290"),
        ("de 136695976", None, "DE136695976"),
    ],
)
def test_vat_numbers_are_checked_and_compacted(raw, country, expected):
    assert normalize_vat(raw, country) == expected


@pytest.mark.parametrize("raw", ["IT00743110158", "RO18547291", "XX123", "IT123"])
def test_invalid_vat_numbers_are_refused(raw):
    with pytest.raises(ValidationError) as info:
        normalize_vat(raw)
    assert "VAT" in info.value.messages[0]


def test_generated_phones_and_vat_numbers_are_valid():
    rng = random.Random(7)
    for country in ("IT", "RO"):
        for _ in range(200):
            for mobile in (True, False):
                number = phone(rng, country, mobile=mobile)
                assert phonenumbers.is_valid_number(phonenumbers.parse(number)), number
            assert vat.is_valid(vat_number(rng, country))
