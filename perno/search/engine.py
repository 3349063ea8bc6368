"""The search: what the user typed → terms → typo alternatives from the vocabulary →
one backend query with the access predicate inside → ranked hits with snippets.

The last word is a word start unless the query ends with a space, on the results page
as in the suggestions ("Scaram" finds Scaramucci on both).

Ranking (``sort="relevance"``), in this order:
1. tier (``backends.base.tiers``): every word whole, then the last word as a word start,
   then one typo, then two; the typo tiers only when the matches without typos do not
   fill the page (fewer than its size), so "Popescu" never lists a Tomescu among or
   before Popescus, on any page, and the counts count what the pages list;
2. the user's history with the record (decayed frecency, ``history.py``);
3. field weight: title over identifiers (e-mail, phone, VAT, codes) over body text;
4. whole word over word start (within a typo tier);
5. recency (last change), then id.
"""

from __future__ import annotations

import html
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from django.utils import timezone

from perno.accounts.permissions import access_for, access_sql
from perno.search import backends, vocabulary
from perno.search.backends import COUNT_CAP, Query
from perno.search.registry import KINDS
from perno.search.text import fold, query_terms
from perno.search.typos import Candidate, vocabulary_word

SORTS = ("relevance", "recent", "title")
MAX_TERMS = 10
MIN_CHARS = 2
SNIPPET_CHARS = 180
INITIAL_WINDOW = 5  # pages of matches a one-letter last word reorders
_TOKEN = re.compile(r"[\w.@+-]+", re.UNICODE)
_WORD = re.compile(r"\w+")
Span = tuple[int, int]


@dataclass
class Filters:
    kinds: list[str] = field(default_factory=list)
    owner: int | None = None
    team: int | None = None
    tag: int | None = None
    date_from: date | None = None
    date_to: date | None = None


@dataclass
class Hit:
    type: str
    id: int
    title: str
    subtitle: str
    snippet: str  # HTML: escaped text, matches in <mark>
    title_html: str
    url: str
    score: float
    tier: int
    chunk: int
    changed_at: datetime


@dataclass
class Results:
    hits: list[Hit]
    total: int | None = None  # None: not counted
    capped: bool = False  # more than COUNT_CAP
    by_kind: dict[str, int] = field(default_factory=dict)
    too_short: bool = False


def _filters_where(filters: Filters) -> tuple[str, list[Any]]:
    parts: list[str] = []
    params: list[Any] = []
    kinds = [k for k in filters.kinds if k in KINDS]
    if kinds:
        parts.append("e.kind IN (" + ", ".join(["%s"] * len(kinds)) + ")")
        params.extend(kinds)
    if filters.owner is not None:
        parts.append("e.owner_id = %s")
        params.append(filters.owner)
    if filters.team is not None:
        parts.append("e.team_id = %s")
        params.append(filters.team)
    if filters.tag is not None:
        parts.append("e.tag_ids LIKE %s")
        params.append(f"%|{int(filters.tag)}|%")
    zone = timezone.get_current_timezone()
    if filters.date_from is not None:
        parts.append("e.changed_at >= %s")
        params.append(datetime.combine(filters.date_from, time.min, tzinfo=zone))
    if filters.date_to is not None:
        parts.append("e.changed_at <= %s")
        params.append(datetime.combine(filters.date_to, time.max, tzinfo=zone))
    return " AND ".join(parts), params


def alternatives(query: str) -> tuple[list[list[Candidate]], bool]:
    """Per term, what it may match (itself, typo'd words, typo'd word starts; the last
    word's starts too unless ``query`` ends with a space)."""
    terms = query_terms(query, typing=True)[:MAX_TERMS]
    original = query.strip()
    vocab = vocabulary.current() if any(not t.identifier for t in terms) else None
    out: list[list[Candidate]] = []
    for term in terms:
        if term.identifier or vocab is None:
            texts = [term.text]
            if original.startswith("00") and term.text.isdecimal() and len(terms) == 1:
                texts.append("00" + term.text)  # 00 as written, not as the 00 country prefix
            found = [Candidate(0, text, False) for text in texts]
            if term.prefix:
                found.extend(Candidate(0, text, True) for text in texts)
        else:
            found = vocab.near(term.text, prefix=term.prefix)
            # A word the vocabulary lacks is most likely in no entry (looked up whole
            # with the other words, it had their postings read for nothing: "giovznna
            # ma", 55 ms at 1,000,000 entries). The index is asked about it alone, which
            # is quick: an entry saved while its word was being pruned from the
            # vocabulary would hold it.
            lacking = term.text not in vocab.words and vocabulary_word(term.text)
            if lacking and backends.current().holds(term.text):
                found.insert(0, Candidate(0, term.text, False))
            if not found:
                return [], False  # a word in no entry: nothing has every word
        out.append(found)
    return out, bool(terms and terms[-1].prefix)


_WORD_START = re.compile(r"\b\w")


def _initials(row: dict[str, Any]) -> set[str]:
    """The first letters (folded) of the words of a hit: from each word's first
    character, so a long document chunk is not folded whole."""
    text = f"{row['title']} {row['subtitle']} {row['body'][:2000]}"
    return {fold(ch)[:1] for ch in set(_WORD_START.findall(text))}


def _matcher(terms: list[list[Candidate]]) -> tuple[set[str], tuple[str, ...]]:
    whole = {c.token for alts in terms for c in alts if not c.prefix}
    heads = tuple(sorted({c.token for alts in terms for c in alts if c.prefix}))
    return whole, heads


def _matches(word: str, whole: set[str], heads: tuple[str, ...]) -> bool:
    folded = fold(word)
    return folded in whole or folded.startswith(heads) if heads else folded in whole


def _spans(text: str, whole: set[str], heads: tuple[str, ...], pos: int = 0) -> Iterator[Span]:
    """Where the words matching the query are, from ``pos`` on, lazily."""
    for m in _TOKEN.finditer(text, pos):
        token = m.group(0)
        if _matches(token, whole, heads) or any(
            _matches(w, whole, heads) for w in _WORD.findall(token)
        ):
            yield m.start(), m.end()


def highlight(text: str, whole: set[str], heads: tuple[str, ...], *, width: int = 0) -> str:
    """``text`` escaped, with the words matching the query in <mark>; with ``width``, a
    window of about that many characters around the first match (only that window is
    read past the first match: document chunks are long)."""
    start, end = 0, len(text)
    found = _spans(text, whole, heads)
    first = next(found, None)
    if width and len(text) > width:
        start = max(0, (first[0] if first else 0) - width // 3)
        space = text.rfind(" ", 0, start)
        start = space + 1 if start and space >= 0 and start - space < 20 else start
        end = min(len(text), start + width)
    out: list[str] = ["…" if start > 0 else ""]
    cursor = start
    for s, e in itertools.chain([first] if first else [], found):
        if s >= end:
            break
        if e <= start:
            continue
        out.append(html.escape(text[cursor:s]))
        out.append("<mark>" + html.escape(text[s:e]) + "</mark>")
        cursor = e
    out.append(html.escape(text[cursor:end]))
    if end < len(text):
        out.append("…")
    return "".join(out).replace("\n", " ")


def _score(row: dict[str, Any]) -> float:
    """Higher is better, in the order of the ranking: tier, history, field, whole."""
    tier = int(row.get("tier") or 0)
    history = 0.5 if row.get("history") is not None else 0.0
    field = int(row["field"]) if row.get("field") is not None else 2
    whole = 0.05 if row.get("whole") else 0.0
    return round((4 - tier) + history + 0.1 * (2 - field) + whole, 4)


def _initial_first(
    backend: backends.Backend, prepared: Query, initial: str, size: int, start: int
) -> list[dict[str, Any]]:
    """The page from ``start`` of the matches whose first ``INITIAL_WINDOW`` pages are
    reordered: those with a word starting with ``initial`` first (a stable sort); the
    matches after that window keep their order, so every page is a slice of one list."""
    window = size * INITIAL_WINDOW
    rows: list[dict[str, Any]] = []
    if start < window:
        rows = backend.search(prepared, limit=window, offset=0, threshold=size)
        full = len(rows) == window
        rows.sort(key=lambda row: initial not in _initials(row))
        rows = rows[start : start + size]
        if not full:
            return rows
    if len(rows) < size:
        after = max(start, window)
        rows += backend.search(prepared, limit=start + size - after, offset=after, threshold=size)
    return rows


def search(
    user: Any,
    query: str,
    *,
    filters: Filters | None = None,
    sort: str = "relevance",
    limit: int = 20,
    offset: int = 0,
    count: bool = True,
) -> Results:
    """Records ``user`` may see that match ``query``. Never raises on what was typed:
    an empty, too short or unmatched query gives no hits. ``limit`` is the page size:
    the typo matches are added only when fewer than that many match without typos
    (the same on every page, and in the counts)."""
    filters = filters or Filters()
    if sort not in SORTS:
        sort = "relevance"
    stripped = (query or "").replace("\x00", "").strip()
    if len(stripped) < MIN_CHARS:
        return Results(hits=[], total=0 if count else None, too_short=bool(stripped))
    gate = access_sql(user, alias="e")
    terms, prefix_last = alternatives(stripped + (" " if query.endswith(" ") else ""))
    # A last word of one character ("Luca R") would make the engine read
    # the postings of every word with that initial; it only reorders the matches of the
    # other words instead: those with a word starting with it come first.
    initial = ""
    if len(terms) > 1 and prefix_last and len(terms[-1][0].token) == 1:
        initial = terms.pop()[0].token
        prefix_last = False
    if gate is None or not terms:
        return Results(hits=[], total=0 if count else None)
    where, params, hint, hint_params = gate
    extra, extra_params = _filters_where(filters)
    if extra:
        where = f"{where} AND {extra}"
        params = [*params, *extra_params]
    access = access_for(user)
    prepared = Query(
        terms=terms,
        levels=max(c.typos for alts in terms for c in alts),
        prefix_last=prefix_last,
        see_secret=access.see_confidential,
        user_id=access.user_id or 0,
        where=where,
        params=params,
        sort=sort,
        hint=hint,
        hint_params=hint_params,
    )
    backend = backends.current()
    size = max(1, min(limit, 100))
    start = max(0, offset)
    with backend.reading():
        if initial:
            rows = _initial_first(backend, prepared, initial, size, start)
        else:
            rows = backend.search(prepared, limit=size, offset=start)
        by_kind: dict[str, int] = {}
        if count:
            by_kind = backend.count_by_kind(prepared, 0)
            if prepared.levels and sum(by_kind.values()) < size:
                by_kind = backend.count_by_kind(prepared, prepared.levels)
    if initial:
        terms = [*terms, [Candidate(0, initial, True)]]
    whole, heads = _matcher(terms)
    hits = [
        Hit(
            type=row["kind"],
            id=int(row["object_id"]),
            title=row["title"],
            subtitle=row["subtitle"],
            snippet=highlight(row["body"] or "", whole, heads, width=SNIPPET_CHARS),
            title_html=highlight(row["title"] or "", whole, heads),
            url=row["url"],
            score=_score(row),
            tier=int(row.get("tier") or 0),
            chunk=int(row["chunk"]),
            changed_at=row["changed_at"],
        )
        for row in rows
    ]
    results = Results(hits=hits)
    if count:
        results.by_kind = by_kind
        total = sum(results.by_kind.values())
        results.capped = total > COUNT_CAP
        results.total = min(total, COUNT_CAP)
    return results


def suggest(user: Any, query: str, *, limit: int = 10) -> list[tuple[str, list[Hit]]]:
    """As-you-type suggestions, grouped by type in the usual order of types."""
    found = search(user, query, count=False, limit=limit)
    groups: dict[str, list[Hit]] = {}
    for hit in found.hits:
        groups.setdefault(hit.type, []).append(hit)
    return [(kind, groups[kind]) for kind in KINDS if kind in groups]
