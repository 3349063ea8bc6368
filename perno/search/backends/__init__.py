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

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.db import connection

from perno.search.backends.base import COUNT_CAP, PENDING_PRUNE, Backend, Query, _level_terms
from perno.search.backends.postgres import PostgresBackend, forget
from perno.search.backends.sqlite import SQLiteBackend

__all__ = [
    "COUNT_CAP",
    "Backend",
    "PostgresBackend",
    "Query",
    "SQLiteBackend",
    "_level_terms",
    "current",
    "forget",
    "prunes_deferred",
]


_BACKENDS = {"sqlite": SQLiteBackend(), "postgresql": PostgresBackend()}


def current() -> Backend:
    return _BACKENDS[connection.vendor]


PRUNE_CHUNK = 500


@contextmanager
def prunes_deferred(keep: Iterable[str] = ()) -> Iterator[None]:
    """Inside the block, the words of deleted or replaced entries leave the typo
    vocabulary once, when the block ends (still in the caller's transaction), instead
    of after each record. Whether a word is still held is asked of the index, and on
    PostgreSQL that reads the word's whole posting list (GIN answers by bitmap): done
    per record, a bulk change of thousands of records read the index over and over.
    Words still held stay either way, so a savepoint rolled back inside the block does
    no harm. Nothing is pruned when the block raises. ``keep``: words the block writes
    again (a record's new entry), so they are not asked about."""
    if PENDING_PRUNE.get() is not None:
        yield
        return
    pending: set[str] = set()
    token = PENDING_PRUNE.set(pending)
    try:
        yield
    finally:
        PENDING_PRUNE.reset(token)
    pending.difference_update(keep)
    if pending:
        backend = current()
        ordered = sorted(pending)
        with connection.cursor() as cursor:
            for start in range(0, len(ordered), PRUNE_CHUNK):
                backend._prune_words(cursor, set(ordered[start : start + PRUNE_CHUNK]))
