"""Typo candidates: the budget per word length and every kind of typo."""

from __future__ import annotations

import json
import subprocess
import sys

from hypothesis import given
from hypothesis import strategies as st
from rapidfuzz.distance import OSA

from perno.search.backends import Query, _level_terms
from perno.search.text import fold
from perno.search.typos import Candidate, Vocabulary, candidates, typo_budget

VOCABULARY = [
    "rossi", "rossini", "russo", "rosa", "marco", "marcello", "muller", "stefan",
    "stefania", "bucuresti", "bucurestii", "romano", "romania", "ion", "ioana", "ferrari",
]  # fmt: skip


def tokens(term, prefix=False):
    return {(c.token, c.typos) for c in candidates(term, VOCABULARY, prefix=prefix)}


def test_budget_grows_with_the_word():
    assert [typo_budget("x" * n) for n in (1, 3, 4, 6, 7, 12)] == [0, 0, 1, 1, 2, 2]


def test_each_kind_of_typo_within_the_budget():
    assert ("rossi", 1) in tokens("rosis")  # transposition
    assert ("rossi", 1) in tokens("rosi")  # deletion
    assert ("muller", 1) in tokens("mulller")  # insertion
    assert ("romano", 1) in tokens("romamo")  # substitution
    assert ("ferrari", 2) in tokens("ferarri") or ("ferrari", 1) in tokens("ferarri")
    assert ("bucuresti", 2) in tokens("bukurest")  # two typos from 7 letters on
    assert ("rossi", 2) not in tokens("rasi")  # 4 letters: one typo only
    assert tokens("ino") == set()  # below 4 letters: exact only
    assert tokens("ion") == {("ion", 0)}


def test_accents_are_folded_before_matching():
    assert ("stefan", 0) in tokens(fold("Ștefan"))
    assert ("muller", 0) in tokens(fold("Müller"))


def test_the_word_being_typed_matches_token_starts():
    assert ("rossini", 0) in tokens("ross", prefix=True)
    assert ("rossini", 1) in tokens("rosi", prefix=True)
    assert ("stefania", 0) in tokens("stef", prefix=True)
    assert ("marcello", 1) in tokens("macre", prefix=True) or ("marcello", 2) in tokens(
        "macrel", prefix=True
    )
    assert ("rossini", 0) not in tokens("ross", prefix=False)


def test_results_come_in_tiers():
    found = candidates("rossi", VOCABULARY, prefix=True)
    assert found[0] == Candidate(0, "rossi", False)
    assert [c.typos for c in found] == sorted(c.typos for c in found)


def test_a_word_the_vocabulary_lacks_is_not_searched_whole():
    """Every alphabetic token of 3 to 64 letters in the index is in the vocabulary, so a
    typed word of that kind it lacks is in no entry; other tokens may be."""
    vocab = Vocabulary()
    vocab.add(VOCABULARY)
    assert Candidate(0, "rossi", False) in vocab.near("rossi", prefix=False)
    assert Candidate(0, "rozzi", False) not in vocab.near("rozzi", prefix=False)
    assert Candidate(1, "rossi", False) in vocab.near("rozsi", prefix=False)
    assert vocab.near("qwxyz", prefix=False) == []
    assert vocab.near("qwxyz", prefix=True) == [Candidate(0, "qwxyz", True)]
    for kept in ("xy", "a1b2", "x" * 65):
        assert Candidate(0, kept, False) in vocab.near(kept, prefix=False)


words = st.text(alphabet="abcdeilmnorst", min_size=1, max_size=9)


@given(st.lists(words, min_size=1, max_size=25), words, st.booleans())
def test_agrees_with_a_plain_reference(vocabulary, term, prefix):
    """Every token within the budget is found with its least number of typos, and
    nothing else is."""
    budget = typo_budget(term)
    expected = {}
    for token in set(vocabulary):
        whole = OSA.distance(term, token)
        if whole <= budget:
            expected[token] = whole
        if prefix:
            heads = [
                OSA.distance(term, token[:cut])
                for cut in range(max(1, len(term) - budget), len(token))
            ]
            if heads and min(heads) <= budget:
                expected[token] = min(expected.get(token, budget + 1), min(heads))
    found = {c.token: c.typos for c in candidates(term, vocabulary, prefix=prefix)}
    assert found == expected


def test_alternatives_a_word_start_covers_are_left_out_of_a_tier():

    typed = [
        Candidate(0, "mano", False),
        Candidate(0, "mano", True),
        Candidate(1, "man", True),
        Candidate(1, "mana", True),
        Candidate(1, "manu", False),
        Candidate(1, "maio", True),
        Candidate(1, "emano", True),
    ]
    query = Query(
        terms=[[Candidate(0, "cristina", False)], typed],
        levels=1,
        prefix_last=True,
        see_secret=False,
        user_id=1,
        where="TRUE",
        params=[],
    )
    tokens = [sorted((c.token, c.prefix) for c in alts) for alts in _level_terms(query, 0) or []]
    assert tokens == [[("cristina", False)], [("mano", True)]]
    level_one = _level_terms(query, 1) or []
    assert sorted((c.token, c.prefix) for c in level_one[1]) == [
        ("emano", True),
        ("maio", True),
        ("man", True),
    ]
    whole = _level_terms(query, 1, whole=True) or []
    assert sorted(c.token for c in whole[1]) == ["mano", "manu"]


NEAR_IN_A_PROCESS = """
import json, sys
from perno.search.typos import Vocabulary
vocabulary = Vocabulary()
letters = "abcdefghijklmnopqrstuvwxyz"
vocabulary.add(["marx" + c for c in letters if c != "y"] + ["mar" + c + "y" for c in letters if c != "x"])
print(json.dumps([c.token for c in vocabulary.near("marxy", prefix=False) if c.typos == 1]))
"""


def test_the_alternatives_kept_do_not_depend_on_the_process():
    """50 words one typo from "marxy", of which 40 are kept. Which 40 must not depend on
    the process's string hashing (PYTHONHASHSEED), or two web workers would answer the
    same search differently."""
    kept = []
    for seed in ("1", "2", "3"):
        out = subprocess.run(
            [sys.executable, "-c", NEAR_IN_A_PROCESS],
            env={"PYTHONHASHSEED": seed, "PATH": ""},
            capture_output=True,
            text=True,
            check=True,
        )
        kept.append(json.loads(out.stdout))
    assert len(kept[0]) == 40
    assert kept[0] == kept[1] == kept[2]
