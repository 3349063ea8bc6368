"""Text of e-mail in whatever charset it claims, or fails to claim.

Mail says which charset its text is in, and is often wrong: UTF-8 labelled
ISO-8859-1, Windows-1252 labelled UTF-8 or US-ASCII, charsets Python does not know
(``x-unknown``, ``utf-8-bogus``). The declared charset is used when it decodes the
bytes cleanly and is not contradicted by them (valid multi-byte UTF-8 under a
single-byte label is UTF-8); otherwise ``charset-normalizer`` guesses, and among the
Western and Central European single-byte charsets (which it cannot tell apart on short
texts) the one giving the most plausible Italian, Romanian, French, German or English
letters wins. Text never carries NUL characters or unpaired surrogates, which the
databases cannot store."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

import charset_normalizer

# Single-byte charsets charset-normalizer confuses with one another on short texts.
LATIN = ("cp1252", "iso8859_15", "iso8859_16", "cp1250", "iso8859_2", "latin_1")
COMMON = set("àáâãäåæçèéêëìíîïñòóôõöøùúûüýÿßăîșțşţĂÎȘȚŞŢÀÁÂÃÄÅÇÈÉÊËÌÍÎÏÑÒÓÔÕÖØÙÚÛÜ€«»‘’“”–—…°£§©®")
ASCII_COMPATIBLE = {"ascii", "us-ascii", "646", "ansi_x3.4-1968"}
# Guesses trusted as they are: other scripts, which the Latin candidates cannot read.
OTHER_SCRIPTS = {
    "cp1251",
    "koi8_r",
    "koi8_u",
    "iso8859_5",
    "mac_cyrillic",
    "cp1253",
    "iso8859_7",
    "cp1255",
    "iso8859_8",
    "cp1256",
    "iso8859_6",
    "gb2312",
    "gb18030",
    "gbk",
    "big5",
    "big5hkscs",
    "shift_jis",
    "cp932",
    "euc_jp",
    "iso2022_jp",
    "euc_kr",
    "cp949",
}
_BROKEN = re.compile(r"[\x00\ud800-\udfff]")
_CONTROL = re.compile(r"[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass
class Decoded:
    text: str
    charset: str  # what was used
    problem: str = ""  # "", "unknown" (not a charset) or "wrong" (the bytes disagreed)


def clean(text: str) -> str:
    """Text the databases can store: no NUL, no unpaired surrogates, no control
    characters but tabs and line breaks."""
    if _BROKEN.search(text):
        text = _BROKEN.sub("\ufffd", text)
    if _CONTROL.search(text):
        text = _CONTROL.sub("", text)
    return text


def _codec(name: str) -> str | None:
    try:
        return codecs.lookup(name.strip().strip('"').lower()).name
    except (LookupError, ValueError):
        return None


def _plausibility(text: str) -> int:
    score = 0
    for char in text:
        if char < "\x80":
            continue
        if char in COMMON:
            score += 1
        elif char == "\ufffd" or not char.isprintable():
            score -= 10
        else:
            score -= 3
    return score


def _foreign(text: str) -> float:
    """The share of letters that are not ASCII: a few in Latin-script languages, nearly
    all when another script is read as a Latin charset."""
    letters = [c for c in text if c.isalpha()]
    return sum(1 for c in letters if c >= "\x80") / len(letters) if letters else 0.0


def _guess(data: bytes) -> tuple[str, str]:
    """(text, charset) for bytes whose charset is unknown."""
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    candidates = []
    for position, name in enumerate(LATIN):
        try:
            text = data.decode(name)
        except UnicodeDecodeError:
            continue
        candidates.append((_plausibility(text), -position, text, name))
    latin = max(candidates) if candidates else None
    best = charset_normalizer.from_bytes(data).best()
    guessed = _codec(best.encoding) if best is not None else None
    # Another script, unless the text reads as a Latin-script language would.
    readable = latin is not None and latin[0] >= 0 and _foreign(latin[2]) <= 0.4
    if best is not None and guessed in OTHER_SCRIPTS and not readable:
        return str(best), guessed
    if latin is None:
        return data.decode("latin_1"), "latin_1"
    return latin[2], latin[3]


def _multibyte_utf8(data: bytes) -> str | None:
    """The UTF-8 reading of ``data`` when it is valid UTF-8 with multi-byte sequences."""
    if data.isascii():
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def decode(data: bytes, declared: str | None) -> Decoded:
    """``data`` as text, trusting ``declared`` only as far as the bytes agree."""
    codec = _codec(declared) if declared else None
    if declared and codec is None:
        text, used = _guess(data)
        return Decoded(clean(text), used, "unknown")
    if codec is None or codec in ASCII_COMPATIBLE or codec == "ascii":
        if data.isascii():
            return Decoded(clean(data.decode("ascii")), "ascii")
        text, used = _guess(data)
        return Decoded(clean(text), used, "wrong" if declared else "")
    if codec != "utf-8" and codec in {_codec(c) for c in LATIN}:
        utf8 = _multibyte_utf8(data)
        if utf8 is not None:
            return Decoded(clean(utf8), "utf-8", "wrong")
    try:
        return Decoded(clean(data.decode(codec)), codec)
    except (UnicodeDecodeError, LookupError):
        text, used = _guess(data)
        return Decoded(clean(text), used, "wrong")


def unsurrogate(text: str) -> str:
    """A header read from bytes keeps its 8-bit bytes as surrogates: decode them."""
    if not _BROKEN.search(text):
        return text
    try:
        raw = text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return clean(text)
    return decode(raw, None).text
