"""What is searchable. Each app's ``search.py`` registers a ``Source`` per indexed model:
the title, the subtitle parts, which fields are identifiers (e-mail, phone, VAT, codes:
weighted above body text) and which are body text, and where the access columns come
from. ``perno.search`` never names another app's fields itself."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.utils.module_loading import autodiscover_modules


@dataclass(frozen=True)
class Access:
    """The access columns of an entry: the record whose rights govern it."""

    subject: str
    subject_id: int
    owner_id: int | None
    assignee_id: int | None
    team_id: int | None
    confidential: bool


def record_access(obj: Any, subject: str) -> Access:
    return Access(
        subject=subject,
        subject_id=obj.pk,
        owner_id=getattr(obj, "owner_id", None),
        assignee_id=getattr(obj, "assignee_id", None),
        team_id=getattr(obj, "team_id", None),
        confidential=bool(getattr(obj, "is_confidential", False)),
    )


@dataclass
class Source:
    kind: str
    model: type[models.Model]
    label: Any  # a lazy translatable plural, e.g. "Companies"
    title: Callable[[Any], str]
    # (field name or "", text) parts; a part whose field is confidential is left out.
    subtitle: Callable[[Any], Iterable[tuple[str, str]]]
    ident_fields: tuple[str, ...] = ()
    body_fields: tuple[str, ...] = ()
    custom_fields: bool = False
    related: tuple[str, ...] = ()  # select_related for building entries
    # The access columns; default: the record itself is the subject.
    access: Callable[[Any], Access | None] | None = None
    # Extra body text that is never confidential (a comment's text, a file's name).
    text: Callable[[Any], str] | None = None
    url: Callable[[Any], str] = field(default=lambda obj: fast_url(obj))
    manual: bool = False  # entries written by a task (document chunks), not on save
    # (kind, field): this source's access is that of the ``kind`` record its ``field``
    # points at (a mail attachment follows its message), so those entries are rebuilt
    # with the record's (``indexer.reindex_following``).
    follows: tuple[str, str] | None = None

    @property
    def tagged(self) -> bool:
        return any(f.name == "tags" for f in self.model._meta.many_to_many)

    def access_of(self, obj: Any) -> Access | None:
        if self.access is not None:
            return self.access(obj)
        return record_access(obj, self.kind)


_SENTINEL = 987654321
_url_templates: dict[type[models.Model], str] = {}


def fast_url(obj: Any) -> str:
    """``obj.get_absolute_url()`` without resolving the URL for every row: the model's
    URL is resolved once with a placeholder id."""
    model = type(obj)
    template = _url_templates.get(model)
    if template is None:
        template = model(pk=_SENTINEL).get_absolute_url()  # type: ignore[attr-defined]
        _url_templates[model] = template
    return template.replace(str(_SENTINEL), str(obj.pk))


_labels: dict[tuple[type[models.Model], str], dict[Any, Any]] = {}


def choice_label(obj: Any, name: str) -> str:
    """What ``obj.get_<name>_display()`` returns (the label of the field's choice, in
    the active language), without Django re-hashing every choice's lazy label per call
    (about 100 µs a record: most of an activity's entry)."""
    key = (type(obj), name)
    labels = _labels.get(key)
    if labels is None:
        labels = _labels[key] = dict(obj._meta.get_field(name).flatchoices)
    value = getattr(obj, name)
    return str(labels.get(value, value))


_SOURCES: dict[str, Source] = {}
_loaded = False


def register(source: Source) -> None:
    _SOURCES[source.kind] = source


def sources() -> dict[str, Source]:
    global _loaded
    if not _loaded:
        _loaded = True
        autodiscover_modules("search")
    return _SOURCES


def source_for_model(model: type[models.Model]) -> Source | None:
    for source in sources().values():
        if source.model is model and not source.manual:
            return source
    return None


# Order of groups in suggestions and of the type filter.
KINDS = (
    "company",
    "contact",
    "lead",
    "deal",
    "product",
    "activity",
    "comment",
    "document",
    "case",
    "mail",
    "mailfile",
    "article",
)
