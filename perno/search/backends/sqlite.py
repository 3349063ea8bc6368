"""The SQLite backend: an FTS5 table ``search_fts`` whose rowid is the entry id."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.db import connection, transaction

from perno.search.backends.base import (
    COUNT_CAP,
    SELECT_COLUMNS,
    Backend,
    Query,
    Tier,
    _level_terms,
    _sql,
    _values,
)

if TYPE_CHECKING:
    from perno.search.indexer import Row
    from perno.search.typos import Candidate

INSERT_ENTRY_WITH_ID = (
    "INSERT INTO search_entry (id, kind, object_id, chunk, subject, subject_id, owner_id, "
    "assignee_id, team_id, confidential, title, subtitle, body, secret, url, tag_ids, "
    "changed_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
)
SQLITE_SEARCH = (
    "SELECT {columns}, {tier} AS tier, v.rank AS history, "
    "{field} AS field, {whole} AS whole "
    "FROM search_fts f JOIN search_entry e ON e.id = f.rowid "
    "LEFT JOIN search_visit v ON v.user_id = %s AND v.kind = e.subject "
    "AND v.object_id = e.subject_id "
    "WHERE search_fts MATCH %s AND {where} AND e.id NOT IN (SELECT value FROM json_each(%s)) "
    "ORDER BY {order} LIMIT %s OFFSET %s"
)
SQLITE_COUNT = (
    "SELECT kind, count(*) FROM (SELECT e.kind AS kind FROM search_fts f "
    "JOIN search_entry e ON e.id = f.rowid "
    "WHERE search_fts MATCH %s AND {where} LIMIT %s) GROUP BY kind"
)
# Buckets of the broad path walk the matches newest first by entry id (an entry is
# re-created whenever its record changes, so the largest ids are the latest changes) and
# stop at the limit: FTS5 reads its posting lists backwards, PostgreSQL scans the
# primary key backwards (or sorts a small bitmap result, as its planner judges).
SQLITE_BUCKET = (
    "SELECT {columns} FROM search_fts f JOIN search_entry e ON e.id = f.rowid "
    "WHERE search_fts MATCH %s AND {where} "
    "AND e.id NOT IN (SELECT value FROM json_each(%s)) "
    "ORDER BY f.rowid DESC LIMIT %s"
)
SQLITE_HISTORY_BUCKET = (
    "SELECT {columns}, v.rank AS history FROM search_entry e CROSS JOIN search_fts f "
    "LEFT JOIN search_visit v ON v.user_id = %s AND v.kind = e.subject "
    "AND v.object_id = e.subject_id "
    "WHERE e.id IN (SELECT value FROM json_each(%s)) AND f.rowid = e.id "
    "AND search_fts MATCH %s AND {where} AND e.id NOT IN (SELECT value FROM json_each(%s)) "
    "ORDER BY v.rank DESC LIMIT %s"
)


class SQLiteBackend(Backend):
    vendor = "sqlite"

    def insert(self, rows: Sequence[Row], *, vocabulary: bool = True) -> None:
        if not rows:
            return
        with transaction.atomic(), connection.cursor() as cursor:
            # The transaction holds SQLite's write lock (transaction_mode IMMEDIATE), so
            # the ids after the largest one are ours.
            cursor.execute(
                "SELECT max(coalesce((SELECT max(id) FROM search_entry), 0), "
                "coalesce((SELECT max(rowid) FROM search_fts), 0))"
            )
            first = int(cursor.fetchone()[0]) + 1
            ids = range(first, first + len(rows))
            cursor.executemany(
                INSERT_ENTRY_WITH_ID,
                [[pk, *_values(row)] for pk, row in zip(ids, rows, strict=True)],
            )
            cursor.executemany(
                "INSERT INTO search_fts (rowid, title, ident, body, secret) "
                "VALUES (%s, %s, %s, %s, %s)",
                [
                    [
                        pk,
                        " ".join(row.title_tokens),
                        " ".join(row.ident_tokens),
                        " ".join(row.body_tokens),
                        " ".join(row.secret_tokens),
                    ]
                    for pk, row in zip(ids, rows, strict=True)
                ],
            )
        if vocabulary:
            self._add_words(rows)

    def delete(self, kind: str, object_ids: list[int], *, prune: bool = True) -> None:
        with connection.cursor() as cursor:
            ids = self._entry_ids(cursor, kind, object_ids)
            if not ids:
                return
            listed = self._list(ids)
            words: set[str] = set()
            if prune:
                cursor.execute(
                    "SELECT title, ident, body, secret FROM search_fts WHERE rowid IN "
                    "(SELECT value FROM json_each(%s))",
                    [listed],
                )
                for columns in cursor.fetchall():
                    words.update(w for text in columns for w in (text or "").split() if w.isalpha())
            cursor.execute(
                "DELETE FROM search_fts WHERE rowid IN (SELECT value FROM json_each(%s))", [listed]
            )
            cursor.execute(
                "DELETE FROM search_entry WHERE id IN (SELECT value FROM json_each(%s))", [listed]
            )
            if words:
                self._prune_now_or_later(cursor, words)

    def _prune_words(self, cursor: Any, words: set[str]) -> None:
        listed = self._list(sorted(words))
        cursor.execute(
            "DELETE FROM search_word WHERE word IN (SELECT value FROM json_each(%s)) "
            "AND word NOT IN (SELECT term FROM search_fts_vocab "
            "WHERE term IN (SELECT value FROM json_each(%s)))",
            [listed, listed],
        )
        if cursor.rowcount:
            self._bump_vocabulary(cursor)

    def delete_orphans(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "DELETE FROM search_fts WHERE rowid NOT IN (SELECT id FROM search_entry)"
            )

    def holds(self, word: str) -> bool:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT EXISTS (SELECT 1 FROM search_fts WHERE search_fts MATCH %s)",
                [self._quote(word)],
            )
            return bool(cursor.fetchone()[0])

    @staticmethod
    def _quote(token: str) -> str:
        return '"' + token.replace('"', '""') + '"'

    def _expr(
        self, query: Query, terms: list[list[Candidate]] | None, columns: str = ""
    ) -> str | None:
        if terms is None:
            return None
        groups = []
        for alternatives in terms:
            options = sorted(
                {self._quote(c.token) + ("*" if c.prefix else "") for c in alternatives}
            )
            groups.append("(" + " OR ".join(options) + ")")
        if not columns:
            columns = "{title ident body secret}" if query.see_secret else "{title ident body}"
        return f"{columns} : ({' AND '.join(groups)})"

    def _parts(self, query: Query, tier: Tier) -> tuple[dict[str, str], list[Any], str]:
        """The tier, field and whole-word expressions of ``tier`` (not ranked when the
        query is not sorted by relevance), their parameters (in that order) and the
        match expression."""
        terms = _level_terms(query, tier.typos, whole=tier.whole)
        full = self._expr(query, terms) or ""
        if query.sort != "relevance" or terms is None:
            return {"tier": str(int(tier.rank)), "field": "2", "whole": "1"}, [], full
        whole_sql, whole_params = str(int(tier.whole)), []
        if tier.typos and query.prefix_last:
            whole = self._expr(query, _level_terms(query, tier.typos, whole=True))
            if whole is not None:
                whole_sql = (
                    "CASE WHEN f.rowid IN (SELECT rowid FROM search_fts "
                    "WHERE search_fts MATCH %s) THEN 1 ELSE 0 END"
                )
                whole_params.append(whole)
        field_sql = (
            "CASE WHEN f.rowid IN (SELECT rowid FROM search_fts WHERE search_fts MATCH %s) "
            "THEN 0 WHEN f.rowid IN (SELECT rowid FROM search_fts WHERE search_fts MATCH %s) "
            "THEN 1 ELSE 2 END"
        )
        field_params = [
            self._expr(query, terms, "{title}") or "",
            self._expr(query, terms, "{title ident}") or "",
        ]
        sql = {"tier": str(int(tier.rank)), "field": field_sql, "whole": whole_sql}
        return sql, [*field_params, *whole_params], full

    def matches_at_least(self, query: Query, terms: list[list[Candidate]], count: int) -> bool:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM (SELECT rowid FROM search_fts "
                "WHERE search_fts MATCH %s LIMIT %s)",
                [self._expr(query, terms) or "", count],
            )
            return int(cursor.fetchone()[0]) >= count

    def bucket(
        self,
        query: Query,
        terms: list[list[Candidate]],
        field: int,
        only: list[int] | None,
        exclude: list[int],
        limit: int,
    ) -> list[dict[str, Any]]:
        columns = ("{title}", "{title ident}", "")[field]
        expr = self._expr(query, terms, columns) or ""
        if only is not None:
            sql = _sql(SQLITE_HISTORY_BUCKET, columns=SELECT_COLUMNS, where=query.where)
            params = [query.user_id, json.dumps(only), expr, *query.params, json.dumps(exclude)]
        else:
            sql = _sql(SQLITE_BUCKET, columns=SELECT_COLUMNS, where=query.where)
            params = [expr, *query.params, json.dumps(exclude)]
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, limit])
            return self._fetch(cursor)

    def search_ranked(
        self, query: Query, tier: Tier, exclude: list[int], limit: int, offset: int
    ) -> list[dict[str, Any]]:
        parts, part_params, full = self._parts(query, tier)
        sql = _sql(
            SQLITE_SEARCH,
            columns=SELECT_COLUMNS,
            **parts,
            where=query.where,
            order=self._order(query),
        )
        params = [
            *part_params,
            query.user_id,
            full,
            *query.params,
            json.dumps(exclude),
            limit,
            offset,
        ]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return self._fetch(cursor)

    def count_by_kind(self, query: Query, typos: int) -> dict[str, int]:
        full = self._expr(query, _level_terms(query, typos))
        if full is None:  # a word with nothing within ``typos``
            return {}
        sql = _sql(SQLITE_COUNT, where=query.where)
        with connection.cursor() as cursor:
            cursor.execute(sql, [full, *query.params, COUNT_CAP + 1])
            return {kind: int(n) for kind, n in cursor.fetchall()}
