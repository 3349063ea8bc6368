"""The registry of personal data. Each app's ``privacy.py`` declares, per model:

- which fields hold personal data, with a category (``CATEGORIES``), and which text,
  file and JSON fields do not;
- how a row is erased when its person asks to be forgotten (``erasure``): deleted,
  anonymized (personal fields blanked, the row kept: a record the law or the business
  must keep), kept as it is (with the reason), or derived (rebuilt from other records
  and removed with them);
- how it is exported: every field, except those in ``not_exported`` (secrets such as
  password hashes, which the archive lists as present without their value);
- when its retention clock starts (``retain_from``, a date field) or that it lives and
  dies with a parent row (``retained_with``, a foreign key);
- which rows are about a given contact (``about``: ORM paths to the contact's id, such
  as ``"contact"`` or ``"comment__activity__contact"``; ``"pk"`` for the contact
  itself), for the access export, the privacy lookup and erasure. Rows reached in
  another way (a record's change history, audit entries, search history) are handled
  by the privacy app itself and say so with ``about_note``.

A test fails when a model has a text, file, JSON or IP field that is in neither list,
or personal data without an erasure and retention rule, so a new field or model cannot
be forgotten. The access export, the erasure, the retention job and the audit of reads
are built on this registry."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _

CATEGORIES: dict[str, Any] = {
    "identity": _("names and other identifying data"),
    "contact": _("e-mail addresses and phone numbers"),
    "address": _("postal addresses and location"),
    "professional": _("job titles and roles"),
    "preferences": _("language and settings"),
    "free_text": _("notes, comments and descriptions that may mention people"),
    "file": _("uploaded files and their names"),
    "correspondence": _("e-mail messages, their attachments and who wrote them"),
    "credentials": _("secrets for logging in"),
    "network": _("IP addresses and browser identifiers"),
    "usage": _("what a user opened, edited or searched for"),
    "consent": _("consents, objections and their proof"),
    "pseudonym": _("keyed hashes that stand for a person"),
    "profiling": _("scores and segments computed about a person (purchases, answers)"),
}

DELETE, ANONYMIZE, KEEP, DERIVED = "delete", "anonymize", "keep", "derived"
ERASURES: dict[str, Any] = {
    DELETE: _("deleted"),
    ANONYMIZE: _("anonymized: personal fields blanked, the record kept"),
    KEEP: _("kept, for the reason given"),
    DERIVED: _("derived data, removed with its record"),
}
# What an anonymized text field holds when it may not be blank.
ERASED_TEXT = "—"


@dataclass
class ModelDeclaration:
    model: type[models.Model]
    personal: dict[str, str]  # field name -> category
    not_personal: set[str] = field(default_factory=set)
    subject: str = ""  # how a row relates to a data subject, e.g. "the contact itself"
    erasure: str = DELETE
    reason: str = ""  # why a row is anonymized or kept rather than deleted
    # field -> value on anonymize, or a function of the row giving it
    anonymized: dict[str, Any] = field(default_factory=dict)
    not_exported: set[str] = field(default_factory=set)
    retain_from: str = ""  # the date field the retention clock starts from
    retained_with: str = ""  # or: the foreign key of the row it lives and dies with
    about: tuple[str, ...] = ()  # ORM paths from a row to the contact it is about
    about_note: str = ""  # how rows about a contact are found when not by ``about``
    # Foreign keys to other records a row may belong to as well (a deal's company, an
    # activity's deal): such a row is kept when its person is erased, with only the
    # person's names replaced in its free text (``perno.privacy.redaction``).
    shared: tuple[str, ...] = ()
    # Fields of a kept row in which only the person's names are replaced, even when the
    # row is the person's own (a deal's title): blanked only by retention.
    redacted: frozenset[str] = frozenset()

    @property
    def exported(self) -> list[str]:
        """The personal fields an access export shows with their value."""
        return [name for name in self.personal if name not in self.not_exported]

    def anonymous_value(self, name: str, row: models.Model | None = None) -> Any:
        """What field ``name`` of ``row`` holds once the row is anonymized."""
        if name in self.anonymized:
            value = self.anonymized[name]
            return value(row) if callable(value) and row is not None else value
        model_field = self.model._meta.get_field(name)
        if isinstance(model_field, models.JSONField):
            return model_field.get_default()
        if getattr(model_field, "null", False):
            return None
        if isinstance(model_field, (models.CharField, models.TextField)):
            return "" if model_field.blank else ERASED_TEXT
        raise ValueError(
            f"{self.model.__name__}.{name}: say in `anonymized` what it holds once erased"
        )


_REGISTRY: dict[type[models.Model], ModelDeclaration] = {}
_loaded = False


def _date_field(model: type[models.Model], name: str) -> bool:
    try:
        found = model._meta.get_field(name)
    except Exception:
        return False
    return isinstance(found, (models.DateField, models.DateTimeField))


def declare(
    model: type[models.Model],
    *,
    personal: dict[str, str],
    not_personal: set[str] | frozenset[str] = frozenset(),
    subject: str = "",
    erasure: str | None = None,
    reason: str = "",
    anonymized: dict[str, Any] | None = None,
    not_exported: set[str] | frozenset[str] | None = None,
    retain_from: str = "",
    retained_with: str = "",
    about: tuple[str, ...] = (),
    about_note: str = "",
    shared: tuple[str, ...] = (),
    redacted: set[str] | frozenset[str] = frozenset(),
) -> None:
    name = model.__name__
    unknown = set(personal.values()) - set(CATEGORIES)
    if unknown:
        raise ValueError(f"unknown personal-data categories {sorted(unknown)} for {name}")
    names = {f.name for f in model._meta.get_fields()}
    missing = (set(personal) | set(not_personal)) - names
    if missing:
        raise ValueError(f"{name} has no fields {sorted(missing)}")
    if personal:
        if erasure not in ERASURES:
            raise ValueError(f"{name} holds personal data: say how it is erased ({list(ERASURES)})")
        if erasure in (ANONYMIZE, KEEP) and not reason:
            raise ValueError(f"{name}: say why it is {erasure}d rather than deleted")
        if bool(retain_from) == bool(retained_with) and erasure != DERIVED:
            raise ValueError(f"{name}: give exactly one of retain_from and retained_with")
        if retain_from and not _date_field(model, retain_from):
            raise ValueError(f"{name}.{retain_from} is not a date field")
        if retained_with and not isinstance(
            model._meta.get_field(retained_with), models.ForeignKey
        ):
            raise ValueError(f"{name}.{retained_with} is not a foreign key")
    for link in shared:
        if not isinstance(model._meta.get_field(link), models.ForeignKey):
            raise ValueError(f"{name}.{link} is not a foreign key")
    if set(redacted) - set(personal):
        raise ValueError(
            f"{name}: redacted fields {sorted(set(redacted) - set(personal))} are not personal"
        )
    credentials = {f for f, category in personal.items() if category == "credentials"}
    declaration = ModelDeclaration(
        model,
        dict(personal),
        set(not_personal),
        subject,
        erasure=erasure or DELETE,
        reason=reason,
        anonymized=dict(anonymized or {}),
        not_exported=set(credentials if not_exported is None else not_exported),
        retain_from=retain_from,
        retained_with=retained_with,
        about=tuple(about),
        about_note=about_note,
        shared=tuple(shared),
        redacted=frozenset(redacted),
    )
    if declaration.erasure == ANONYMIZE:
        for field_name in declaration.personal:
            declaration.anonymous_value(field_name)  # raises when it cannot be derived
    _REGISTRY[model] = declaration


def registry() -> dict[type[models.Model], ModelDeclaration]:
    global _loaded
    if not _loaded:
        autodiscover_modules("privacy")
        _loaded = True
    return _REGISTRY


def file_fields(model: type[models.Model]) -> list[str]:
    """The attribute names of ``model``'s file fields (the stored files of its rows)."""
    return [f.attname for f in model._meta.concrete_fields if isinstance(f, models.FileField)]
