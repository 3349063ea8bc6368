"""Search through the API: ``GET /api/v1/search`` and ``GET /api/v1/search/suggest``.
Both answer only with what the caller may see (the access gate is inside the query)."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from perno.api.common import ERRORS
from perno.api.inputs import InputSchema
from perno.search import engine
from perno.search.registry import KINDS, sources
from perno.search.services import audit_search

router = Router(tags=["search"])

QUERY_MAX = 2000


class SearchResult(Schema):
    type: str = Field(
        ..., description="company, contact, lead, deal, product, activity, comment or document"
    )
    id: int
    title: str
    subtitle: str
    snippet: str = Field(
        ..., description="Text around the first match, HTML-escaped, matches in <mark>…</mark>."
    )
    url: str
    score: float = Field(
        ...,
        description="Higher is better: tier (every word whole, the last word as a word "
        "start, one typo, two typos), history, field weight.",
    )


class SearchOut(Schema):
    query: str
    results: list[SearchResult]
    total: int = Field(..., description="Matching records you may see, counted up to 10,000.")
    total_is_capped: bool
    counts: dict[str, int] = Field(..., description="Matches per type (before paging).")


class SuggestGroup(Schema):
    type: str
    label: str
    results: list[SearchResult]


class SuggestOut(Schema):
    query: str
    groups: list[SuggestGroup]


class SearchParams(InputSchema):
    q: str = Field(
        "",
        max_length=QUERY_MAX,
        description="What to look for (typos allowed). The last word is a word start "
        "unless followed by a space.",
    )
    types: str = Field(
        "", description="Comma-separated types to include: " + ", ".join(KINDS) + "."
    )
    owner: int | None = Field(None, ge=1, le=2**31 - 1)
    team: int | None = Field(None, ge=1, le=2**31 - 1)
    tag: int | None = Field(None, ge=1, le=2**31 - 1)
    date_from: datetime.date | None = Field(None, description="Changed on or after this day.")
    date_to: datetime.date | None = Field(None, description="Changed on or before this day.")
    sort: str = Field("relevance", pattern="^(relevance|recent|title)$")
    limit: int = Field(20, ge=1, le=100)
    offset: int = Field(0, ge=0, le=10_000)


class SuggestParams(InputSchema):
    q: str = Field("", max_length=QUERY_MAX)
    limit: int = Field(10, ge=1, le=30)


def kinds_of(types: str) -> list[str]:
    wanted = [t.strip() for t in (types or "").split(",") if t.strip()]
    unknown = sorted(set(wanted) - set(KINDS))
    if unknown:
        raise ValidationError(
            {
                "types": [
                    _("Unknown type(s): %(names)s. Use any of: %(known)s.")
                    % {"names": ", ".join(unknown), "known": ", ".join(KINDS)}
                ]
            }
        )
    return wanted


def _result(hit: engine.Hit) -> dict[str, Any]:
    return {
        "type": hit.type,
        "id": hit.id,
        "title": hit.title,
        "subtitle": hit.subtitle,
        "snippet": hit.snippet,
        "url": hit.url,
        "score": hit.score,
    }


@router.get("/search", response={200: SearchOut, **ERRORS}, summary="Search everything")
def search(request: HttpRequest, params: Query[SearchParams]) -> Any:
    if params.date_from and params.date_to and params.date_from > params.date_to:
        raise ValidationError({"date_to": [_("The end date is before the start date.")]})
    filters = engine.Filters(
        kinds=kinds_of(params.types),
        owner=params.owner,
        team=params.team,
        tag=params.tag,
        date_from=params.date_from,
        date_to=params.date_to,
    )
    found = engine.search(
        request.user,
        params.q,
        filters=filters,
        sort=params.sort,
        limit=params.limit,
        offset=params.offset,
    )
    audit_search(user=request.user, query=params.q, hits=found.hits, total=found.total)
    return {
        "query": params.q,
        "results": [_result(hit) for hit in found.hits],
        "total": found.total or 0,
        "total_is_capped": found.capped,
        "counts": found.by_kind,
    }


@router.get(
    "/search/suggest", response={200: SuggestOut, **ERRORS}, summary="Suggestions while typing"
)
def suggest(request: HttpRequest, params: Query[SuggestParams]) -> Any:
    labels = {kind: str(source.label) for kind, source in sources().items()}
    groups = engine.suggest(request.user, params.q, limit=params.limit)
    audit_search(user=request.user, query=params.q, hits=[h for _k, hits in groups for h in hits])
    return {
        "query": params.q,
        "groups": [
            {"type": kind, "label": labels.get(kind, kind), "results": [_result(h) for h in hits]}
            for kind, hits in groups
        ],
    }
