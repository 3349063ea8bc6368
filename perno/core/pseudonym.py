"""Keyed hashes that stand for a person without holding their data.

The audit trail names the data subject of each entry by ``subject_ref`` (a keyed hash of
the record's kind and id), and an erased person leaves only keyed hashes of their e-mail,
phone and name (the tombstone). The key is ``PERNO_PRIVACY_KEY``; without it one is
derived from ``PERNO_SECRET_KEY``, so changing the secret key without setting
``PERNO_PRIVACY_KEY`` to the old derived value breaks the links to earlier entries."""

from __future__ import annotations

import hashlib
import hmac
import unicodedata

from django.conf import settings


def _key() -> bytes:
    explicit = getattr(settings, "PERNO_PRIVACY_KEY", "")
    if explicit:
        return explicit.encode()
    return hashlib.sha256(b"perno.privacy.pseudonym:" + settings.SECRET_KEY.encode()).digest()


def keyed_hash(text: str) -> str:
    """HMAC-SHA256 of ``text`` under the privacy key, as 64 hex digits."""
    return hmac.new(_key(), text.encode(), hashlib.sha256).hexdigest()


def subject_ref(kind: str, pk: object) -> str:
    """The pseudonym of one data subject record, e.g. ``subject_ref("contact", 12)``."""
    return keyed_hash(f"subject:{kind}:{pk}")[:40]


def normalise_identifier(value: str) -> str:
    """E-mail, phone or name in the form the tombstone hashes: case, accents, spaces and
    punctuation in phone numbers do not matter."""
    text = unicodedata.normalize("NFKD", value or "").encode("ascii", "ignore").decode()
    text = " ".join(text.lower().split())
    if text and text.lstrip("+").replace(" ", "").replace("-", "").replace(".", "").isdecimal():
        return "+" + "".join(ch for ch in text if ch.isdecimal())
    return text
