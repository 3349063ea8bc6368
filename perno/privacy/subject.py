"""Everything held about one contact, found through the personal-data registry: for the
access export, the privacy lookup and erasure.

``rows_about(contact)`` walks every declared model: by its ``about`` paths, plus the
rows the registry says are reached in another way (the change history of those rows,
users' visits to the contact's record, saved searches, saved list views and bulk
changes that name the person, requests filed under the person's pseudonym). Audit entries about the person are read, never
erased: they hold only the pseudonym."""

from __future__ import annotations

import datetime
import decimal
import json
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import connection, models
from django.db.models import BooleanField, Q, QuerySet
from django.db.models.expressions import RawSQL

from perno.audit.models import AuditEvent, ChangeEntry
from perno.contacts.models import Contact
from perno.core.privacy import DERIVED, ModelDeclaration, registry
from perno.core.pseudonym import subject_ref
from perno.privacy.models import SubjectRequest
from perno.records.models import BulkJob, SavedView
from perno.search.models import SavedSearch, SearchVisit

# Rows of users' own data whose free text may name a person: found by the person's
# names (full name, e-mail, phones) in these fields (JSON fields as their text).
NAMED_IN = {
    SavedSearch: ("query",),
    SavedView: ("name", "filters"),
    BulkJob: ("selection", "changes", "message"),
}


def about_contact(entries: QuerySet[AuditEvent], pk: int) -> QuerySet[AuditEvent]:
    """Entries about contact ``pk``: those naming it as their subject, and the lists and
    searches that showed it."""

    if connection.vendor == "postgresql":
        shown = "detail -> 'shown' @> %s::jsonb"
        search_param: Any = json.dumps([f"contact:{pk}"])
        list_param: Any = json.dumps([pk])
    else:
        shown = "EXISTS (SELECT 1 FROM json_each(detail, '$.shown') WHERE json_each.value = %s)"
        search_param, list_param = f"contact:{pk}", pk
    condition = (
        f"(subject = %s OR (action = 'search' AND {shown})"
        f" OR (action = 'list' AND object_type = 'contacts.contact' AND {shown}))"
    )
    # The SQL is fixed text chosen by the engine; the values are passed as parameters.
    about = RawSQL(  # noqa: S611  # nosec B611
        condition,
        [subject_ref("contact", pk), search_param, list_param],
        output_field=BooleanField(),
    )
    return entries.alias(_about=about).filter(_about=True)


@dataclass
class Found:
    model: type[models.Model]
    declaration: ModelDeclaration
    rows: QuerySet

    @property
    def label(self) -> str:
        return self.model._meta.label_lower


def id_set(ids: Sequence[int]) -> Any:
    """Ids for an ``__in`` filter: on PostgreSQL one array parameter (``unnest``), which
    costs nothing to send however many ids there are; elsewhere the list."""

    if connection.vendor == "postgresql" and len(ids) > 50:
        # Fixed SQL; the ids are one parameter.
        return RawSQL("SELECT unnest(%s::bigint[])", (list(ids),))  # nosec B611
    return list(ids)


def identifiers(contact: Any) -> list[str]:
    """What names the person in free text: full name, e-mail, phones."""
    values = [contact.full_name, contact.email, contact.phone, contact.mobile]
    return [v for v in values if v and len(v) >= 5]


def rows_about(contact: Any) -> Iterator[Found]:
    """Every table's rows about ``contact``, model by model (the contact first)."""
    yield from rows_about_many([contact.pk], names=identifiers(contact))


def _stored_forms(model: type[models.Model], name: str, text: str) -> list[str]:
    """How ``text`` may be written in ``model.name``: as itself, and in a JSON field also
    as JSON escapes it (SQLite keeps "Ştefan" as "\\u015etefan")."""
    forms = [text]
    if model._meta.get_field(name).get_internal_type() == "JSONField":
        escaped = json.dumps(text)[1:-1]
        if escaped != text:
            forms.append(escaped)
    return forms


def rows_about_many(ids: list[int], *, names: Sequence[str] = ()) -> Iterator[Found]:
    """Every table's rows about the contacts ``ids`` (``names``: the words that name
    them in free text, for saved searches; given for one person, not in bulk)."""

    declared = registry()
    ordered = sorted(declared.items(), key=lambda item: item[0]._meta.label_lower)
    ordered.sort(key=lambda item: item[0] is not Contact)
    found_ids: dict[type[models.Model], list[int]] = {}
    for model, declaration in ordered:
        if declaration.erasure == DERIVED:
            continue
        condition = Q()
        for path in declaration.about:
            key = "pk__in" if path == "pk" else f"{path}__in"
            condition |= Q(**{key: id_set(ids)})
        if model is SubjectRequest:
            condition |= Q(subject__in=[subject_ref("contact", pk) for pk in ids])
        elif model is SearchVisit:
            condition |= Q(kind="contact", object_id__in=id_set(ids))
        elif model in NAMED_IN:
            for text in names:
                for name in NAMED_IN[model]:
                    for form in _stored_forms(model, name, text):
                        condition |= Q(**{f"{name}__icontains": form})
        if not condition:
            continue
        rows = model._default_manager.filter(condition).distinct().order_by("pk")
        found_ids[model] = list(rows.values_list("pk", flat=True))
        rows = model._default_manager.filter(pk__in=id_set(found_ids[model]))
        yield Found(model, declaration, rows)
    history = Q()
    for model, pks in found_ids.items():
        if pks and model is not ChangeEntry:
            history |= Q(
                content_type=ContentType.objects.get_for_model(model), object_id__in=id_set(pks)
            )
    if history:
        yield Found(ChangeEntry, declared[ChangeEntry], ChangeEntry.objects.filter(history))
    if len(ids) == 1:
        yield Found(
            AuditEvent,
            declared[AuditEvent],
            about_contact(AuditEvent.objects.order_by("seq"), ids[0]),
        )


def json_value(value: Any) -> Any:
    """A field's value as JSON (dates as ISO 8601, decimals as text, files by name)."""
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if hasattr(value, "name") and hasattr(value, "storage"):  # a FieldFile
        return value.name or ""
    if isinstance(value, memoryview | bytes):
        return None
    return value


NOT_EXPORTED = "[secret: kept, not exported]"


def row_dict(row: models.Model, declaration: ModelDeclaration) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for field in row._meta.concrete_fields:
        name = field.attname
        if field.name in declaration.not_exported:
            out[name] = NOT_EXPORTED
        else:
            out[name] = json_value(getattr(row, name))
    return out
