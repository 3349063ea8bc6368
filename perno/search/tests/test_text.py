"""Folding, words and identifier tokens shared by both search backends."""

from __future__ import annotations

import string

from hypothesis import given
from hypothesis import strategies as st

from perno.search.text import Term, document_tokens, fold, identifier_tokens, query_terms, words


def test_case_and_accents_are_ignored_both_ways():
    # Romanian s and t with cedilla (legacy) and with comma below fold alike.
    assert {fold(name) for name in ("Ştefan", "Ștefan", "Stefan", "STEFAN")} == {"stefan"}
    assert fold("Ţăndărei") == fold("Țăndărei") == "tandarei"
    assert fold("Müller") == "muller"
    assert fold("Straße") == "strasse"
    assert fold("Łódź") == "lodz"
    assert fold("Niccolò Pèrsico") == "niccolo persico"
    # Other scripts are kept, only their case is folded.
    assert fold("Αθήνα") == "αθηνα"
    assert fold("Москва") == "москва"


def test_words_split_on_anything_but_letters_and_digits():
    assert words("Rossi & Figli S.r.l. — Via Po, 12") == [
        "rossi",
        "figli",
        "s",
        "r",
        "l",
        "via",
        "po",
        "12",
    ]
    assert words("") == []


def test_e_mail_addresses_are_found_whole_and_by_their_parts():
    tokens = document_tokens("Scrivere a Giulia.Romano@Rossi-SRL.it per l'offerta")
    assert {"giulia.romano@rossi-srl.it", "giulia.romano", "rossi-srl.it"} <= set(tokens)
    assert {"giulia", "romano", "rossi", "srl", "it"} <= set(tokens)


def test_phone_numbers_in_any_formatting_with_or_without_country_code():
    tokens = identifier_tokens("Tel. +39 06 1234 5678")
    assert {"390612345678", "0612345678", "12345678", "5678"} <= tokens
    assert identifier_tokens("06/1234.5678") >= {"390612345678", "0612345678"}
    romanian = identifier_tokens("mobil 0722 123 456", region="RO")
    assert {"40722123456", "0722123456", "722123456", "123456"} <= romanian
    # What a user types matches one of those tokens from its start.
    for typed in ("+39 06 1234", "0039 06 1234 5678", "06 1234 56", "1234 5678"):
        (term,) = query_terms(typed)
        assert term.identifier and term.prefix
        assert any(token.startswith(term.text) for token in tokens), typed
    (term,) = query_terms("0722 123", region="RO")
    assert any(token.startswith(term.text) for token in romanian)


def test_vat_and_order_numbers_whole_and_by_digits():
    tokens = identifier_tokens("P.IVA IT00743110157, CUI RO18547290, ordine ORD-2026-0042")
    assert {"it00743110157", "00743110157", "ro18547290", "18547290"} <= tokens
    assert {"ord20260042", "20260042"} <= tokens
    assert {"ord", "2026", "0042"} <= set(document_tokens("ORD-2026-0042"))


def test_the_last_word_is_a_prefix_while_typing():
    assert query_terms("rossi mar") == [Term("rossi", False), Term("mar", True)]
    assert query_terms("rossi mar ") == [Term("rossi", False), Term("mar", False)]
    assert query_terms("rossi mar", typing=False)[-1].prefix is False
    assert query_terms("Ștefan") == [Term("stefan", True)]


def test_syntax_characters_never_reach_the_backend_as_syntax():
    for nasty in [
        '"',
        "*",
        ":",
        "&",
        "|",
        "(",
        ")",
        "NEAR",
        "OR",
        "a:b*",
        '"rossi" OR 1=1 --',
        "💥🔥",
    ]:
        for term in query_terms(nasty):
            assert all(ch.isalnum() or ch in "@.+-_" for ch in term.text), (nasty, term)


@given(st.text(max_size=600))
def test_any_input_gives_plain_terms(text):
    terms = query_terms(text)
    assert len(terms) <= 500
    for term in terms:
        assert term.text and term.text == fold(term.text)
        assert not set(term.text) & set(string.whitespace + '"*():&|')


@given(st.text(max_size=200))
def test_folding_is_idempotent(text):
    assert fold(fold(text)) == fold(text)


def test_pasted_blobs_make_no_giant_tokens():
    """A 20,000-character run of digits or letters (schemathesis sent one) is tokenised
    without huge tokens (and in linear time: the patterns are bounded)."""
    for blob in ("0" * 20_000, "a" * 20_000 + "@x.it", "1-" * 10_000, "ab.cd" * 4000):
        tokens = document_tokens(blob)
        assert all(len(t) <= 64 for t in tokens)
    assert "390612345678" in identifier_tokens("tel. +39 06 1234 5678.")
