"""Validation and normalisation of e-mail addresses, phone numbers and VAT numbers."""

from __future__ import annotations

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum import exceptions as stdnum_exceptions
from stdnum.eu import vat as eu_vat

from perno.core.countries import region_label


def normalize_phone(value: str, region: str | None = None) -> str:
    """Return the number in E.164 form or raise ValidationError with a hint. A number
    without its country code (+40, 0040) is read as a number of ``region`` (an ISO
    country code; the installation's default when not given); the errors name it."""
    value = (value or "").strip()
    if not value:
        return ""
    region = (region or settings.PERNO_DEFAULT_REGION or "IT").upper()
    international = value.startswith(("+", "00"))
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(
            _(
                "“%(value)s” is not a phone number. Numbers without a +country code are read as %(region)s; write it with its country code, e.g. +39 06 1234 5678."
            )
            % {"value": value, "region": region_label(region)},
            code="invalid_phone",
        ) from exc
    if not phonenumbers.is_valid_number(number):
        message = (
            _(
                "“%(value)s” is not a valid phone number. Check the digits and the country code (+39 Italy, +40 Romania)."
            )
            if international
            else _(
                "“%(value)s” is not a valid phone number. Without a +country code it was read as a phone number in %(region)s: check the digits, or write it with its country code, e.g. +39 06 1234 5678."
            )
        )
        raise ValidationError(
            message % {"value": value, "region": region_label(region)}, code="invalid_phone"
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def validate_e164(value: str) -> None:
    if value:
        try:
            number = phonenumbers.parse(value, None)
        except phonenumbers.NumberParseException as exc:
            raise ValidationError(
                _("Enter the phone number in international form, e.g. +390612345678."),
                code="invalid_phone",
            ) from exc
        if (
            not phonenumbers.is_valid_number(number)
            or phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164) != value
        ):
            raise ValidationError(
                _("Enter the phone number in international form, e.g. +390612345678."),
                code="invalid_phone",
            )


def format_phone(value: str) -> str:
    """Readable international form of a stored E.164 number."""
    if not value:
        return ""
    try:
        return phonenumbers.format_number(
            phonenumbers.parse(value, None), phonenumbers.PhoneNumberFormat.INTERNATIONAL
        )
    except phonenumbers.NumberParseException:
        return value


def normalize_vat(value: str, country: str | None = None) -> str:
    """Return a VAT number as country prefix + digits, checked by the EU rules."""
    value = (value or "").strip().upper().replace(" ", "").replace(".", "").replace("-", "")
    if not value:
        return ""
    if country and not value[:2].isalpha():
        prefix = "EL" if country.upper() == "GR" else country.upper()
        value = prefix + value
    try:
        return str(eu_vat.validate(value))
    except stdnum_exceptions.ValidationError as exc:
        raise ValidationError(
            _(
                "“%(value)s” is not a valid EU VAT number. Start with the country code and check the digits (e.g. IT01234567890, RO18547290)."
            )
            % {"value": value},
            code="invalid_vat",
        ) from exc


def validate_vat(value: str) -> None:
    if value and normalize_vat(value) != value:
        raise ValidationError(
            _("Enter the VAT number with its country code and no spaces, e.g. IT01234567890."),
            code="invalid_vat",
        )
