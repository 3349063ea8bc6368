"""Typo tolerance against the index's own vocabulary, by the rules of the best engines
(Meilisearch, Typesense): no typo below 4 letters, 1 typo from 4 letters, 2 typos from
7 letters. A typo is a substitution, insertion, deletion or transposition of adjacent
letters (optimal string alignment distance, computed by rapidfuzz).

``Vocabulary`` keeps the words grouped by length, and the starts ("heads") of words by
length, so a term is compared only with words (or heads) whose length is within its
budget. For the word being typed a typo'd head becomes a prefix alternative: "rosi"
yields the head "ross" (1 typo), searched as ``ross*``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from rapidfuzz import process
from rapidfuzz.distance import OSA

MAX_HEAD = 16  # longer words being typed are matched by their exact start only
MAX_ALTERNATIVES = 40  # per term and typo level, the closest first


def typo_budget(term: str) -> int:
    length = len(term)
    if length < 4:
        return 0
    return 1 if length < 7 else 2


def vocabulary_word(token: str) -> bool:
    """Whether ``token`` is of the kind the vocabulary holds (alphabetic, 3 to 64
    letters): every such token of the index is in it."""
    return 3 <= len(token) <= 64 and token.isalpha()


@dataclass(frozen=True, order=True)
class Candidate:
    typos: int
    token: str
    prefix: bool  # ``token`` is the start of longer words (searched as ``token*``)


@dataclass
class Vocabulary:
    """Words by length and heads (word starts) by length, growing as words arrive."""

    words: set[str] = field(default_factory=set)
    by_length: dict[int, list[str]] = field(default_factory=dict)
    _heads: dict[int, tuple[set[str], list[str]]] = field(default_factory=dict)

    def add(self, new: Iterable[str]) -> None:
        for word in new:
            if word in self.words:
                continue
            self.words.add(word)
            self.by_length.setdefault(len(word), []).append(word)
            for cut, (seen, heads) in self._heads.items():
                head = word[:cut]
                if len(word) > cut and head not in seen:
                    seen.add(head)
                    heads.append(head)

    def heads(self, cut: int) -> list[str]:
        if cut not in self._heads:
            seen = {word[:cut] for word in self.words if len(word) > cut}
            self._heads[cut] = (seen, list(seen))
        return self._heads[cut][1]

    def near(self, term: str, *, prefix: bool) -> list[Candidate]:
        """The term itself, and the words (whole) or heads (prefix, while typing) within
        the typo budget, fewest typos first. The term whole only when the vocabulary
        has it or cannot have it (``vocabulary_word``): whether an entry holds a word of
        the vocabulary's kind that it lacks is for the caller to ask the index."""
        found = set()
        if term in self.words or not vocabulary_word(term):
            found.add(Candidate(0, term, False))
        if prefix:
            found.add(Candidate(0, term, True))
        budget = typo_budget(term)
        if budget:
            length = len(term)
            for size in range(max(1, length - budget), length + budget + 1):
                found.update(
                    Candidate(int(distance), word, False)
                    for word, distance, _i in process.extract(
                        term,
                        self.by_length.get(size, ()),
                        scorer=OSA.distance,
                        score_cutoff=budget,
                        limit=None,
                    )
                    if distance
                )
                if prefix and size <= MAX_HEAD:
                    found.update(
                        Candidate(int(distance), head, True)
                        for head, distance, _i in process.extract(
                            term,
                            self.heads(size),
                            scorer=OSA.distance,
                            score_cutoff=budget,
                            limit=None,
                        )
                        if distance
                    )
        # The token last: ``found`` is a set, whose order changes with each process's
        # string hashing, and a cut at MAX_ALTERNATIVES among equals would keep
        # different alternatives (so different results) in different processes.
        best = sorted(
            found, key=lambda c: (c.typos, c.prefix, abs(len(c.token) - len(term)), c.token)
        )
        kept: list[Candidate] = []
        per_level: dict[int, int] = {}
        for candidate in best:
            if per_level.get(candidate.typos, 0) < MAX_ALTERNATIVES:
                per_level[candidate.typos] = per_level.get(candidate.typos, 0) + 1
                kept.append(candidate)
        return kept


def candidates(term: str, vocabulary: Iterable[str], *, prefix: bool) -> list[Candidate]:
    """Vocabulary tokens that ``term`` matches within its typo budget, best first, each
    with its least number of typos (``prefix``: the term matched the start of a longer
    token). The search engine uses ``Vocabulary.near`` and keeps heads unexpanded; this
    expands them, which is what a reader (and the tests) can check."""
    words = set(vocabulary)
    vocab = Vocabulary()
    vocab.add(words)
    best: dict[str, Candidate] = {}
    for near in vocab.near(term, prefix=prefix):
        if near.prefix:
            matches = [(w, True) for w in words if w.startswith(near.token) and w != near.token]
        else:
            matches = [(near.token, False)] if near.token in words else []
        for word, as_prefix in matches:
            found = Candidate(near.typos, word, as_prefix)
            current = best.get(word)
            if current is None or (found.typos, found.prefix) < (current.typos, current.prefix):
                best[word] = found
    return sorted(best.values())
