"""Each process keeps the index vocabulary in memory (``typos.Vocabulary``) and asks the
database only for what changed: words added since the last id it saw (one indexed
query), or a new generation when words were removed, which makes it reload."""

from __future__ import annotations

import threading

from django.db import connection

from perno.search import backends
from perno.search.typos import Vocabulary


class _Cache:
    def __init__(self) -> None:
        self.vocabulary = Vocabulary()
        self.last_id = 0
        self.generation: int | None = None


_caches: dict[str, _Cache] = {}
_lock = threading.Lock()


def _key() -> str:
    return f"{connection.alias}:{connection.settings_dict.get('NAME')}"


def current() -> Vocabulary:
    """The vocabulary, brought up to date with the database."""
    with _lock:
        cache = _caches.setdefault(_key(), _Cache())
        generation, new = backends.current().new_words(cache.last_id)
        if cache.generation is not None and generation != cache.generation:
            cache = _caches[_key()] = _Cache()
            generation, new = backends.current().new_words(0)
        cache.generation = generation
        if new:
            cache.vocabulary.add(word for _pk, word in new)
            cache.last_id = new[-1][0]
        return cache.vocabulary


def forget() -> None:
    """Drop the in-memory copies (tests that recreate the database)."""
    with _lock:
        _caches.clear()
