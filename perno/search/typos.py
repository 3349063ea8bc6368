"""Typo tolerance against the index's own vocabulary, by the rules of the best engines
(Meilisearch, Typesense): no typo below 4 letters, 1 typo from 4 letters, 2 typos from
7 letters. A typo is a substitution, insertion, deletion or transposition of adjacent
letters (optimal string alignment distance, computed by rapidfuzz).

The backends fetch a small set of vocabulary tokens that could be near a term (trigram
index on PostgreSQL, ``fts5vocab`` on SQLite); ``candidates`` keeps those within the typo
budget and says how many typos each costs, for the ranking tiers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import process
from rapidfuzz.distance import OSA


def typo_budget(term: str) -> int:
    length = len(term)
    if length < 4:
        return 0
    return 1 if length < 7 else 2


@dataclass(frozen=True, order=True)
class Candidate:
    typos: int
    token: str
    prefix: bool  # the term matched the start of a longer token


def candidates(term: str, vocabulary: Iterable[str], *, prefix: bool) -> list[Candidate]:
    """Vocabulary tokens that ``term`` matches with at most its typo budget, best first.
    With ``prefix`` (the word being typed) a token also matches when its start is within
    the budget: "rosi" finds "rossini" with one typo."""
    budget = typo_budget(term)
    tokens = sorted(set(vocabulary))
    best: dict[str, Candidate] = {}

    def keep(token: str, typos: int, as_prefix: bool) -> None:
        found = Candidate(typos, token, as_prefix)
        current = best.get(token)
        if current is None or (found.typos, found.prefix) < (current.typos, current.prefix):
            best[token] = found

    for token in tokens:
        if token == term:
            keep(token, 0, False)
        elif prefix and token.startswith(term):
            keep(token, 0, True)
    if budget:
        for token, distance, _index in process.extract(
            term, tokens, scorer=OSA.distance, score_cutoff=budget, limit=None
        ):
            keep(token, int(distance), False)
        if prefix:
            # The start of each token, cut a little shorter or longer than the term.
            for cut in range(max(1, len(term) - budget), len(term) + budget + 1):
                heads = [token[:cut] for token in tokens]
                for _head, distance, index in process.extract(
                    term, heads, scorer=OSA.distance, score_cutoff=budget, limit=None
                ):
                    if len(tokens[index]) > cut:
                        keep(tokens[index], int(distance), True)
    return sorted(best.values())
