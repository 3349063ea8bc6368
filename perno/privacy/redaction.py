"""Erasing a person never damages other records' business data.

A row found about the person may belong to another record as well: a deal of a
company whose contact the person was, that deal's activities and comments, the files
and reminders that go with them. The registry says through which foreign keys
(``shared`` in each app's ``privacy.py``). Such a row is *the others'*: erasing the
person keeps it, cuts its links to the person, blanks its other personal fields (a
"moment of truth" flag) and, in its free text (titles, subjects, notes, comments, file
names, custom fields, and its change history), replaces only what names the person,
their full name, either name, e-mail address and phones, by the placeholder used
everywhere else (``—``). A row is the person's own when nothing else holds it (an
activity on the person only, a deal with no company): it is deleted or anonymized as
the registry says, and fields declared ``redacted`` (a kept deal's title) lose only the
person's names there too.

A row is the others' when one of its shared links points at a record not being
erased (a company), or at a row that is itself the others' (a comment on a company
deal's activity)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q

from perno.audit.models import ChangeEntry
from perno.core.privacy import ERASED_TEXT
from perno.privacy.subject import id_set

TEXT_CATEGORIES = ("free_text", "file")


@dataclass
class Redaction:
    """What names the people being erased, as one case-insensitive pattern of whole
    words (the longest first, so a full name goes before its parts)."""

    pattern: re.Pattern[str] | None

    @classmethod
    def of(cls, contacts: Iterable[Any]) -> Redaction:
        terms: set[str] = set()
        for contact in contacts:
            first, last = (contact.first_name or "").strip(), (contact.last_name or "").strip()
            for value in (
                f"{first} {last}",
                f"{last} {first}",
                first,
                last,
                contact.email,
                contact.phone,
                contact.mobile,
            ):
                value = (value or "").strip()
                if len(value) >= 2:
                    terms.add(value)
        if not terms:
            return cls(None)
        alternatives = "|".join(
            r"\s+".join(re.escape(part) for part in term.split())
            for term in sorted(terms, key=len, reverse=True)
        )
        return cls(re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE))

    def text(self, value: str) -> str:
        if not value or self.pattern is None:
            return value
        return self.pattern.sub(ERASED_TEXT, value)

    def value(self, value: Any) -> Any:
        """Text, and the text inside JSON (keys and values), with the names replaced."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {self.text(k): self.value(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.value(v) for v in value]
        return value


def others_rows(found: list[Any]) -> dict[type[models.Model], set[int]]:
    """For each model found, the ids of the rows that belong to other records too."""

    found_ids = {item.model: set(item.rows.values_list("pk", flat=True)) for item in found}
    others: dict[type[models.Model], set[int]] = {model: set() for model in found_ids}
    sharing = [item for item in found if item.declaration.shared]
    changed = True
    while changed:  # a row is the others' through a row that is: until nothing changes
        changed = False
        for item in sharing:
            condition = Q()
            for link in item.declaration.shared:
                target = item.model._meta.get_field(link).related_model
                condition |= Q(**{f"{link}__isnull": False}) & ~Q(
                    **{f"{link}__in": id_set(sorted(found_ids.get(target, set())))}
                )
                if others.get(target):
                    condition |= Q(**{f"{link}__in": id_set(sorted(others[target]))})
            ids = set(
                item.model._default_manager.filter(
                    condition, pk__in=id_set(sorted(found_ids[item.model]))
                ).values_list("pk", flat=True)
            )
            if ids - others[item.model]:
                others[item.model] |= ids
                changed = True
    return others


def keep_rows(
    item: Any, ids: set[int], redaction: Redaction, going: dict[type[models.Model], set[int]]
) -> list[models.Model]:
    """Keep the others' rows ``ids`` of ``item``: links to the person and to rows being
    deleted (``going``, by model) cut, other personal fields blanked, the names replaced
    in their text. Return them, to index again once every kept row is redacted (a
    comment's entry shows its deal's title)."""

    declaration = item.declaration
    links = [
        f
        for f in item.model._meta.concrete_fields
        if isinstance(f, models.ForeignKey) and f.null and f.related_model in going
    ]
    kept = []
    for row in item.model._default_manager.filter(pk__in=id_set(sorted(ids))):
        for link in links:
            if getattr(row, link.attname) in going[link.related_model]:
                setattr(row, link.attname, None)
        for name, category in declaration.personal.items():
            field = row._meta.get_field(name)
            if isinstance(field, models.FileField):
                continue  # the other record's document stays; its name is redacted
            if category in TEXT_CATEGORIES:
                setattr(row, name, redaction.value(getattr(row, name)))
            else:
                setattr(row, name, declaration.anonymous_value(name, row))
        row.save()
        kept.append(row)
    return kept


def redacted_values(item: Any, redaction: Redaction) -> dict[int, dict[str, Any]]:
    """The person's own kept rows: their ``redacted`` fields with only the person's names
    replaced, read before the rows are anonymized and written back after
    (``write_redacted``)."""

    fields = sorted(item.declaration.redacted)
    if not fields or redaction.pattern is None:
        return {}
    return {
        row.pk: {name: redaction.value(getattr(row, name)) for name in fields}
        for row in item.model._default_manager.filter(pk__in=item.rows.values("pk")).only(
            "pk", *fields
        )
    }


def write_redacted(model: type[models.Model], values: dict[int, dict[str, Any]]) -> None:
    for pk, fields in values.items():
        model._default_manager.filter(pk=pk).update(**fields)


def history_of(others: dict[type[models.Model], set[int]]) -> Q | None:
    """The change entries of the others' rows: kept, redacted."""
    condition = Q()
    for model, ids in others.items():
        if ids and model is not ChangeEntry:
            condition |= Q(
                content_type=ContentType.objects.get_for_model(model),
                object_id__in=id_set(sorted(ids)),
            )
    return condition or None


def redact_history(entries: Any, redaction: Redaction) -> int:
    count = 0
    for entry in entries:
        changes = redaction.value(json.loads(json.dumps(entry.changes)))
        ChangeEntry.objects.filter(pk=entry.pk).update(
            changes=changes, object_repr=redaction.text(entry.object_repr)
        )
        count += 1
    return count
