"""The PostgreSQL backend's read path: the search (ranked in one statement or bucket
by bucket, through GIN or the title word starts of ``search_start``), the counts, and
the planner estimates that choose between them. The write path is ``PostgresWriter``
(``postgres_write.py``)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from django.db import connection, transaction

# ``base.BROAD``, not a copy of it: one value for both engines (the tests change it).
from perno.search.backends import base
from perno.search.backends.base import (
    COUNT_CAP,
    SELECT_COLUMNS,
    Query,
    Tier,
    _level_terms,
    _sql,
)
from perno.search.backends.postgres_write import PostgresWriter

if TYPE_CHECKING:
    from perno.search.typos import Candidate

WINDOW = 5_000  # PostgreSQL: newest entries walked before reading a bucket's GIN index
SCOPED = 0.1  # PostgreSQL: a user seeing less of the index skips the window
NOTED_SECONDS = 300.0  # PostgreSQL: how long planner estimates are kept per process
SPLIT_BELOW = 1_000  # PostgreSQL: a word this rare is looked up alone, the others checked
PREFIX_DOUBT = 10  # PostgreSQL: how far a prefix's estimated count is trusted less
_SCOPED: dict[Any, tuple[float, Any]] = {}  # PostgreSQL: (when, is the user scoped)
_ESTIMATES: dict[Any, tuple[float, Any]] = {}  # PostgreSQL: (when, rows)


def forget() -> None:
    """Drop what this process noted about the index (tests roll the database back)."""
    _SCOPED.clear()
    _ESTIMATES.clear()


def _noted(store: dict[Any, tuple[float, Any]], key: Any, compute: Callable[[], Any]) -> Any:
    """``compute()``, kept in ``store`` under ``key`` for NOTED_SECONDS."""
    now = time.monotonic()
    known = store.get(key)
    if known is None or now - known[0] > NOTED_SECONDS:
        if len(store) > 10_000:
            store.clear()
        known = store[key] = (now, compute())
    return known[1]


POSTGRES_SEARCH = (
    "SELECT {columns}, {tier} AS tier, v.rank AS history, "
    "{field} AS field, {whole} AS whole "
    "FROM search_entry e "
    "LEFT JOIN search_visit v ON v.user_id = %s AND v.kind = e.subject "
    "AND v.object_id = e.subject_id "
    "WHERE {match} AND {where} AND e.id <> ALL(%s) ORDER BY {order} LIMIT %s OFFSET %s"
)
# Buckets of the broad path walk the matches newest first by entry id (an entry is
# re-created whenever its record changes, so the largest ids are the latest changes) and
# stop at the limit: FTS5 reads its posting lists backwards, PostgreSQL scans the
# primary key backwards (or sorts a small bitmap result, as its planner judges).
POSTGRES_BUCKET = (
    "SELECT {columns} FROM (SELECT * FROM search_entry e WHERE {family} "
    "ORDER BY id DESC LIMIT %s) e "
    "WHERE {match} AND {where} AND e.id <> ALL(%s) ORDER BY e.id DESC LIMIT %s"
)
POSTGRES_BUCKET_OLDER = (
    "SELECT {columns} FROM search_entry e WHERE {match} AND {where} AND e.id <> ALL(%s) "
    "AND (e.id < coalesce((SELECT min(id) FROM (SELECT id FROM search_entry e WHERE {family} "
    "ORDER BY id DESC LIMIT %s) w), 9223372036854775807) OR NOT ({family})) "
    "ORDER BY e.id + 0 DESC LIMIT %s"
)
# Without a window (a scoped user): no bound on the id, which the planner, not knowing
# the bound, would read from the whole primary key.
POSTGRES_BUCKET_ALL = (
    "SELECT {columns} FROM search_entry e WHERE {match} AND {where} AND e.id <> ALL(%s) "
    "ORDER BY e.id + 0 DESC LIMIT %s"
)
# The title buckets' window holds records only: a long document is many chunks, which
# would fill it, and a chunk's title is only its file name (search_entry_record_idx).
RECORDS = "e.kind <> 'document'"
POSTGRES_HISTORY_BUCKET = (
    "SELECT {columns}, v.rank AS history FROM search_entry e "
    "LEFT JOIN search_visit v ON v.user_id = %s AND v.kind = e.subject "
    "AND v.object_id = e.subject_id "
    "WHERE e.id = ANY(%s) AND {match} AND {where} AND e.id <> ALL(%s) "
    "ORDER BY v.rank DESC NULLS LAST LIMIT %s"
)
# Title buckets of one word walk ``search_start`` (migrations 0006, 0007), the B-tree of title
# word starts, newest first: one backward index walk per start the word's alternatives
# begin with, merged in id order (an entry with two of them comes twice: kept once).
# The match is checked again on the entry, so the table only orders the candidates.
# Only when the newest WINDOW candidates hold too few visible matches are the older
# ones read from GIN.
POSTGRES_START_WALK = (
    "(SELECT entry_id FROM search_start WHERE start = %s ORDER BY entry_id DESC LIMIT %s)"
)
POSTGRES_START_MERGED = (
    "SELECT entry_id, lag(entry_id) OVER (ORDER BY entry_id DESC) AS before "
    "FROM ({walks}) k ORDER BY entry_id DESC LIMIT %s"
)
POSTGRES_START_BUCKET = (
    "SELECT {columns} FROM (SELECT entry_id FROM ({merged}) w "
    "WHERE before IS DISTINCT FROM entry_id) s JOIN search_entry e ON e.id = s.entry_id "
    "WHERE ts_match_vq(e.tsv_head, %s::tsquery) AND {where} AND e.id <> ALL(%s) "
    "ORDER BY s.entry_id DESC LIMIT %s"
)
POSTGRES_START_WINDOW = "SELECT count(*), min(entry_id) FROM ({merged}) w"
POSTGRES_START_COUNT = (
    "SELECT count(*) FROM (SELECT 1 FROM search_start WHERE start = ANY(%s) LIMIT %s) s"
)
POSTGRES_BUCKET_BELOW = (
    "SELECT {columns} FROM search_entry e WHERE {match} AND {where} AND e.id <> ALL(%s) "
    "AND e.id < %s ORDER BY e.id + 0 DESC LIMIT %s"
)
POSTGRES_WHOLE = (
    "CASE WHEN e.id IN (SELECT w.id FROM search_entry w WHERE {match}) THEN 1 ELSE 0 END"
)
POSTGRES_COUNT = (
    "SELECT kind, count(*) FROM (SELECT e.kind FROM search_entry e "
    "WHERE {match} AND {where} LIMIT %s) found GROUP BY kind"
)


START_KEYS = 8  # PostgreSQL: at most this many ``search_start`` walks per bucket
START_LETTERS = 5  # PostgreSQL: the longest word start in ``search_start`` (migration 0007)


def _start_keys(terms: list[list[Candidate]], field: int) -> list[str] | None:
    """The ``search_start`` keys of a title bucket of one word: per alternative, its
    letters up to START_LETTERS (a word start, or a whole word of four letters or more),
    or ``=word`` (a word of two or three letters, whole). None when the walk would not
    pay: several words (looked up by the rarest), one-letter alternatives, too many
    starts."""
    if field != 0 or len(terms) != 1:
        return None
    alternatives = terms[0]
    if any(len(c.token) < 2 for c in alternatives):
        return None
    keys = sorted(
        {
            c.token[:START_LETTERS] if c.prefix or len(c.token) > 3 else "=" + c.token
            for c in alternatives
        }
    )
    return keys if len(keys) <= START_KEYS else None


def _short(terms: list[list[Candidate]]) -> bool:
    """Whether an alternative is a word start of at most three letters."""
    return any(c.prefix and len(c.token) <= 3 for group in terms for c in group)


class PostgresBackend(PostgresWriter):
    """``tsv`` holds every token of an entry, ``tsv_all`` those and the confidential
    ones (only where there are some), ``tsv_head`` the title's (weight A) and the
    identifiers' (weight B) alone, with positions (weights live on positions: a lexeme
    without any matches every weight). Title buckets read the small ``tsv_head`` index."""

    vendor = "postgresql"

    def holds(self, word: str) -> bool:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT EXISTS (SELECT 1 FROM search_entry e WHERE e.tsv @@ %s::tsquery) "
                "OR EXISTS (SELECT 1 FROM search_entry e WHERE e.tsv_all @@ %s::tsquery)",
                [self._lexeme(word)] * 2,
            )
            return bool(cursor.fetchone()[0])

    def _tsquery(self, terms: list[list[Candidate]] | None, weights: str = "") -> str | None:
        if terms is None:
            return None
        groups = []
        for alternatives in terms:
            options = sorted(
                {
                    self._lexeme(c.token)
                    + (f":*{weights}" if c.prefix else (f":{weights}" if weights else ""))
                    for c in alternatives
                }
            )
            groups.append("(" + " | ".join(options) + ")")
        return " & ".join(groups)

    def _match(
        self,
        query: Query,
        terms: list[list[Candidate]] | None,
        field: int = 2,
        *,
        split: bool = True,
    ) -> tuple[str, list[Any]]:
        """Entries matching ``terms`` in the field group ``field`` (0 title, 1 title and
        identifiers, 2 everything the user may search).

        With several words (``split``), one word may be looked up alone in the index and
        the others checked on its entries: GIN reads every posting list of every word a
        prefix covers ("ma" while typing) before intersecting, so "paulina ma" would
        read the entries of all words starting with "ma" (tens of milliseconds) where
        those of "paulina" (hundreds) suffice. ``ts_match_vq`` is the function
        behind ``@@``, which the planner does not take as an index condition."""
        weights = "A" if field == 0 else ""
        tsquery = self._tsquery(terms, weights) or ""
        vectors = ["e.tsv_head"] if field < 2 else ["e.tsv"]
        if field == 2 and query.see_secret:
            vectors.append("e.tsv_all")
        indexed = " OR ".join(f"{v} @@ %s::tsquery" for v in vectors)
        if not split or terms is None or len(terms) < 2:
            return f"({indexed})", [tsquery] * len(vectors)
        scoped = self._scoped(query)
        estimates: list[tuple[float, bool, int]] = []
        for i, group in enumerate(terms):
            prefix = any(c.prefix for c in group)
            if prefix and not scoped:
                # Never picked, so not estimated: an EXPLAIN, and the word being typed
                # changes at every keystroke.
                continue
            group_query = self._tsquery([group], weights) or ""
            estimates.append((self._estimate_cached(vectors[0], group_query), prefix, i))
        if scoped:
            # The access columns' indexes narrow the rarest word's entries before they
            # are read, so it pays to look up only that one. The planner estimates a
            # prefix from the most common words it covers only ("10" of numbers: 383
            # estimated, 60,000 found): it is trusted ten times less.
            pick = min(estimates, key=lambda e: e[0] * (PREFIX_DOUBT if e[1] else 1))
        else:
            # Nothing narrows the entries: rechecking each entry of a common word costs
            # far more than GIN intersecting two common words ("consulenza 10": 22 ms
            # intersected, 140 ms rechecking the 16,500 "consulenza"). Only a rare word
            # typed whole (whose estimate the GIN statistics know) is looked up alone.
            if not estimates or min(estimates)[0] > SPLIT_BELOW:
                return f"({indexed})", [tsquery] * len(vectors)
            pick = min(estimates)
        rarest = self._tsquery([terms[pick[2]]], weights) or ""
        checked = " OR ".join(f"ts_match_vq({v}, %s::tsquery)" for v in vectors)
        params = [rarest] * len(vectors) + [tsquery] * len(vectors)
        return f"({indexed}) AND ({checked})", params

    def _estimate_cached(self, vector: str, tsquery: str) -> float:
        """The planner's estimate of the entries matching one word's alternatives, kept
        for a while (the words before the one being typed repeat at every keystroke)."""
        return float(
            _noted(
                _ESTIMATES,
                (vector, tsquery),
                lambda: self._estimate(f"{vector} @@ %s::tsquery", [tsquery]),
            )
        )

    @contextmanager
    def reading(self) -> Iterator[None]:
        """One transaction without JIT compilation and parallel workers: a search is many
        short statements whose estimated costs, on a large index, would otherwise have
        each compiled (tens of milliseconds) or spread over workers (2 cores). The settings
        are local to the transaction, so this also works behind PgBouncer."""
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('jit', 'off', true), "
                "set_config('max_parallel_workers_per_gather', '0', true)"
            )
            yield

    def _scoped(self, query: Query) -> bool:
        """Whether the user sees a small part of the index (under SCOPED), from the
        planner's estimate, kept for a few minutes per access predicate."""
        if not query.hint:
            return False

        def share() -> float:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT greatest(reltuples, 1) FROM pg_class WHERE oid = 'search_entry'::regclass"
                )
                total = float(cursor.fetchone()[0])
            return self._estimate(query.hint, query.hint_params) / total

        return bool(
            _noted(_SCOPED, (query.hint, tuple(query.hint_params)), lambda: share() < SCOPED)
        )

    def matches_at_least(self, query: Query, terms: list[list[Candidate]], count: int) -> bool:
        """From the planner's estimate (the GIN statistics of each lexeme): counting the
        matches of a short prefix would read all of them. Two estimates are about ten
        times too low or worse, so they are trusted ten times less, unless the user is
        scoped (the access columns' indexes keep the ranked statement's reads small):
        a prefix of two or three letters, which covers many words ("lu": 1,249
        estimated, as for any prefix the statistics do not know, and 16,309 found), and
        several words, which the planner takes as independent where words of one text go
        together ("porro sim": 197 estimated, 5,472 found). A longer prefix estimated
        below ``count`` has its title word starts counted in ``search_start`` (an index
        walk stopping at ``count``)."""
        estimate = self._estimate(*self._match(query, terms, split=False))
        if self._scoped(query):
            return estimate >= count
        doubt = PREFIX_DOUBT if _short(terms) or len(terms) > 1 else 1
        if estimate * doubt >= count:
            return True
        # A longer prefix the statistics do not know has the same floor estimate
        # ("gian": 1,261 estimated, 11,670 found); its own starts (five letters at
        # most) are keys of ``search_start``, each row a title holding it.
        keys = _start_keys(terms, 0)
        if keys is None or not all(c.prefix and len(c.token) <= START_LETTERS for c in terms[0]):
            return False
        with connection.cursor() as cursor:
            cursor.execute(POSTGRES_START_COUNT, [keys, count])
            return int(cursor.fetchone()[0]) >= count

    @staticmethod
    def _estimate(match_sql: str, match_params: list[Any]) -> float:
        with connection.cursor() as cursor:
            cursor.execute(
                _sql(
                    "EXPLAIN (FORMAT JSON) SELECT 1 FROM search_entry e WHERE {match}",
                    match=match_sql,
                ),
                match_params,
            )
            plan = cursor.fetchone()[0]
        if isinstance(plan, str):
            plan = json.loads(plan)
        return float(plan[0]["Plan"]["Plan Rows"])

    def bucket(
        self,
        query: Query,
        terms: list[list[Candidate]],
        field: int,
        only: list[int] | None,
        exclude: list[int],
        limit: int,
    ) -> list[dict[str, Any]]:
        match_sql, match_params = self._match(query, terms, field)
        if only is not None:
            sql = _sql(
                POSTGRES_HISTORY_BUCKET, columns=SELECT_COLUMNS, match=match_sql, where=query.where
            )
            params = [query.user_id, only, *match_params, *query.params, exclude]
            with connection.cursor() as cursor:
                cursor.execute(sql, [*params, limit])
                return self._fetch(cursor)
        # A user who sees much of the index walks the title word starts: always for a
        # start of two or three letters (GIN would read tens of thousands of entries),
        # else when the planner expects many matches (a rare word or prefix, whose
        # GIN posting lists are short, would have the walk look at WINDOW entries for
        # few matches).
        keys = None if self._scoped(query) else _start_keys(terms, field)
        if keys is not None and (
            _short(terms)
            or self._estimate_cached("e.tsv_head", self._tsquery(terms) or "") >= base.BROAD
        ):
            return self._start_bucket(query, terms, keys, (match_sql, match_params), exclude, limit)
        # The newest matches are first looked for among the newest WINDOW entries (a
        # walk of the primary key, whose cost does not depend on how common the words
        # are); only when those hold too few, the older matches are read from the GIN
        # index and sorted (``e.id + 0``: not the key's order, so never a walk of the
        # whole table, which the planner, over-estimating rare words, might choose).
        # A scoped user sees a small part of the index: the window would hold few of
        # their entries, and the indexes on owner, assignee and team narrow the matches
        # before any entry is read.
        window = 0 if self._scoped(query) else WINDOW
        family = RECORDS if field < 2 else "TRUE"
        sql = _sql(
            POSTGRES_BUCKET,
            columns=SELECT_COLUMNS,
            match=match_sql,
            where=query.where,
            family=family,
        )
        with connection.cursor() as cursor:
            rows = []
            if window:
                cursor.execute(sql, [window, *match_params, *query.params, exclude, limit])
                rows = self._fetch(cursor)
            if len(rows) < limit:
                older = _sql(
                    POSTGRES_BUCKET_OLDER if window else POSTGRES_BUCKET_ALL,
                    columns=SELECT_COLUMNS,
                    match=match_sql,
                    where=query.where,
                    family=family,
                )
                seen = [*exclude, *(row["id"] for row in rows)]
                bound = [window] if window else []
                cursor.execute(
                    older, [*match_params, *query.params, seen, *bound, limit - len(rows)]
                )
                rows += self._fetch(cursor)
        return rows

    def _start_bucket(
        self,
        query: Query,
        terms: list[list[Candidate]],
        keys: list[str],
        match: tuple[str, list[Any]],
        exclude: list[int],
        limit: int,
    ) -> list[dict[str, Any]]:
        """A title bucket of one word, through ``search_start``; ``match``: the bucket's
        GIN match, for the older entries."""
        merged = _sql(
            POSTGRES_START_MERGED, walks=" UNION ALL ".join([POSTGRES_START_WALK] * len(keys))
        )
        window = [value for key in keys for value in (key, WINDOW)] + [WINDOW]
        check = self._tsquery(terms, "A")
        sql = _sql(POSTGRES_START_BUCKET, columns=SELECT_COLUMNS, merged=merged, where=query.where)
        with connection.cursor() as cursor:
            cursor.execute(sql, [*window, check, *query.params, exclude, limit])
            rows = self._fetch(cursor)
            if len(rows) >= limit:
                return rows
            cursor.execute(_sql(POSTGRES_START_WINDOW, merged=merged), window)
            walked, oldest = cursor.fetchone()
            if walked < WINDOW:
                return rows  # every entry with those starts was looked at
            match_sql, match_params = match
            older = _sql(
                POSTGRES_BUCKET_BELOW, columns=SELECT_COLUMNS, match=match_sql, where=query.where
            )
            seen = [*exclude, *(row["id"] for row in rows)]
            cursor.execute(older, [*match_params, *query.params, seen, oldest, limit - len(rows)])
            return rows + self._fetch(cursor)

    def search_ranked(
        self, query: Query, tier: Tier, exclude: list[int], limit: int, offset: int
    ) -> list[dict[str, Any]]:
        terms = _level_terms(query, tier.typos, whole=tier.whole)
        match_sql, match_params = self._match(query, terms)
        tier_sql, field_sql, whole_sql = str(int(tier.rank)), "2", "1"
        part_params: list[Any] = []
        if query.sort == "relevance" and terms is not None:
            tier_sql = str(int(tier.rank))
            field_sql = (
                "CASE WHEN e.tsv_head @@ %s::tsquery THEN 0 "
                "WHEN e.tsv_head @@ %s::tsquery THEN 1 ELSE 2 END"
            )
            part_params = [self._tsquery(terms, "A"), self._tsquery(terms)]
            whole_sql = str(int(tier.whole))
            if tier.typos and query.prefix_last:
                whole = _level_terms(query, tier.typos, whole=True)
                if whole is not None and self._scoped(query):
                    vector = "coalesce(e.tsv_all, e.tsv)" if query.see_secret else "e.tsv"
                    whole_sql = f"CASE WHEN {vector} @@ %s::tsquery THEN 1 ELSE 0 END"
                    part_params.append(self._tsquery(whole))
                elif whole is not None:
                    # The whole-word matches from GIN, once (a hashed subplan), rather
                    # than every match's text vector read again: a document chunk's is
                    # long and compressed ("tempore ear", 5,121 matches: 36 → 18 ms).
                    vectors = ["w.tsv", "w.tsv_all"] if query.see_secret else ["w.tsv"]
                    whole_sql = _sql(
                        POSTGRES_WHOLE,
                        match=" OR ".join(f"{v} @@ %s::tsquery" for v in vectors),
                    )
                    part_params += [self._tsquery(whole)] * len(vectors)
        sql = _sql(
            POSTGRES_SEARCH,
            columns=SELECT_COLUMNS,
            tier=tier_sql,
            field=field_sql,
            whole=whole_sql,
            match=match_sql,
            where=query.where,
            order=self._order(query),
        )
        params = [
            *part_params,
            query.user_id,
            *match_params,
            *query.params,
            exclude,
            limit,
            offset,
        ]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return self._fetch(cursor)

    def count_by_kind(self, query: Query, typos: int) -> dict[str, int]:
        terms = _level_terms(query, typos)
        if terms is None:  # a word with nothing within ``typos``
            return {}
        match_sql, match_params = self._match(query, terms)
        sql = _sql(POSTGRES_COUNT, match=match_sql, where=query.where)
        with connection.cursor() as cursor:
            cursor.execute(sql, [*match_params, *query.params, COUNT_CAP + 1])
            return {kind: int(n) for kind, n in cursor.fetchall()}
