"""The two search backends behind one interface.

- SQLite: an FTS5 table ``search_fts`` (columns title, ident, body, secret; tokenizer
  unicode61 with ``remove_diacritics 2``; prefix indexes for 2 to 5 characters) whose
  rowid is the entry id; ``search_fts_vocab`` (fts5vocab) lists its terms.
- PostgreSQL: ``search_entry.tsv`` (title weight A, identifiers B, body D) and
  ``tsv_all`` (the same plus confidential text, only where there is some), each with a
  GIN index; the vocabulary table has a trigram (pg_trgm) index.

Both index the tokens made by ``perno.search.text`` (already folded), so matching is
the same on both: PostgreSQL receives them through ``array_to_tsvector`` (no parser, no
dictionary: the ``simple`` behaviour for every token) and SQLite through a tokenizer
that keeps e-mail and code characters inside tokens.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import connection, transaction

if TYPE_CHECKING:
    from perno.search.indexer import Row
    from perno.search.typos import Candidate

COUNT_CAP = 10_000
BROAD = 2_000  # from this many matching entries a query is answered bucket by bucket
HISTORY_ENTRIES = 500
WINDOW = 5_000  # PostgreSQL: newest entries walked before reading a bucket's GIN index
SCOPED = 0.1  # PostgreSQL: a user seeing less of the index skips the window
NOTED_SECONDS = 300.0  # PostgreSQL: how long planner estimates are kept per process
SPLIT_BELOW = 1_000  # PostgreSQL: a word this rare is looked up alone, the others checked
PREFIX_DOUBT = 10  # PostgreSQL: how far a prefix's estimated count is trusted less
_SCOPED: dict[Any, tuple[float, Any]] = {}  # PostgreSQL: (when, is the user scoped)
_ESTIMATES: dict[Any, tuple[float, Any]] = {}  # PostgreSQL: (when, rows)


def _building(name: str) -> str:
    """The name an index or constraint has on the table a rebuild fills."""
    return connection.ops.quote_name("b_" + name[:60])


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


def _values(row: Row) -> list[Any]:
    a = row.access
    return [
        row.kind,
        row.object_id,
        row.chunk,
        a.subject,
        a.subject_id,
        a.owner_id,
        a.assignee_id,
        a.team_id,
        a.confidential,
        row.title,
        row.subtitle,
        row.body,
        row.secret,
        row.url,
        row.tag_ids,
        row.changed_at,
    ]


@dataclass
class Query:
    """One search, ready for a backend: per term its alternatives (with typos), the
    access predicate and filters as SQL over the alias ``e``, the ordering."""

    terms: list[list[Candidate]]
    levels: int  # highest number of typos among the alternatives
    prefix_last: bool
    see_secret: bool
    user_id: int
    where: str
    params: list[Any]
    sort: str = "relevance"
    # What every entry the user may see has in common (``engine.access_where``).
    hint: str = ""
    hint_params: list[Any] = dataclasses.field(default_factory=list)


def _sql(template: str, **parts: str) -> str:
    """Fill a statement template with SQL fragments made in this module from fixed text
    and ``%s`` placeholders; every value (terms, ids, user input) travels as a parameter."""
    return template.format(**parts)


SELECT_COLUMNS = (
    "e.id, e.kind, e.object_id, e.chunk, e.subject, e.subject_id, e.title, e.subtitle, "
    "e.body, e.url, e.changed_at, e.owner_id, e.team_id"
)
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
POSTGRES_INSERT = (
    "INSERT INTO search_entry ({columns}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, "
    "%s, %s, %s, %s, %s, %s, %s::tsvector, %s::tsvector, %s::tsvector)"
)
ENTRY_COLUMNS = (
    "kind, object_id, chunk, subject, subject_id, owner_id, assignee_id, team_id, "
    "confidential, title, subtitle, body, secret, url, tag_ids, changed_at, tsv_head, tsv, "
    "tsv_all"
)
POSTGRES_COPY = "COPY {table} ({columns}) FROM STDIN"
COPY_FROM = 100  # PostgreSQL: from this many rows an insert is a COPY
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
# What a rebuild re-creates on the table it swaps in (as migration 0006 made them).
POSTGRES_START_TRIGGERS = (
    "CREATE TRIGGER search_start_sync AFTER INSERT OR DELETE OR UPDATE OF tsv_head "
    "ON {entries} FOR EACH ROW EXECUTE FUNCTION search_start_sync('{starts}')",
    "CREATE TRIGGER search_start_clear AFTER TRUNCATE ON {entries} "
    "FOR EACH STATEMENT EXECUTE FUNCTION search_start_clear('{starts}')",
)
POSTGRES_WHOLE = (
    "CASE WHEN e.id IN (SELECT w.id FROM search_entry w WHERE {match}) THEN 1 ELSE 0 END"
)
POSTGRES_COUNT = (
    "SELECT kind, count(*) FROM (SELECT e.kind FROM search_entry e "
    "WHERE {match} AND {where} LIMIT %s) found GROUP BY kind"
)


class Backend:
    vendor = ""

    def _list(self, values: list[Any]) -> Any:
        return json.dumps(values) if self.vendor == "sqlite" else values

    # -- writing
    def insert(self, rows: Sequence[Row], *, vocabulary: bool = True) -> None:
        raise NotImplementedError

    def _entry_ids(self, cursor: Any, kind: str, object_ids: list[int]) -> list[int]:
        if not object_ids:
            return []
        cursor.execute(
            "SELECT id FROM search_entry WHERE kind = %s AND object_id IN "
            "(SELECT value FROM json_each(%s))"
            if self.vendor == "sqlite"
            else "SELECT id FROM search_entry WHERE kind = %s AND object_id = ANY(%s)",
            [kind, self._list(object_ids)],
        )
        return [pk for (pk,) in cursor.fetchall()]

    def delete(self, kind: str, object_ids: list[int], *, prune: bool = True) -> None:
        raise NotImplementedError

    def update_access(self, subject: str, subject_id: int, **columns: Any) -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE search_entry SET owner_id = %s, assignee_id = %s, team_id = %s, "
                "confidential = %s WHERE subject = %s AND subject_id = %s AND kind <> %s",
                [
                    columns["owner_id"],
                    columns["assignee_id"],
                    columns["team_id"],
                    columns["confidential"],
                    subject,
                    subject_id,
                    subject,
                ],
            )

    def update_access_of_object(self, kind: str, object_id: int, access: Any) -> None:
        """A document moved with its comment (lead conversion): new access columns."""
        with connection.cursor() as cursor:
            if access is None:
                self.delete(kind, [object_id])
                return
            cursor.execute(
                "UPDATE search_entry SET subject = %s, subject_id = %s, owner_id = %s, "
                "assignee_id = %s, team_id = %s, confidential = %s "
                "WHERE kind = %s AND object_id = %s",
                [
                    access.subject,
                    access.subject_id,
                    access.owner_id,
                    access.assignee_id,
                    access.team_id,
                    access.confidential,
                    kind,
                    object_id,
                ],
            )

    def count(self, kind: str) -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM search_entry WHERE kind = %s", [kind])
            return int(cursor.fetchone()[0])

    def delete_missing(self, kind: str, table: str) -> None:
        """Entries whose record no longer exists (deleted during a rebuild)."""
        with connection.cursor() as cursor:
            cursor.execute(
                _sql(
                    "SELECT e.object_id FROM search_entry e WHERE e.kind = %s AND NOT EXISTS "
                    "(SELECT 1 FROM {table} r WHERE r.id = e.object_id)",
                    table=connection.ops.quote_name(table),
                ),
                [kind],
            )
            gone = [pk for (pk,) in cursor.fetchall()]
        if gone:
            self.delete(kind, gone)

    def _add_words(self, rows: Sequence[Row]) -> None:
        self.add_words({w for row in rows for w in row.words()})

    def add_words(self, words: set[str]) -> None:
        """Add ``words`` to the vocabulary (those it has are left)."""
        ordered = sorted(words)
        with connection.cursor() as cursor:
            for start in range(0, len(ordered), 5000):
                cursor.executemany(
                    "INSERT INTO search_word (word) VALUES (%s) ON CONFLICT (word) DO NOTHING",
                    [[word] for word in ordered[start : start + 5000]],
                )

    def vocabulary_words(self) -> set[str]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT word FROM search_word")
            return {word for (word,) in cursor.fetchall()}

    def _prune_words(self, cursor: Any, words: set[str]) -> None:
        raise NotImplementedError

    def _bump_vocabulary(self, cursor: Any) -> None:
        cursor.execute("UPDATE search_state SET value = value + 1 WHERE key = 'vocabulary'")

    def refresh_vocabulary(self, words: set[str]) -> None:
        """After a rebuild: add the rebuilt entries' ``words`` that are missing, and
        remove the vocabulary words no entry holds any more (each checked against the
        index itself: fts5vocab on SQLite, the GIN index on PostgreSQL, so words of
        documents, which a rebuild keeps, stay)."""
        existing = self.vocabulary_words()
        self.add_words(words - existing)
        with connection.cursor() as cursor:
            stale = sorted(existing - words)
            for start in range(0, len(stale), 500):
                self._prune_words(cursor, set(stale[start : start + 500]))

    def delete_orphans(self) -> None:
        """Full-text rows without their entry (e.g. after restoring only some tables)."""

    def analyze(self) -> None:
        """Fresh planner statistics after a rebuild (every row of the index is new)."""

    # A backend that ``swaps`` rebuilds into a new table (``rebuild_start``,
    # ``rebuild_insert``, ``rebuild_finish``) instead of replacing entries in place.
    swaps = False

    def rebuild_start(self) -> None:
        raise NotImplementedError

    def rebuild_insert(self, rows: Sequence[Row]) -> None:
        raise NotImplementedError

    def rebuild_finish(self, manual: list[str]) -> None:
        raise NotImplementedError

    # -- reading
    @contextmanager
    def reading(self) -> Iterator[None]:
        """Around the statements of one search."""
        yield

    def search(self, query: Query, limit: int, offset: int) -> list[dict[str, Any]]:
        """Ranked hits. By relevance, typo tier by typo tier (exact first), stopping as
        soon as the page is full, so the alternatives with typos are only read when the
        exact ones do not fill it. Within a tier, a query matching few entries is ranked
        in one statement; one matching many (a short prefix while typing) is answered
        bucket by bucket in ranking order, each bucket walking its matches newest first
        and stopping at the page's end, so its cost does not grow with the match count."""
        if query.sort != "relevance":
            return self.search_ranked(query, None, [], limit, offset)
        wanted = limit + offset
        found: list[dict[str, Any]] = []
        history: list[int] | None = None
        for level in range(query.levels + 1):
            terms = _level_terms(query, level)
            if terms is None:
                continue
            # Every match of the lower tiers is in ``found`` (the page was not full).
            seen = [row["id"] for row in found]
            if self.matches_at_least(query, terms, BROAD):
                if history is None:
                    history = self.history_entries(query.user_id)
                rows = self.search_buckets(query, level, terms, history, seen, wanted - len(found))
            else:
                rows = self.search_ranked(query, level, seen, wanted - len(found), 0)
            found.extend(rows)
            if len(found) >= wanted:
                break
        return found[offset : offset + limit]

    def search_ranked(
        self, query: Query, level: int | None, exclude: list[int], limit: int, offset: int
    ) -> list[dict[str, Any]]:
        """The matches with at most ``level`` typos (None: all, in the query's sort order)
        that are not in ``exclude``, ranked in one statement."""
        raise NotImplementedError

    def matches_at_least(self, query: Query, terms: list[list[Candidate]], count: int) -> bool:
        """Whether ``terms`` match about ``count`` entries or more (whatever the access)."""
        raise NotImplementedError

    def bucket(
        self,
        query: Query,
        terms: list[list[Candidate]],
        field: int,
        only: list[int] | None,
        exclude: list[int],
        limit: int,
    ) -> list[dict[str, Any]]:
        """Entries matching ``terms`` in the field group ``field`` (0 title, 1 title and
        identifiers, 2 everything), newest first; ``only``: among these entry ids."""
        raise NotImplementedError

    def history_entries(self, user_id: int) -> list[int]:
        """Entry ids of the records in the user's history, most frecent first."""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT e.id FROM search_visit v JOIN search_entry e "
                "ON e.subject = v.kind AND e.subject_id = v.object_id "
                "WHERE v.user_id = %s ORDER BY v.rank DESC LIMIT %s",
                [user_id, HISTORY_ENTRIES],
            )
            return [pk for (pk,) in cursor.fetchall()]

    def search_buckets(
        self,
        query: Query,
        level: int,
        terms: list[list[Candidate]],
        history: list[int],
        exclude: list[int],
        wanted: int,
    ) -> list[dict[str, Any]]:
        """The tier ``level`` (its ``terms``) bucket by bucket: history, whole word in the
        title, title, title or identifiers, anywhere."""
        whole = _level_terms(query, level, whole=True) if query.prefix_last else None
        plan: list[tuple[list[list[Candidate]], int, list[int] | None, int]] = []
        if history:
            plan.append((terms, 2, history, 1))
        if whole is not None:
            plan.append((whole, 0, None, 1))
        plan += [(terms, 0, None, 0), (terms, 1, None, 0), (terms, 2, None, 0)]
        found: list[dict[str, Any]] = []
        seen = list(exclude)
        for bucket_terms, field, only, is_whole in plan:
            rows = self.bucket(query, bucket_terms, field, only, seen, wanted - len(found))
            for row in rows:
                row.update(tier=level, field=field, whole=is_whole)
                row.setdefault("history", None)
                found.append(row)
                seen.append(row["id"])
            if len(found) >= wanted:
                break
        return found

    def count_by_kind(self, query: Query) -> dict[str, int]:
        raise NotImplementedError

    def holds(self, word: str) -> bool:
        """Whether an entry holds ``word`` whole (any field, whatever the access: it only
        decides whether the word is looked up at all)."""
        raise NotImplementedError

    def new_words(self, after: int) -> tuple[int, list[tuple[int, str]]]:
        """The vocabulary generation and the words added after id ``after`` (one
        statement: it runs before every search)."""
        with connection.cursor() as cursor:
            # Always one row at least, with or without the state row (a flushed
            # database has none).
            cursor.execute(
                "SELECT (SELECT value FROM search_state WHERE key = 'vocabulary'), w.id, w.word "
                "FROM (SELECT 1 AS one) o LEFT JOIN search_word w ON w.id > %s ORDER BY w.id",
                [after],
            )
            rows = cursor.fetchall()
        generation = int(rows[0][0] or 0) if rows else 0
        return generation, [(pk, word) for _value, pk, word in rows if pk is not None]

    # -- shared SQL pieces
    def _order(self, query: Query) -> str:
        if query.sort == "recent":
            return "e.changed_at DESC, e.id DESC"
        if query.sort == "title":
            return "e.title, e.id"
        return "tier, v.rank IS NULL, v.rank DESC, field, whole DESC, e.id DESC"

    @staticmethod
    def _fetch(cursor: Any) -> list[dict[str, Any]]:
        names = [col[0] for col in cursor.description]
        return [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]


def _level_terms(query: Query, level: int, *, whole: bool = False) -> list[list[Candidate]] | None:
    """Per term, its alternatives with at most ``level`` typos (``whole``: words only,
    no word starts). An alternative another one's start already covers is left out
    ("mana*" and "mano" when "man*" is there): it would only make the engine read the
    same entries again."""
    out = []
    for alternatives in query.terms:
        kept = [c for c in alternatives if c.typos <= level and not (whole and c.prefix)]
        if not kept:
            return None
        heads = {c.token for c in kept if c.prefix}
        out.append([c for c in kept if not _covered(c, heads)])
    return out


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


def _covered(candidate: Candidate, heads: set[str]) -> bool:
    token = candidate.token
    return any(
        token.startswith(head) and (len(head) < len(token) or not candidate.prefix)
        for head in heads
    )


class SQLiteBackend(Backend):
    vendor = "sqlite"
    COLUMNS = ("title", "ident", "body", "secret")

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
                self._prune_words(cursor, words)

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

    def _parts(self, query: Query, level: int | None) -> tuple[dict[str, str], list[Any], str]:
        """The tier, field and whole-word expressions of the tier ``level`` (None: every
        tier, not ranked), their parameters (in that order) and the match expression."""
        terms = _level_terms(query, query.levels if level is None else level)
        full = self._expr(query, terms) or ""
        if level is None or terms is None:
            return {"tier": "0", "field": "2", "whole": "1"}, [], full
        whole_sql, whole_params = "1", []
        if query.prefix_last:
            whole = self._expr(query, _level_terms(query, level, whole=True))
            if whole is not None:
                whole_sql = (
                    "CASE WHEN f.rowid IN (SELECT rowid FROM search_fts "
                    "WHERE search_fts MATCH %s) THEN 1 ELSE 0 END"
                )
                whole_params.append(whole)
            else:
                whole_sql = "0"
        field_sql = (
            "CASE WHEN f.rowid IN (SELECT rowid FROM search_fts WHERE search_fts MATCH %s) "
            "THEN 0 WHEN f.rowid IN (SELECT rowid FROM search_fts WHERE search_fts MATCH %s) "
            "THEN 1 ELSE 2 END"
        )
        field_params = [
            self._expr(query, terms, "{title}") or "",
            self._expr(query, terms, "{title ident}") or "",
        ]
        sql = {"tier": str(int(level)), "field": field_sql, "whole": whole_sql}
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
        self, query: Query, level: int | None, exclude: list[int], limit: int, offset: int
    ) -> list[dict[str, Any]]:
        parts, part_params, full = self._parts(query, level)
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

    def count_by_kind(self, query: Query) -> dict[str, int]:
        full = self._expr(query, _level_terms(query, query.levels)) or ""
        sql = _sql(SQLITE_COUNT, where=query.where)
        with connection.cursor() as cursor:
            cursor.execute(sql, [full, *query.params, COUNT_CAP + 1])
            return {kind: int(n) for kind, n in cursor.fetchall()}


class PostgresBackend(Backend):
    """``tsv`` holds every token of an entry, ``tsv_all`` those and the confidential
    ones (only where there are some), ``tsv_head`` the title's (weight A) and the
    identifiers' (weight B) alone, with positions (weights live on positions: a lexeme
    without any matches every weight). Title buckets read the small ``tsv_head`` index."""

    vendor = "postgresql"

    @classmethod
    def _head(cls, row: Row) -> str:
        """``tsv_head`` as tsvector text: title tokens at position 1 with weight A,
        identifier tokens at position 2 with weight B."""
        return " ".join(
            [cls._lexeme(t) + ":1A" for t in row.title_tokens]
            + [cls._lexeme(t) + ":2B" for t in row.ident_tokens]
        )

    @classmethod
    def _vector(cls, tokens: Iterable[str]) -> str:
        return " ".join(cls._lexeme(t) for t in tokens)

    @classmethod
    def _entry_values(cls, row: Row) -> list[Any]:
        """A row's ENTRY_COLUMNS, the vectors as tsvector text (for INSERT and COPY)."""
        open_vector = cls._vector([*row.title_tokens, *row.ident_tokens, *row.body_tokens])
        all_vector = (
            open_vector + " " + cls._vector(row.secret_tokens) if row.secret_tokens else None
        )
        return [*_values(row), cls._head(row), open_vector, all_vector]

    def insert(self, rows: Sequence[Row], *, vocabulary: bool = True) -> None:
        if not rows:
            return
        if len(rows) >= COPY_FROM:
            self._copy(rows)
        else:
            with connection.cursor() as cursor:
                cursor.executemany(
                    _sql(POSTGRES_INSERT, columns=ENTRY_COLUMNS),
                    [self._entry_values(row) for row in rows],
                )
        if vocabulary:
            self._add_words(rows)

    def _copy(self, rows: Sequence[Row], table: str = "search_entry") -> None:
        """Many rows (a rebuild's batch) through COPY."""
        statement = _sql(POSTGRES_COPY, table=table, columns=ENTRY_COLUMNS)
        with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(self._entry_values(row))

    def delete(self, kind: str, object_ids: list[int], *, prune: bool = True) -> None:
        with connection.cursor() as cursor:
            ids = self._entry_ids(cursor, kind, object_ids)
            if not ids:
                return
            words: set[str] = set()
            if prune:
                cursor.execute(
                    "SELECT DISTINCT unnest(tsvector_to_array(coalesce(tsv_all, tsv))) "
                    "FROM search_entry WHERE id = ANY(%s)",
                    [ids],
                )
                words = {w for (w,) in cursor.fetchall() if w.isalpha()}
            cursor.execute("DELETE FROM search_entry WHERE id = ANY(%s)", [ids])
            if words:
                self._prune_words(cursor, words)

    def _prune_words(self, cursor: Any, words: set[str]) -> None:
        cursor.execute(
            "DELETE FROM search_word w WHERE w.word = ANY(%s) "
            "AND NOT EXISTS (SELECT 1 FROM search_entry e "
            "WHERE e.tsv @@ quote_literal(w.word)::tsquery) "
            "AND NOT EXISTS (SELECT 1 FROM search_entry e "
            "WHERE e.tsv_all @@ quote_literal(w.word)::tsquery)",
            [sorted(words)],
        )
        if cursor.rowcount:
            self._bump_vocabulary(cursor)

    def holds(self, word: str) -> bool:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT EXISTS (SELECT 1 FROM search_entry e WHERE e.tsv @@ %s::tsquery) "
                "OR EXISTS (SELECT 1 FROM search_entry e WHERE e.tsv_all @@ %s::tsquery)",
                [self._lexeme(word)] * 2,
            )
            return bool(cursor.fetchone()[0])

    @staticmethod
    def _lexeme(token: str) -> str:
        return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"

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

    def analyze(self) -> None:
        """VACUUM as well: a table filled by COPY has no page marked all-visible, so
        every index-only walk (the newest entries' window) reads the table too, and no
        tuple carries its hint bits yet. At 1,000,000 entries it takes about 2 s and took
        the sales user's p95 from 25.5 to 16.1 ms. VACUUM cannot run in a transaction
        (a migration's rebuild): there, statistics only."""
        with connection.cursor() as cursor:
            if connection.in_atomic_block:
                cursor.execute("ANALYZE search_entry, search_start, search_word")
            else:
                cursor.execute("VACUUM (ANALYZE) search_entry, search_start, search_word")

    # -- rebuild into a new table, then swap
    #
    # Inserting a million rows into a table with three GIN indexes costs far more than
    # building the indexes once. So a rebuild writes into ``search_entry_build``
    # (no index) by COPY, indexes it, and swaps it in. Meanwhile users keep searching
    # and the signals keep writing to ``search_entry``. ``search_entry_seen`` keeps the
    # ids that were there at the start: at the swap, with writes locked out for a
    # moment, the entries written since (records changed during the rebuild) replace
    # the rebuilt ones, the records deleted since leave, and document chunks (which a
    # rebuild does not re-extract) move over.
    swaps = True

    def rebuild_start(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "DROP TABLE IF EXISTS search_entry_build, search_entry_seen, search_start_build"
            )
            cursor.execute(
                "CREATE TABLE search_entry_seen AS SELECT id, kind, object_id FROM search_entry"
            )
            cursor.execute(
                "CREATE TABLE search_entry_build (LIKE search_entry INCLUDING DEFAULTS "
                "INCLUDING CONSTRAINTS INCLUDING IDENTITY INCLUDING STORAGE)"
            )
            # New ids go on from the old ones (newest first relies on their order).
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('search_entry_build', 'id'), "
                "coalesce((SELECT max(id) FROM search_entry), 0) + 1, false)"
            )

    def rebuild_insert(self, rows: Sequence[Row]) -> None:
        self._copy(rows, table="search_entry_build")

    def _indexes(self, cursor: Any) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
        """The constraints with an index (name, definition) and the other indexes (name,
        CREATE statement) of ``search_entry``."""
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = 'search_entry'::regclass AND contype IN ('p', 'u') ORDER BY conname"
        )
        constraints = list(cursor.fetchall())
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
            "AND tablename = 'search_entry' ORDER BY indexname"
        )
        named = {name for name, _ in constraints}
        return constraints, [(n, d) for n, d in cursor.fetchall() if n not in named]

    def rebuild_finish(self, manual: list[str]) -> None:
        quote = connection.ops.quote_name
        with transaction.atomic(), connection.cursor() as cursor:
            constraints, indexes = self._indexes(cursor)
            cursor.execute("SELECT set_config('maintenance_work_mem', '256MB', true)")
            for name, definition in constraints:
                cursor.execute(
                    _sql(
                        "ALTER TABLE search_entry_build ADD CONSTRAINT {name} {definition}",
                        name=_building(name),
                        definition=definition,
                    )
                )
            for name, statement in indexes:
                head, _, tail = statement.partition(" ON ")
                table, _, rest = tail.partition(" ")
                if not head.endswith(" " + name) or table.rpartition(".")[2] != "search_entry":
                    raise RuntimeError(f"unexpected index definition: {statement}")
                cursor.execute(
                    _sql(
                        "{head} ON search_entry_build {rest}",
                        head=head[: -len(name)] + _building(name),
                        rest=rest,
                    )
                )
            # The title word starts of the rebuilt entries, indexed once; from here on
            # the trigger keeps them in step (the entries carried over at the swap).
            cursor.execute(
                "CREATE TABLE search_start_build (start text NOT NULL, entry_id bigint NOT NULL)"
            )
            cursor.execute(
                "INSERT INTO search_start_build (start, entry_id) SELECT k, e.id "
                "FROM search_entry_build e, unnest(search_starts(e.tsv_head)) k"
            )
            cursor.execute(
                "ALTER TABLE search_start_build ADD CONSTRAINT b_search_start_pkey "
                "PRIMARY KEY (start, entry_id)"
            )
            for trigger in POSTGRES_START_TRIGGERS:
                cursor.execute(
                    _sql(trigger, entries="search_entry_build", starts="search_start_build")
                )
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("LOCK TABLE search_entry IN EXCLUSIVE MODE")
            cursor.execute("DROP TABLE IF EXISTS search_changed")
            cursor.execute(
                "CREATE TEMPORARY TABLE search_changed AS "
                "SELECT DISTINCT o.kind, o.object_id FROM search_entry o "
                "WHERE o.kind <> ALL(%s) AND NOT EXISTS "
                "(SELECT 1 FROM search_entry_seen s WHERE s.id = o.id)",
                [manual],
            )
            cursor.execute(
                "DELETE FROM search_entry_build b USING search_changed c "
                "WHERE b.kind = c.kind AND b.object_id = c.object_id"
            )
            cursor.execute(
                "DELETE FROM search_entry_build b USING search_entry_seen s "
                "WHERE s.kind = b.kind AND s.object_id = b.object_id AND NOT EXISTS "
                "(SELECT 1 FROM search_entry o WHERE o.kind = b.kind "
                "AND o.object_id = b.object_id)"
            )
            cursor.execute(
                _sql(
                    "INSERT INTO search_entry_build ({columns}) SELECT {columns} "
                    "FROM search_entry o WHERE o.kind = ANY(%s) OR EXISTS (SELECT 1 "
                    "FROM search_changed c WHERE c.kind = o.kind AND c.object_id = o.object_id) "
                    "ORDER BY o.id",
                    columns=ENTRY_COLUMNS,
                ),
                [manual],
            )
            cursor.execute("SELECT pg_get_serial_sequence('search_entry', 'id')")
            (sequence,) = cursor.fetchone()
            cursor.execute(
                "DROP TABLE search_entry, search_entry_seen, search_changed, search_start"
            )
            cursor.execute("ALTER TABLE search_entry_build RENAME TO search_entry")
            cursor.execute("ALTER TABLE search_start_build RENAME TO search_start")
            cursor.execute(
                "ALTER TABLE search_start RENAME CONSTRAINT b_search_start_pkey "
                "TO search_start_pkey"
            )
            for trigger in ("search_start_sync", "search_start_clear"):
                cursor.execute(_sql("DROP TRIGGER {trigger} ON search_entry", trigger=trigger))
            for trigger in POSTGRES_START_TRIGGERS:
                cursor.execute(_sql(trigger, entries="search_entry", starts="search_start"))
            for name, _ in constraints:
                cursor.execute(
                    _sql(
                        "ALTER TABLE search_entry RENAME CONSTRAINT {old} TO {new}",
                        old=_building(name),
                        new=quote(name),
                    )
                )
            for name, _ in indexes:
                cursor.execute(
                    _sql(
                        "ALTER INDEX {old} RENAME TO {new}",
                        old=_building(name),
                        new=quote(name),
                    )
                )
            cursor.execute("SELECT pg_get_serial_sequence('search_entry', 'id')")
            (built,) = cursor.fetchone()
            cursor.execute(
                _sql(
                    "ALTER SEQUENCE {built} RENAME TO {name}",
                    built=built,
                    name=quote(sequence.rpartition(".")[2].strip('"')),
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
            or self._estimate_cached("e.tsv_head", self._tsquery(terms) or "") >= BROAD
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
        self, query: Query, level: int | None, exclude: list[int], limit: int, offset: int
    ) -> list[dict[str, Any]]:
        terms = _level_terms(query, query.levels if level is None else level)
        match_sql, match_params = self._match(query, terms)
        tier_sql, field_sql, whole_sql = "0", "2", "1"
        part_params: list[Any] = []
        if level is not None and terms is not None:
            tier_sql = str(int(level))
            field_sql = (
                "CASE WHEN e.tsv_head @@ %s::tsquery THEN 0 "
                "WHEN e.tsv_head @@ %s::tsquery THEN 1 ELSE 2 END"
            )
            part_params = [self._tsquery(terms, "A"), self._tsquery(terms)]
            if query.prefix_last:
                whole = _level_terms(query, level, whole=True)
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
                else:
                    whole_sql = "0"
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

    def count_by_kind(self, query: Query) -> dict[str, int]:
        match_sql, match_params = self._match(query, _level_terms(query, query.levels))
        sql = _sql(POSTGRES_COUNT, match=match_sql, where=query.where)
        with connection.cursor() as cursor:
            cursor.execute(sql, [*match_params, *query.params, COUNT_CAP + 1])
            return {kind: int(n) for kind, n in cursor.fetchall()}


_BACKENDS = {"sqlite": SQLiteBackend(), "postgresql": PostgresBackend()}


def current() -> Backend:
    return _BACKENDS[connection.vendor]
