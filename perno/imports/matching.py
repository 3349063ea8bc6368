"""Duplicates of import rows among stored records, and inside the file itself.

Set-based: one query per key and batch of 5,000 values, never one per row. The keys,
strongest first (the first that matches wins):

- ``external_id``: the id in the system the file came from;
- ``email``: the same address, case ignored;
- ``phone``: the same number in E.164 (phone or mobile, either way round);
- ``vat_number`` (companies), ``sku`` (products), ``number`` (orders);
- ``name_city``: a similar name (rapidfuzz ``token_sort_ratio`` >= 90) in the same city,
  compared only with the records sharing the blocking key (city, first three letters of
  the last name or company name).

Every stored record is a candidate, also those the user may not see: importing them
again would create a duplicate the user cannot see. Such a match is reported without
any of its data (``Match.visible`` False: the pages and the API show "a record you
cannot see", as ``accounts.confidential.reference`` does), and may only be skipped or
created anyway: ``update`` needs the right to edit the record."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext as _
from rapidfuzz import fuzz

from perno.accounts.permissions import can
from perno.contacts.models import Address

BATCH = 5000
FUZZY = 90


@dataclass
class Match:
    """The stored record (or earlier row of the file) a row duplicates, and why."""

    object_id: int | None = None
    why: str = ""
    key: str = ""
    visible: bool = True
    editable: bool = True
    label: str = ""  # the record's name, only when visible
    url: str = ""
    row: int | None = None  # an earlier row of the same file
    score: int = 100


@dataclass
class Keys:
    """What a prepared row offers for matching (normalised)."""

    external_id: str = ""
    email: str = ""
    phones: tuple[str, ...] = ()
    unique: str = ""  # vat number, sku or order number
    name: str = ""
    block: str = ""  # the blocking key of the fuzzy name: city + prefix
    extra: dict[str, Any] = field(default_factory=dict)


def _chunks(values: Iterable[str]) -> Iterable[list[str]]:
    ordered = sorted(set(values))
    for start in range(0, len(ordered), BATCH):
        yield ordered[start : start + BATCH]


def block_of(city: str, name: str) -> str:
    city, name = (city or "").strip().casefold(), (name or "").strip().casefold()
    return f"{city}|{name[:3]}" if city and name else ""


REASONS = {
    "external_id": _("same external id"),
    "email": _("same e-mail"),
    "phone": _("same phone"),
    "vat_number": _("same VAT number"),
    "sku": _("same code (SKU)"),
    "number": _("same order number"),
    "name_city": _("similar name in the same city"),
    "file": _("the same as an earlier row of this file"),
}


def reason(key: str, score: int = 100) -> str:
    text = str(REASONS[key])
    return f"{text} ({score}%)" if key == "name_city" else text


class Matcher:
    """Looks up the rows' keys among the stored records of one model."""

    def __init__(self, spec: Any, user: Any) -> None:
        self.spec, self.user, self.model = spec, user, spec.model

    def _lookup(self, column: str, values: set[str], *, lower: bool = False) -> dict[str, int]:
        found: dict[str, int] = {}
        if not values:
            return found
        manager = self.model._default_manager
        for chunk in _chunks(values):
            if lower:
                rows = (
                    manager.annotate(_key=Lower(column))
                    .filter(_key__in=chunk)
                    .values_list("_key", "pk")
                )
            else:
                rows = manager.filter(**{f"{column}__in": chunk}).values_list(column, "pk")
            for key, pk in rows.order_by("pk"):
                found.setdefault(key, pk)
        return found

    def _phones(self, values: set[str]) -> dict[str, int]:
        found: dict[str, int] = {}
        columns = [c for c in ("phone", "mobile") if c in self.spec.columns]
        for column in columns:
            for key, pk in self._lookup(column, values).items():
                found.setdefault(key, pk)
        return found

    def _fuzzy(self, blocks: set[str]) -> dict[str, list[tuple[int, str]]]:
        """Stored records per blocking key: (id, name)."""
        out: dict[str, list[tuple[int, str]]] = defaultdict(list)
        owner = self.spec.kind  # "contact" or "company"
        if not blocks or owner not in ("contact", "company"):
            return out
        cities = {b.split("|", 1)[0] for b in blocks}
        name_field = "last_name" if owner == "contact" else "name"
        for chunk in _chunks(cities):
            rows = (
                Address.objects.annotate(_city=Lower("city"))
                .filter(_city__in=chunk)
                .filter(~Q(**{f"{owner}__isnull": True}))
                .values_list("_city", f"{owner}_id", f"{owner}__{name_field}")
            )
            if owner == "contact":
                rows = rows.values_list(
                    "_city", "contact_id", "contact__last_name", "contact__first_name"
                )
            for values in rows:
                city, pk, name = values[0], values[1], values[2] or ""
                block = block_of(city, name)
                if block in blocks:
                    full = f"{values[3] or ''} {name}".strip() if owner == "contact" else name
                    out[block].append((pk, full.casefold()))
        return out

    def find(self, rows: list[tuple[int, Keys]]) -> dict[int, Match]:
        """``rows``: (row index, keys); returns row index -> Match, for rows that match."""
        spec = self.spec
        keys = spec.duplicate_keys
        by_external = (
            self._lookup("external_id", {k.external_id for _i, k in rows if k.external_id})
            if "external_id" in keys
            else {}
        )
        by_email = (
            self._lookup("email", {k.email for _i, k in rows if k.email}, lower=True)
            if "email" in keys
            else {}
        )
        by_phone = self._phones({p for _i, k in rows for p in k.phones}) if "phone" in keys else {}
        unique_key = next((k for k in keys if k in ("vat_number", "sku", "number")), "")
        by_unique = (
            self._lookup(unique_key, {k.unique for _i, k in rows if k.unique}) if unique_key else {}
        )
        blocks = self._fuzzy({k.block for _i, k in rows if k.block}) if "name_city" in keys else {}
        found: dict[int, Match] = {}
        for index, k in rows:
            hit: tuple[int, str, int] | None = None
            if k.external_id and k.external_id in by_external:
                hit = (by_external[k.external_id], "external_id", 100)
            elif k.email and k.email in by_email:
                hit = (by_email[k.email], "email", 100)
            elif any(p in by_phone for p in k.phones):
                hit = (next(by_phone[p] for p in k.phones if p in by_phone), "phone", 100)
            elif k.unique and k.unique in by_unique:
                hit = (by_unique[k.unique], unique_key, 100)
            elif k.block and k.block in blocks and k.name:
                best = max(
                    (
                        (int(fuzz.token_sort_ratio(k.name, name)), pk)
                        for pk, name in blocks[k.block]
                    ),
                    default=(0, 0),
                )
                if best[0] >= FUZZY:
                    hit = (best[1], "name_city", best[0])
            if hit is not None:
                found[index] = Match(
                    object_id=hit[0], key=hit[1], why=reason(hit[1], hit[2]), score=hit[2]
                )
        self._describe(found)
        return found

    def _describe(self, found: dict[int, Match]) -> None:
        """Whether the user may see (and edit) each matched record: in memory, from one
        query for the records' owner, team and confidentiality."""
        ids = {m.object_id for m in found.values() if m.object_id}
        records: dict[int, Any] = {}
        for chunk in _chunks(ids):  # type: ignore[arg-type]
            records.update(self.model._default_manager.in_bulk(chunk))
        for match in found.values():
            record = records.get(match.object_id)  # type: ignore[arg-type]
            if record is None or not can(self.user, "view", record):
                match.visible = match.editable = False
                match.label = match.url = ""
                continue
            match.label = str(record)[:200]
            match.url = record.get_absolute_url() if hasattr(record, "get_absolute_url") else ""
            match.editable = can(self.user, "edit", record)


def in_file(rows: list[tuple[int, Keys]]) -> dict[int, Match]:
    """Rows that repeat an earlier row of the file (same external id, e-mail, phone or
    unique code): the later one is the duplicate."""
    first: dict[tuple[str, str], int] = {}
    found: dict[int, Match] = {}
    for index, k in rows:
        values = [("external_id", k.external_id), ("email", k.email), ("unique", k.unique)]
        values += [("phone", p) for p in k.phones]
        for name, value in values:
            if not value:
                continue
            earlier = first.get((name, value))
            if earlier is not None and index not in found:
                found[index] = Match(row=earlier, key="file", why=reason("file"))
            first.setdefault((name, value), index)
    return found
