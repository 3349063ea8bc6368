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

from django.db import connection

from perno.search.backends.base import COUNT_CAP, Backend, Query, _level_terms
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
]


_BACKENDS = {"sqlite": SQLiteBackend(), "postgresql": PostgresBackend()}


def current() -> Backend:
    return _BACKENDS[connection.vendor]
