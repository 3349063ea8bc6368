"""The registry of personal data. Each app's ``privacy.py`` declares, per model, which
fields hold personal data (with a category) and which text/file fields do not. A test
fails when a model has a text, file or JSON field that is in neither list, so a new
field cannot be forgotten. The privacy features (export, erasure, retention, audit of
reads) are built on this registry."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import models
from django.utils.module_loading import autodiscover_modules

CATEGORIES = {
    "identity": "names and other identifying data",
    "contact": "e-mail addresses and phone numbers",
    "address": "postal addresses and location",
    "professional": "job titles and roles",
    "preferences": "language and settings",
    "free_text": "notes, comments and descriptions that may mention people",
    "file": "uploaded files and their names",
    "credentials": "secrets for logging in",
    "network": "IP addresses and browser identifiers",
    "usage": "what a user opened, edited or searched for",
}


@dataclass
class ModelDeclaration:
    model: type[models.Model]
    personal: dict[str, str]  # field name -> category
    not_personal: set[str] = field(default_factory=set)
    subject: str = ""  # how a row relates to a data subject, e.g. "the contact itself"


_REGISTRY: dict[type[models.Model], ModelDeclaration] = {}
_loaded = False


def declare(
    model: type[models.Model],
    *,
    personal: dict[str, str],
    not_personal: set[str] | frozenset[str] = frozenset(),
    subject: str = "",
) -> None:
    unknown = set(personal.values()) - set(CATEGORIES)
    if unknown:
        raise ValueError(f"unknown personal-data categories {sorted(unknown)} for {model.__name__}")
    names = {f.name for f in model._meta.get_fields()}
    missing = (set(personal) | set(not_personal)) - names
    if missing:
        raise ValueError(f"{model.__name__} has no fields {sorted(missing)}")
    _REGISTRY[model] = ModelDeclaration(model, dict(personal), set(not_personal), subject)


def registry() -> dict[type[models.Model], ModelDeclaration]:
    global _loaded
    if not _loaded:
        from perno.core.models import Tag

        declare(Tag, personal={}, not_personal={"name", "color"})
        autodiscover_modules("privacy")
        _loaded = True
    return _REGISTRY
