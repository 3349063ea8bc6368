"""What both search backends share: the ``Query`` a backend answers, the abstract
``Backend`` (the writes and reads that are the same SQL on both engines, the search
tier by tier and bucket by bucket), and the helpers both engines use."""

from __future__ import annotations

import contextvars
import dataclasses
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import connection

if TYPE_CHECKING:
    from perno.search.indexer import Row
    from perno.search.typos import Candidate

COUNT_CAP = 10_000
BROAD = 2_000  # from this many matching entries a query is answered bucket by bucket
HISTORY_ENTRIES = 500


# The vocabulary words of entries deleted inside ``backends.prunes_deferred`` (None
# outside it).
PENDING_PRUNE: contextvars.ContextVar[set[str] | None] = contextvars.ContextVar(
    "perno_search_pending_prune", default=None
)


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


@dataclass(frozen=True)
class Tier:
    """A ranking tier: ``rank`` 0 every word whole (exact), 1 the last word as a word
    start, 2 one typo, 3 two typos; ``typos``: the most typos of an alternative;
    ``whole``: whole words only."""

    rank: int
    typos: int
    whole: bool


def tiers(query: Query) -> list[Tier]:
    """The tiers of ``query`` in ranking order: exact words before word starts before
    typos (the word starts only when the last word is one)."""
    found = [Tier(0, 0, True)]
    if query.prefix_last:
        found.append(Tier(1, 0, False))
    return found + [Tier(1 + typos, typos, False) for typos in range(1, query.levels + 1)]


def _sql(template: str, **parts: str) -> str:
    """Fill a statement template with SQL fragments made in this package from fixed text
    and ``%s`` placeholders; every value (terms, ids, user input) travels as a parameter."""
    return template.format(**parts)


SELECT_COLUMNS = (
    "e.id, e.kind, e.object_id, e.chunk, e.subject, e.subject_id, e.title, e.subtitle, "
    "e.body, e.url, e.changed_at, e.owner_id, e.team_id"
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

    def update_access_many(
        self, subject: str, records: list[tuple[int, int | None, int | None, int | None, bool]]
    ) -> None:
        """``update_access`` for many records of one type at once: (id, owner, assignee,
        team, confidential) each."""
        with connection.cursor() as cursor:
            cursor.executemany(
                "UPDATE search_entry SET owner_id = %s, assignee_id = %s, team_id = %s, "
                "confidential = %s WHERE subject = %s AND subject_id = %s AND kind <> %s",
                [[*record[1:], subject, record[0], subject] for record in records],
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
        """Add ``words`` to the vocabulary (those it has are left), in one statement per
        5,000 words."""
        ordered = sorted(words)
        with connection.cursor() as cursor:
            for start in range(0, len(ordered), 5000):
                cursor.execute(
                    "INSERT INTO search_word (word) SELECT value FROM json_each(%s) WHERE true "
                    "ORDER BY key ON CONFLICT (word) DO NOTHING"
                    if self.vendor == "sqlite"
                    else "INSERT INTO search_word (word) SELECT w FROM unnest(%s::text[]) "
                    "WITH ORDINALITY t(w, n) ORDER BY n ON CONFLICT (word) DO NOTHING",
                    [self._list(ordered[start : start + 5000])],
                )

    def vocabulary_words(self) -> set[str]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT word FROM search_word")
            return {word for (word,) in cursor.fetchall()}

    def _prune_words(self, cursor: Any, words: set[str]) -> None:
        raise NotImplementedError

    def _prune_now_or_later(self, cursor: Any, words: set[str]) -> None:
        """Prune ``words`` now, or when ``backends.prunes_deferred`` ends if inside it."""
        pending = PENDING_PRUNE.get()
        if pending is not None:
            pending.update(words)
        else:
            self._prune_words(cursor, words)

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

    def search(
        self, query: Query, limit: int, offset: int, *, threshold: int | None = None
    ) -> list[dict[str, Any]]:
        """Ranked hits. By relevance, tier by tier (``tiers``: whole words, word starts,
        one typo, two typos), stopping as soon as the page is full. The typo tiers are
        read only when the matches without typos number fewer than ``threshold`` (the
        page size, by default: Typesense's typo threshold), so typo matches never crowd
        out exact ones, on any page. Within a tier, a query matching few entries is
        ranked in one statement; one matching many (a short prefix while typing) is
        answered bucket by bucket in ranking order, each bucket walking its matches
        newest first and stopping at the page's end, so its cost does not grow with the
        match count. The other sorts take the typo matches under the same rule."""
        threshold = limit if threshold is None else threshold
        wanted = limit + offset
        found: list[dict[str, Any]] = []
        if query.sort != "relevance":
            # In the sort's order: the matches without typos, then (under the same
            # rule) those with typos, which never come between them.
            passes = [Tier(1, 0, False)]
            if query.levels:
                passes.append(Tier(1 + query.levels, query.levels, False))
            for tier in passes:
                if tier.typos and len(found) >= threshold:
                    break
                if _level_terms(query, tier.typos) is None:
                    continue
                seen = [row["id"] for row in found]
                found += self.search_ranked(query, tier, seen, wanted - len(found), 0)
                if len(found) >= wanted:
                    break
            return found[offset : offset + limit]
        history: list[int] | None = None
        for tier in tiers(query):
            # Every match of the tiers before is in ``found`` (the page was not full),
            # so ``found`` counts the matches without typos when the typos' turn comes.
            if tier.typos and len(found) >= threshold:
                break
            terms = _level_terms(query, tier.typos, whole=tier.whole)
            if terms is None:
                continue
            seen = [row["id"] for row in found]
            if self.matches_at_least(query, terms, BROAD):
                if history is None:
                    history = self.history_entries(query.user_id)
                rows = self.search_buckets(query, tier, terms, history, seen, wanted - len(found))
            else:
                rows = self.search_ranked(query, tier, seen, wanted - len(found), 0)
            found.extend(rows)
            if len(found) >= wanted:
                break
        return found[offset : offset + limit]

    def search_ranked(
        self, query: Query, tier: Tier, exclude: list[int], limit: int, offset: int
    ) -> list[dict[str, Any]]:
        """The matches of ``tier`` that are not in ``exclude``, ranked in one statement
        (in the query's sort order when it is not by relevance)."""
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
        tier: Tier,
        terms: list[list[Candidate]],
        history: list[int],
        exclude: list[int],
        wanted: int,
    ) -> list[dict[str, Any]]:
        """The tier (its ``terms``) bucket by bucket: history, whole word in the title
        (typo tiers of a query whose last word is a start), title, title or identifiers,
        anywhere."""
        whole = None
        if tier.typos and query.prefix_last:
            whole = _level_terms(query, tier.typos, whole=True)
        plan: list[tuple[list[list[Candidate]], int, list[int] | None, int]] = []
        if history:
            plan.append((terms, 2, history, int(tier.whole)))
        if whole is not None:
            plan.append((whole, 0, None, 1))
        plan += [(terms, field, None, int(tier.whole)) for field in (0, 1, 2)]
        found: list[dict[str, Any]] = []
        seen = list(exclude)
        for bucket_terms, field, only, is_whole in plan:
            rows = self.bucket(query, bucket_terms, field, only, seen, wanted - len(found))
            for row in rows:
                row.update(tier=tier.rank, field=field, whole=is_whole)
                row.setdefault("history", None)
                found.append(row)
                seen.append(row["id"])
            if len(found) >= wanted:
                break
        return found

    def count_by_kind(self, query: Query, typos: int) -> dict[str, int]:
        """Per type, how many entries the user may see match with at most ``typos``
        typos (up to COUNT_CAP + 1 in all)."""
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


def _covered(candidate: Candidate, heads: set[str]) -> bool:
    token = candidate.token
    return any(
        token.startswith(head) and (len(head) < len(token) or not candidate.prefix)
        for head in heads
    )
