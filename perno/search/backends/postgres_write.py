"""The PostgreSQL write path: entries with their text vectors (as tsvector text),
inserted row by row or, in bulk, by COPY; deletions with their vocabulary; and the
rebuild into a new table that is indexed once and swapped in. ``PostgresBackend``
(``postgres.py``) adds the read path to it."""

from __future__ import annotations

import queue
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.db import connection, transaction

from perno.search.backends.base import Backend, _sql, _values

if TYPE_CHECKING:
    from perno.search.indexer import Row

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
# The starts of every title word (weight A) of every entry of the build table, as
# ``search_starts(tsv_head)`` makes them for one entry, in one set-based statement
# (half the time of calling it per entry).
STARTS_OF_BUILD = (
    "INSERT INTO search_start_build (start, entry_id) "
    "SELECT DISTINCT left(u.lexeme, g.n), e.id FROM search_entry_build e, unnest(e.tsv_head) u, "
    "generate_series(2, 5) g(n) WHERE 'A' = ANY(u.weights) AND length(u.lexeme) >= g.n "
    "UNION ALL SELECT '=' || u.lexeme, e.id FROM search_entry_build e, unnest(e.tsv_head) u "
    "WHERE 'A' = ANY(u.weights) AND length(u.lexeme) BETWEEN 2 AND 3"
)
MAINTENANCE_MEMORY = "SELECT set_config('maintenance_work_mem', '256MB', true)"
BUILD_SESSIONS = 2  # sessions indexing the build table at once
COPY_FROM = 100  # PostgreSQL: from this many rows an insert is a COPY
# What a rebuild re-creates on the table it swaps in (as migration 0006 made them).
POSTGRES_START_TRIGGERS = (
    "CREATE TRIGGER search_start_sync AFTER INSERT OR DELETE OR UPDATE OF tsv_head "
    "ON {entries} FOR EACH ROW EXECUTE FUNCTION search_start_sync('{starts}')",
    "CREATE TRIGGER search_start_clear AFTER TRUNCATE ON {entries} "
    "FOR EACH STATEMENT EXECUTE FUNCTION search_start_clear('{starts}')",
)


def _building(name: str) -> str:
    """The name an index or constraint has on the table a rebuild fills."""
    return connection.ops.quote_name("b_" + name[:60])


class PostgresWriter(Backend):
    """Writing ``search_entry`` on PostgreSQL; a part of ``PostgresBackend``."""

    @classmethod
    def _head(cls, row: Row) -> str:
        """``tsv_head`` as tsvector text: title tokens at position 1 with weight A,
        identifier tokens at position 2 with weight B."""
        return " ".join(
            part
            for part in (cls._vector(row.title_tokens, ":1A"), cls._vector(row.ident_tokens, ":2B"))
            if part
        )

    @classmethod
    def _vector(cls, tokens: list[str], suffix: str = "") -> str:
        """Tokens as tsvector text, each quoted and followed by ``suffix``."""
        if not tokens:
            return ""
        plain = " ".join(tokens)
        if "'" in plain or "\\" in plain:
            return " ".join(cls._lexeme(t) + suffix for t in tokens)
        return "'" + ("'" + suffix + " '").join(tokens) + "'" + suffix

    @classmethod
    def _entry_values(cls, row: Row) -> list[Any]:
        """A row's ENTRY_COLUMNS, the vectors as tsvector text (for INSERT and COPY)."""
        open_vector = cls._vector(row.title_tokens + row.ident_tokens + row.body_tokens)
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

    def update_access_many(
        self, subject: str, records: list[tuple[int, int | None, int | None, int | None, bool]]
    ) -> None:
        if not records:
            return
        ids, owners, assignees, teams, confidential = (list(c) for c in zip(*records, strict=True))
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE search_entry e SET owner_id = v.owner_id, assignee_id = v.assignee_id, "
                "team_id = v.team_id, confidential = v.confidential "
                "FROM unnest(%s::bigint[], %s::int[], %s::int[], %s::int[], %s::bool[]) "
                "AS v(id, owner_id, assignee_id, team_id, confidential) "
                "WHERE e.subject = %s AND e.subject_id = v.id AND e.kind <> %s",
                [ids, owners, assignees, teams, confidential, subject, subject],
            )

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
                self._prune_now_or_later(cursor, words)

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

    @staticmethod
    def _lexeme(token: str) -> str:
        return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"

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
    # and the record services keep writing to ``search_entry``. ``search_entry_seen`` keeps the
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

    def _build_jobs(self, cursor: Any) -> list[list[str]]:
        """The statements that index the build table, as jobs (each a list run in
        order), costliest first: the GIN indexes, the title word starts, the B-trees."""
        constraints, indexes = self._indexes(cursor)
        jobs: list[list[str]] = []
        for name, statement in indexes:
            head, _, tail = statement.partition(" ON ")
            table, _, rest = tail.partition(" ")
            if not head.endswith(" " + name) or table.rpartition(".")[2] != "search_entry":
                raise RuntimeError(f"unexpected index definition: {statement}")
            jobs.append(
                [
                    _sql(
                        "{head} ON search_entry_build {rest}",
                        head=head[: -len(name)] + _building(name),
                        rest=rest,
                    )
                ]
            )
        # The full GIN indexes first (the partial one on confidential text is small).
        jobs.sort(key=lambda job: " USING gin " not in job[0] or " WHERE " in job[0])
        # The title word starts of the rebuilt entries, made and indexed once; from the
        # swap on the trigger keeps them in step (the entries carried over at the swap).
        jobs.insert(
            2,
            [
                "CREATE TABLE search_start_build (start text NOT NULL, entry_id bigint NOT NULL)",
                STARTS_OF_BUILD,
                "ALTER TABLE search_start_build ADD CONSTRAINT b_search_start_pkey "
                "PRIMARY KEY (start, entry_id)",
            ],
        )
        # A constraint's index is built beside the others; ``_constrain`` adds the
        # constraint on it (an ALTER TABLE would wait for every index build).
        for name, definition in constraints:
            unique, _, columns = definition.partition(" (")
            if unique not in ("PRIMARY KEY", "UNIQUE") or not columns.endswith(")"):
                raise RuntimeError(f"unexpected constraint definition: {definition}")
            jobs.append(
                [
                    _sql(
                        "CREATE UNIQUE INDEX {name} ON search_entry_build ({columns}",
                        name=_building(name),
                        columns=columns,
                    )
                ]
            )
        return jobs

    @staticmethod
    def _constrain(cursor: Any, constraints: list[tuple[str, str]]) -> None:
        for name, definition in constraints:
            cursor.execute(
                _sql(
                    "ALTER TABLE search_entry_build ADD CONSTRAINT {name} {unique} "
                    "USING INDEX {name}",
                    name=_building(name),
                    unique=definition.partition(" (")[0],
                )
            )

    def _index_build_table(self) -> None:
        """Run the build jobs: in two sessions at once (PostgreSQL 15 builds a GIN index
        on one core) unless the rebuild runs inside a transaction (a migration), whose
        build table other sessions cannot see."""
        with connection.cursor() as cursor:
            jobs = self._build_jobs(cursor)
        if connection.in_atomic_block:
            with connection.cursor() as cursor:
                cursor.execute(MAINTENANCE_MEMORY)
                for job in jobs:
                    for statement in job:
                        cursor.execute(statement)
            return
        pending = queue.SimpleQueue[list[str]]()
        for job in jobs:
            pending.put(job)
        failures: list[BaseException] = []

        def work() -> None:
            # A thread has its own Django connection: a session of its own.
            try:
                with connection.cursor() as cursor:
                    cursor.execute(MAINTENANCE_MEMORY.replace("true)", "false)"))
                    while not failures:
                        try:
                            job = pending.get_nowait()
                        except queue.Empty:
                            return
                        for statement in job:
                            cursor.execute(statement)
            except BaseException as error:  # re-raised in the rebuilding thread
                failures.append(error)
            finally:
                connection.close()

        workers = [threading.Thread(target=work) for _ in range(BUILD_SESSIONS)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        if failures:
            raise failures[0]

    def rebuild_finish(self, manual: list[str]) -> None:
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            constraints, indexes = self._indexes(cursor)
        self._index_build_table()
        with transaction.atomic(), connection.cursor() as cursor:
            self._constrain(cursor, constraints)
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
