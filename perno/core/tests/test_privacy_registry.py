"""Every Perno model is declared in a privacy.py, and every text, file, JSON, IP and
(calendar) date field in it is classified: personal (with a category) or not personal.
Personal data comes with its erasure, export and retention rule. A new model or field
that is not declared fails here."""

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models

from perno.contacts.models import Contact
from perno.core.privacy import ANONYMIZE, CATEGORIES, ERASURES, declare, registry

CLASSIFIED_TYPES = (
    models.CharField,
    models.TextField,
    models.FileField,
    models.JSONField,
    models.GenericIPAddressField,
    models.DateField,
)


def perno_models():
    return [
        m
        for m in apps.get_models()
        if m.__module__.startswith("perno.") and not m._meta.auto_created
    ]


def test_every_text_file_and_json_field_is_classified():
    declared = registry()
    unclassified = []
    for model in perno_models():
        declaration = declared.get(model)
        for field in model._meta.concrete_fields:
            if not isinstance(field, CLASSIFIED_TYPES) or isinstance(field, models.DateTimeField):
                continue
            if declaration is None or (
                field.name not in declaration.personal
                and field.name not in declaration.not_personal
            ):
                unclassified.append(f"{model._meta.label}.{field.name}")
    assert unclassified == [], (
        "Declare these fields in the app's privacy.py as personal (with a category) or not personal: "
        + ", ".join(unclassified)
    )


def test_declarations_use_known_categories_and_name_their_subject():
    for model, declaration in registry().items():
        assert set(declaration.personal.values()) <= set(CATEGORIES), model
        if declaration.personal:
            assert declaration.subject, f"{model.__name__}: say whose personal data this is"


def test_every_model_is_declared():
    declared = registry()
    missing = [m._meta.label for m in perno_models() if m not in declared]
    assert missing == [], "Declare these models in the app's privacy.py: " + ", ".join(missing)


def test_personal_data_has_erasure_export_and_retention_rules():
    for model, declaration in registry().items():
        if not declaration.personal:
            continue
        assert declaration.erasure in ERASURES, model
        assert declaration.not_exported <= set(declaration.personal), model
        if declaration.erasure != "derived":
            assert bool(declaration.retain_from) != bool(declaration.retained_with), model


def test_anonymized_values_are_valid_for_their_fields():
    """An anonymized row must still save: each blanked value passes its field's checks
    (validators other than "required" ones, length, nullability)."""
    for model, declaration in registry().items():
        if declaration.erasure != ANONYMIZE:
            continue
        row = model(pk=1)
        for name in declaration.personal:
            field = model._meta.get_field(name)
            value = declaration.anonymous_value(name, row)
            if value is None:
                assert field.null, f"{model.__name__}.{name} cannot be NULL"
                continue
            try:
                field.clean(value, row)
            except ValidationError as exc:
                pytest.fail(f"{model.__name__}.{name} = {value!r}: {exc}")


def test_a_declaration_without_an_erasure_rule_is_refused():

    with pytest.raises(ValueError, match="say how it is erased"):
        declare(Contact, personal={"first_name": "identity"})
    with pytest.raises(ValueError, match="say why"):
        declare(Contact, personal={"notes": "free_text"}, erasure="keep", retain_from="created_at")
    with pytest.raises(ValueError, match="not a date field"):
        declare(Contact, personal={"notes": "free_text"}, erasure="delete", retain_from="notes")
    registry()  # the real declarations are untouched by failed ones
    assert registry()[Contact].personal["first_name"] == "identity"


def _target(model, path):
    """The model an ORM path leads to (``pk`` is the model itself)."""
    if path == "pk":
        return model
    for part in path.split("__"):
        model = model._meta.get_field(part).related_model
    return model


def test_rows_about_a_contact_are_found_by_valid_paths():
    """Every declared path leads to a contact, and every model with personal data says
    how its rows about a contact are found (or that it is about users only)."""

    silent = []
    for model, declaration in registry().items():
        for path in declaration.about:
            assert _target(model, path) is Contact, f"{model.__name__}.{path}"
        if not declaration.personal or declaration.erasure == "derived":
            continue
        about_users = "user" in declaration.subject
        if not (declaration.about or declaration.about_note or about_users):
            silent.append(model.__name__)
    assert silent == [], "Say in privacy.py which rows are about a contact: " + ", ".join(silent)
