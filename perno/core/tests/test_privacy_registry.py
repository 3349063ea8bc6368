"""Every text, file and JSON field of every Perno model is classified in a privacy.py:
personal (with a category) or not personal. A new field that is neither fails here."""

from django.apps import apps
from django.db import models

from perno.core.privacy import CATEGORIES, registry

CLASSIFIED_TYPES = (
    models.CharField,
    models.TextField,
    models.FileField,
    models.JSONField,
    models.GenericIPAddressField,
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
            if not isinstance(field, CLASSIFIED_TYPES):
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
