"""Text for the search index: folding, words and identifier tokens.

Both search backends (PostgreSQL and SQLite) index and query the *same* tokens made
here, so matching behaves alike on both:

- ``fold`` ignores case and accents both ways: "Ştefan", "Ștefan" (comma below) and
  "Stefan" all fold to "stefan", "Müller" to "muller", "Straße" to "strasse";
  letters of other scripts are kept (folded for case only).
- ``words`` splits folded text into word tokens.
- ``identifier_tokens`` adds what makes e-mail addresses, phone numbers, VAT numbers
  and order/case numbers findable whole and by their parts.
- ``query_terms`` turns what the user typed into terms; the last one is a prefix while
  typing.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

import phonenumbers

# Letters that Unicode does not decompose into a base letter and a mark.
_SPECIAL = str.maketrans(
    {
        "ß": "ss",
        "ẞ": "ss",
        "æ": "ae",
        "Æ": "ae",
        "œ": "oe",
        "Œ": "oe",
        "ø": "o",
        "Ø": "o",
        "ł": "l",
        "Ł": "l",
        "đ": "d",
        "Đ": "d",
        "ð": "d",
        "þ": "th",
        "ı": "i",
    }
)
_WORD = re.compile(r"\w+", re.UNICODE)
# Quantifiers are bounded so that long runs of letters or digits (a pasted blob) cost
# linear time, never quadratic backtracking.
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,8}", re.UNICODE)
# A phone number as people write it: at least 6 digits with spaces, dots, dashes,
# slashes or brackets in between, optionally starting with + or 00.
_PHONE = re.compile(r"(?<![\w+])(?:\+|00)?\d[\d ./()-]{4,22}\d(?!\w)")
# Codes such as IT00743110157, RO18547290, ORD-2026-0042, CASE/17/2026: letters and
# digits, with or without separators, holding at least 3 digits.
_CODE = re.compile(r"(?<!\w)[a-z]{0,4}[-/ ]?\d[\w/-]{0,30}\d(?![\w/-])")
_ANY_DIGIT = re.compile(r"\d").search
_NOT_ALNUM = re.compile(r"[\W_]")
MIN_PHONE_SUFFIX = 4
MAX_TOKEN = 64  # longer "words" (pasted blobs) are not indexed


def fold(text: str) -> str:
    """Lower-case, accent-free text (marks removed after NFKD decomposition)."""
    if text.isascii():
        return text.lower()
    if len(text) <= 64:
        return _fold_short(text)
    return _fold(text)


@functools.lru_cache(maxsize=65536)
def _fold_short(text: str) -> str:
    return _fold(text)


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_SPECIAL))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    # Compatibility forms can recompose into letters that fold further: fold once more.
    folded = unicodedata.normalize("NFKC", stripped).casefold().translate(_SPECIAL)
    decomposed = unicodedata.normalize("NFKD", folded)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def words(text: str) -> list[str]:
    """The folded word tokens of ``text``, in order."""
    return _WORD.findall(fold(text))


def _digits(text: str) -> str:
    return "".join(filter(str.isdigit, text))


_E164 = re.compile(r"\+[1-9]\d{6,14}")


def _split_e164(value: str) -> tuple[int, str] | None:
    """Country code and national number of a number stored in E.164 (as Perno stores
    every phone): the country code is the 1-3 digit prefix phonenumbers knows."""
    for size in (1, 2, 3):
        code = int(value[1 : 1 + size])
        if code in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
            return code, value[1 + size :]
    return None


@functools.lru_cache(maxsize=512)
def _trunk(country: int) -> str:
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(
        phonenumbers.region_code_for_country_code(country)
    )
    return (metadata.national_prefix or "") if metadata is not None else ""


def phone_tokens(value: str, region: str = "IT") -> set[str]:
    """A phone number found by its international form (without +), its national form
    (with or without the country code) and its trailing digits (from 4 on)."""
    tokens: set[str] = set()
    digits = _digits(value)
    if not 6 <= len(digits) <= 17:  # E.164 has at most 15 digits, plus 00 or a trunk 0
        return tokens
    split = _split_e164(value) if _E164.fullmatch(value) else None
    if split is None:
        try:
            number = phonenumbers.parse(value, region)
        except phonenumbers.NumberParseException:
            number = None
        if number is not None and number.national_number and number.country_code:
            split = (number.country_code, phonenumbers.national_significant_number(number))
    if split is not None:
        country, national = split
        tokens.add(f"{country}{national}")
        # As written at home, with the trunk prefix where the country has one (0722 …).
        tokens.add(f"{_trunk(country)}{national}")
        digits = national
    tokens.add(digits)
    tokens.update(digits[-n:] for n in range(MIN_PHONE_SUFFIX, len(digits)))
    return tokens


def identifier_tokens(text: str, region: str = "IT") -> set[str]:
    """Extra tokens for identifiers inside ``text``: e-mail addresses whole, with their
    local part and domain; phone numbers (see ``phone_tokens``); codes such as VAT and
    order numbers whole (without separators) and by their digits."""
    folded = fold(text)
    tokens: set[str] = set()
    if "@" in folded:
        for match in _EMAIL.finditer(folded):
            address = match.group(0)
            local, _at, domain = address.partition("@")
            tokens.update({address, local, domain})
    if _ANY_DIGIT(text) is None:  # no phone, no code (both hold digits)
        return {token for token in tokens if token}
    for match in _PHONE.finditer(text):
        tokens |= phone_tokens(match.group(0), region)
    for match in _CODE.finditer(folded):
        code = match.group(0)
        compact = _NOT_ALNUM.sub("", code)
        if len(_digits(compact)) >= 3:
            tokens.add(compact)
            tokens.add(_digits(compact))
    return {token for token in tokens if token}


def document_tokens(text: str, region: str = "IT") -> list[str]:
    """Every token indexed for ``text``: its words, then the identifier tokens."""
    found = [w for w in words(text) if len(w) <= MAX_TOKEN]
    seen = set(found)
    extra = {t for t in identifier_tokens(text, region) if len(t) <= MAX_TOKEN}
    return found + sorted(extra - seen)


@dataclass(frozen=True)
class Term:
    text: str
    prefix: bool  # the last word while typing: matched as the start of a token
    identifier: bool = False  # an e-mail, phone or code: no typo tolerance


def query_terms(query: str, *, typing: bool = True, region: str = "IT") -> list[Term]:
    """What the user typed as search terms. A query that looks like a phone number is
    one digits term; e-mail addresses and codes stay whole; the other words follow.
    With ``typing`` the last word is a prefix unless the query ends with a space."""
    query = query[:500]
    stripped = query.strip()
    if not stripped:
        return []
    digits = _digits(stripped)
    if len(digits) >= 4 and re.fullmatch(r"\+?[\d ./()-]+", stripped):
        body = digits[2:] if stripped.startswith("00") else digits
        return [Term(body, prefix=typing, identifier=True)]
    terms: list[Term] = []
    folded = fold(stripped)
    for match in _EMAIL.finditer(folded):
        terms.append(Term(match.group(0), prefix=False, identifier=True))
    rest = _EMAIL.sub(" ", folded)
    # Codes typed with separators ("IT 00743110157", "ORD-2026-0042") are searched whole,
    # as they are indexed; a space counts as a separator only before 6 digits or more.
    for match in _CODE.finditer(rest):
        typed = match.group(0)
        compact = re.sub(r"[\W_]", "", typed)
        count = sum(ch.isdecimal() for ch in compact)
        spaced = " " in typed and len(_digits(typed.split(" ", 1)[1])) >= 6
        if count >= 3 and compact != typed and (spaced or re.search(r"[-/]", typed)):
            last = match.end() == len(rest.rstrip())
            terms.append(
                Term(compact, prefix=last and typing and not query.endswith(" "), identifier=True)
            )
            rest = rest[: match.start()] + " " * len(typed) + rest[match.end() :]
    tokens = _WORD.findall(rest)
    ends_open = typing and not query.endswith((" ", "\t", "\n"))
    for index, token in enumerate(tokens):
        last = index == len(tokens) - 1
        code = any(ch.isdecimal() for ch in token)
        terms.append(Term(token, prefix=last and ends_open, identifier=code))
    return terms
