"""Pagination without COUNT(*) of a whole table: fetch one row more to know if a
next page exists and count at most COUNT_CAP rows ("10,000+"), as large CRMs do."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

COUNT_CAP = 10_000


@dataclass
class Page:
    items: list[Any]
    number: int
    page_size: int
    has_next: bool
    count: int
    count_is_capped: bool
    counted: bool = True

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def start_index(self) -> int:
        return (self.number - 1) * self.page_size + 1 if self.items else 0

    @property
    def end_index(self) -> int:
        return (self.number - 1) * self.page_size + len(self.items)


def bounded_count(queryset: QuerySet, cap: int | None = None) -> tuple[int, bool]:
    cap = cap or COUNT_CAP
    counted = queryset.order_by()[: cap + 1].count()
    return min(counted, cap), counted > cap


# From this offset on, page ids first (an index-only scan over the sort index) and then
# load just those rows, instead of reading and discarding every skipped row.
DEFERRED_FROM = 1000


def _slice(queryset: QuerySet, offset: int, limit: int) -> list[Any]:
    if offset < DEFERRED_FROM:
        return list(queryset[offset : offset + limit])
    ids = list(queryset.values_list("pk", flat=True)[offset : offset + limit])
    by_id = {obj.pk: obj for obj in queryset.order_by().filter(pk__in=ids)}
    return [by_id[pk] for pk in ids if pk in by_id]


def paginate(queryset: QuerySet, page: int, page_size: int, *, with_count: bool = True) -> Page:
    page = max(1, page)
    offset = (page - 1) * page_size
    rows = _slice(queryset, offset, page_size + 1)
    has_next = len(rows) > page_size
    items = rows[:page_size]
    count, capped, counted = 0, False, True
    if page == 1 and not has_next:
        count = len(items)
    elif offset >= COUNT_CAP:
        count, capped = COUNT_CAP, True
    elif with_count:
        count, capped = bounded_count(queryset)
    else:
        counted = False  # the caller loads the count separately
    return Page(items, page, page_size, has_next, count, capped, counted)
