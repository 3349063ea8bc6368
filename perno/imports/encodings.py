"""Which encoding a text file (CSV, vCard) was saved in.

UTF-8 (with or without BOM) and UTF-16 with a BOM are recognised from the bytes. Anything
else is one of the single-byte encodings spreadsheets in Italy and Romania save:
Windows-1252 (western), Windows-1250 and ISO-8859-2 (central European, Romanian). On a
short file they all decode without error and charset-normalizer cannot tell them apart
(Italian "perché più" in Windows-1252 reads as Windows-1250 "perchč ů" just as well), so
each candidate's text is scored by the letters it holds: those of Italian, Romanian and
the other western languages count for it, letters only the wrong decoding produces
(º and þ inside a word, ŕ č ě ň ů) and control characters count against it. The best
score wins; ties go to the first candidate. charset-normalizer names the likely encoding
when no candidate reads the file, so the message can say what it found."""

from __future__ import annotations

import codecs
import re
import unicodedata

from charset_normalizer import from_bytes
from django.utils.translation import gettext as _

from perno.imports.tables import FileProblem

CANDIDATES = ("cp1252", "cp1250", "iso8859_2")
NAMES = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8 (BOM)",
    "utf-16": "UTF-16",
    "cp1252": "Windows-1252",
    "cp1250": "Windows-1250",
    "iso8859_2": "ISO-8859-2",
}
# Letters of Italian, Romanian (both the comma and the cedilla forms), French, German,
# Spanish and Portuguese.
COMMON = frozenset("àèéìíîòóùúâêôûäëïöüÿçñăşţșțœæß" + "àèéìíîòóùúâêôûäëïöüÿçñăşţșțœæ".upper())
# What a wrong decoding of those letters looks like.
UNLIKELY = frozenset("ºª¹³²¾¼½þÞðÐãõÃÕŕčěňůĺľťźŔČĚŇŮĹĽŤŹ¤¦§¨°±´µ¶·¸")
NON_ASCII = re.compile(r"[^\x00-\x7f]")
CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")
# Sequences of bytes valid in UTF-8 as multi-byte characters.
UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)


def _problem(message: str) -> FileProblem:
    return FileProblem(message, code="encoding")


def _score(text: str) -> int:
    """How Italian, Romanian or western the non-ASCII letters of ``text`` look."""
    score = 0
    for found in NON_ASCII.finditer(text):
        char, position = found.group(), found.start()
        if char in COMMON:
            score += 2
        elif char in UNLIKELY:
            score -= 3
        elif unicodedata.category(char).startswith("S") and _next_to_letter(text, position):
            score -= 3  # "©erban": a symbol inside a word is a letter read wrongly
    return score


def _next_to_letter(text: str, position: int) -> bool:
    before = text[position - 1] if position else " "
    after = text[position + 1] if position + 1 < len(text) else " "
    return before.isalpha() or after.isalpha()


def _clean(text: str) -> bool:
    """No control characters but tab and line ends (a NUL is refused before): C1
    controls are what ISO-8859-2 makes of Windows-1250's quotes, dashes and €."""
    return CONTROL.search(text) is None


def decode_text(content: bytes) -> tuple[str, str]:
    """(text, encoding name) for a text file, or a FileProblem saying what to do."""
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return content.decode("utf-16"), NAMES["utf-16"]
        except UnicodeDecodeError as exc:
            raise _undecodable() from exc
    if b"\x00" in content:
        raise _problem(
            _(
                "The file contains NUL bytes: it is not a text file, or it is UTF-16 without a byte order mark. Save it as CSV UTF-8 and import it again."
            )
        )
    if content.startswith(codecs.BOM_UTF8):
        try:
            return content[3:].decode("utf-8"), NAMES["utf-8-sig"]
        except UnicodeDecodeError as exc:
            raise _broken_utf8(content[3:], exc) from exc
    try:
        return content.decode("utf-8"), NAMES["utf-8"]
    except UnicodeDecodeError as exc:
        # Mostly UTF-8 (as many valid multi-byte letters as stray bytes, or more): a
        # file pasted together from two encodings, not a single-byte one in which a
        # valid pair ("Ăş" is also UTF-8's "ú") turns up by chance.
        sample = content[:1_000_000]
        letters = len(UTF8_MULTIBYTE.findall(sample))
        stray = sample.decode("utf-8", errors="replace").count("\ufffd")
        if letters and letters >= stray:
            raise _broken_utf8(content, exc) from exc
    best: tuple[int, str, str] | None = None
    for encoding in CANDIDATES:
        try:
            text = content.decode(encoding)
        except UnicodeDecodeError:
            continue
        if not _clean(text):
            continue
        score = _score(text)
        if best is None or score > best[0]:
            best = (score, text, encoding)
    if best is None:
        raise _undecodable(content)
    return best[1], NAMES[best[2]]


def _line_of(content: bytes, offset: int) -> int:
    return content.count(b"\n", 0, offset) + 1


def _broken_utf8(content: bytes, exc: UnicodeDecodeError) -> FileProblem:
    return _problem(
        _(
            "The file is mostly UTF-8, but line %(line)s has bytes that are not UTF-8: it was probably put together from files saved in different encodings. Save it again as CSV UTF-8 and import that file."
        )
        % {"line": _line_of(content, exc.start)}
    )


def _undecodable(content: bytes = b"") -> FileProblem:
    # A guess from a few bytes is noise: name it only for a real amount of text.
    guess = from_bytes(content[:200_000]).best() if len(content) >= 200 else None
    if guess is not None and not guess.encoding.startswith(("utf", *CANDIDATES)):
        return _problem(
            _(
                "The file's encoding looks like %(encoding)s, which Perno does not read. Save it as CSV UTF-8 (in Excel: Save as, CSV UTF-8) and import it again."
            )
            % {"encoding": guess.encoding}
        )
    return _problem(
        _(
            "The file's encoding cannot be recognised (it is not UTF-8, Windows-1252, Windows-1250 or ISO-8859-2). Save it as CSV UTF-8 (in Excel: Save as, CSV UTF-8) and import it again."
        )
    )
