"""Encryption at rest for the fields an administrator marks sensitive.

A sealed value is stored as ``⟦aesgcm⟧<key id>:<base64url(nonce + ciphertext + tag)>``:
AES-256-GCM (``cryptography``) with a fresh 96-bit nonce per value, and the table, field
(and custom-field key) as associated data, so a value copied into another field or
record type does not decrypt. Keys come from ``PERNO_ENCRYPTION_KEYS``:
``id:base64key,id:base64key`` with the current key first; older keys stay listed until
``perno keys rotate`` has re-encrypted everything under the current one.

Reading a value whose key is missing, or that the key does not open (a wrong key, an
altered value), raises ``SealError``: the application never hands ciphertext out as
data. Writing a marked field without a key raises too, rather than storing plain text.

Which fields are sealed is data (``core.SealedField``: ``notes`` or
``custom_fields.<key>`` of a record type), re-read by each process every two seconds. Equality
look-ups on sealed custom fields (a tax code, an IBAN) use ``core.SealedDigest``: a keyed
hash of the normalised value, maintained with the record."""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
import secrets
import time
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _

from perno.core.pseudonym import keyed_hash, normalise_identifier

PREFIX = "\u27e6aesgcm\u27e7"
NONCE_BYTES = 12
KEY_ID = re.compile(r"^[A-Za-z0-9_-]{1,16}$")
# The prefix of one key's tokens: PREFIX + id + ":".
_TOKEN = re.compile(r"^\u27e6aesgcm\u27e7([A-Za-z0-9_-]{1,16}):")


class SealError(RuntimeError):
    """A sealed value cannot be read or written: a key is missing, wrong or malformed."""


@dataclass(frozen=True)
class KeyRing:
    keys: dict[str, bytes]  # id -> 32-byte key, in configuration order
    current: str  # the id new values are sealed with; "" when no key is configured


def parse_keys(text: str) -> KeyRing:
    """Parse ``PERNO_ENCRYPTION_KEYS``; raise ImproperlyConfigured saying what is wrong."""
    keys: dict[str, bytes] = {}
    for position, part in enumerate(p.strip() for p in (text or "").split(",")):
        if not part:
            continue
        key_id, sep, encoded = part.partition(":")
        if not sep or not KEY_ID.match(key_id):
            raise ImproperlyConfigured(
                f"PERNO_ENCRYPTION_KEYS entry {position + 1} must look like "
                "'id:base64key' with an id of 1-16 letters, digits, '-' or '_'. "
                "Generate one with `perno keys generate`."
            )
        if key_id in keys:
            raise ImproperlyConfigured(f"PERNO_ENCRYPTION_KEYS lists key '{key_id}' twice.")
        try:
            raw = base64.b64decode(
                encoded.strip() + "=" * (-len(encoded.strip()) % 4), altchars=b"-_", validate=True
            )
        except (binascii.Error, ValueError):
            raw = b""
        if len(raw) != 32:
            raise ImproperlyConfigured(
                f"PERNO_ENCRYPTION_KEYS key '{key_id}' is not 32 bytes of base64 "
                "(AES-256). Generate one with `perno keys generate`."
            )
        keys[key_id] = raw
    return KeyRing(keys, next(iter(keys), ""))


_ring: tuple[str, KeyRing] | None = None


def ring() -> KeyRing:
    """The configured keys (parsed once per value of the setting)."""
    global _ring
    text = getattr(settings, "PERNO_ENCRYPTION_KEYS", "") or ""
    if _ring is None or _ring[0] != text:
        _ring = (text, parse_keys(text))
    return _ring[1]


def generate_key(key_id: str) -> str:
    """A new ``id:base64key`` entry for ``PERNO_ENCRYPTION_KEYS``."""
    if not KEY_ID.match(key_id):
        raise ValueError("a key id is 1-16 letters, digits, '-' or '_'")
    return f"{key_id}:{base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()}"


def is_token(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX)


def key_of(token: str) -> str:
    """The id of the key ``token`` is sealed with ("" when it is not a token)."""
    found = _TOKEN.match(token) if isinstance(token, str) else None
    return found.group(1) if found else ""


def _aesgcm(key: bytes) -> Any:

    return AESGCM(key)


def seal(plaintext: str, context: str) -> str:
    """Encrypt ``plaintext`` under the current key, bound to ``context``."""
    keys = ring()
    if not keys.current:
        raise SealError(
            _(
                "%(field)s is marked sensitive, but no encryption key is configured. Set "
                "PERNO_ENCRYPTION_KEYS (generate a key with `perno keys generate`)."
            )
            % {"field": context}
        )
    nonce = os.urandom(NONCE_BYTES)
    sealed = _aesgcm(keys.keys[keys.current]).encrypt(nonce, plaintext.encode(), context.encode())
    return f"{PREFIX}{keys.current}:{base64.urlsafe_b64encode(nonce + sealed).decode()}"


def unseal(token: str, context: str) -> str:
    """Decrypt ``token``; raise SealError when its key is missing or does not open it."""

    key_id = key_of(token)
    if not key_id:
        raise SealError(_("%(field)s holds a malformed encrypted value.") % {"field": context})
    key = ring().keys.get(key_id)
    if key is None:
        raise SealError(
            _(
                "A value of %(field)s is encrypted with key “%(key)s”, which "
                "PERNO_ENCRYPTION_KEYS does not hold. Put that key back in the list (keep "
                "old keys until `perno keys rotate` has finished)."
            )
            % {"field": context, "key": key_id}
        )
    try:
        blob = base64.urlsafe_b64decode(token[len(PREFIX) + len(key_id) + 1 :])
        return (
            _aesgcm(key).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], context.encode()).decode()
        )
    except (InvalidTag, ValueError, binascii.Error) as exc:
        raise SealError(
            _(
                "A value of %(field)s does not decrypt with key “%(key)s”: the key is "
                "wrong or the value was altered."
            )
            % {"field": context, "key": key_id}
        ) from exc


def seal_json(value: Any, context: str) -> str:
    return seal(json.dumps(value, ensure_ascii=False, sort_keys=True), context)


def unseal_json(token: str, context: str) -> Any:
    return json.loads(unseal(token, context))


# --- which fields are sealed -------------------------------------------------------

CUSTOM = "custom_fields."
_memo: tuple[float, dict[str, frozenset[str]]] | None = None


def sealed_fields() -> dict[str, frozenset[str]]:
    """Record type -> the fields marked sensitive (``notes``, ``custom_fields.<key>``).
    Read from the database at most every ``PERNO_SEALED_REFRESH_SECONDS`` (2 s) per
    process, so every web and worker process follows a change within that time."""
    global _memo
    now = time.monotonic()
    refresh = float(getattr(settings, "PERNO_SEALED_REFRESH_SECONDS", 2.0))
    if _memo is not None and now - _memo[0] < refresh:
        return _memo[1]

    found: dict[str, set[str]] = {}
    model = apps.get_model("core", "SealedField")
    for subject, name in model.objects.values_list("subject", "field"):
        found.setdefault(subject, set()).add(name)
    marks = {subject: frozenset(names) for subject, names in found.items()}
    _memo = (now, marks)
    return marks


def forget_marks() -> None:
    """Read the marks again at the next use (after a change to ``SealedField``)."""
    global _memo
    _memo = None


def sealed_of(subject: str) -> frozenset[str]:
    return sealed_fields().get(subject, frozenset())


def sealed_custom_keys(subject: str) -> frozenset[str]:
    return frozenset(name[len(CUSTOM) :] for name in sealed_of(subject) if name.startswith(CUSTOM))


def context_of(table: str, name: str) -> str:
    """The associated data that binds a value to its column (and custom-field key)."""
    return f"{table}.{name}"


# --- keyed hashes for equality ---------------------------------------------------------


def normalise(value: Any) -> str:
    """The form a sealed value is hashed in: case, accents, spaces and punctuation do
    not matter (IT AB 12 and itab12 are one IBAN)."""

    if isinstance(value, bool):
        return "true" if value else "false"
    text = normalise_identifier(str(value))
    return "".join(ch for ch in text if ch.isalnum())


def digest(subject: str, key: str, value: Any) -> str:
    """The keyed hash stored in ``SealedDigest`` for custom field ``key``'s value."""

    return keyed_hash(f"sealed:{subject}:{key}:{normalise(value)}")


def refresh_digests(subject: str, rows: list[tuple[int, dict[str, Any]]]) -> None:
    """Rewrite the keyed hashes of ``rows`` ((id, custom fields) of record type
    ``subject``): one per sealed key holding a value."""

    model = apps.get_model("core", "SealedDigest")
    ids = [pk for pk, _values in rows]
    if not ids:
        return
    model.objects.filter(subject=subject, object_id__in=ids).delete()
    keys = sealed_custom_keys(subject)
    if not keys:
        return
    model.objects.bulk_create(
        [
            model(subject=subject, object_id=pk, key=key, digest=digest(subject, key, value))
            for pk, values in rows
            for key, value in (values or {}).items()
            if key in keys and value not in (None, "")
        ]
    )


def drop_digests(subject: str, ids: list[int]) -> None:
    """Remove the keyed hashes of deleted or anonymized records."""

    if ids:
        apps.get_model("core", "SealedDigest").objects.filter(
            subject=subject, object_id__in=ids
        ).delete()


def find(subject: str, value: str) -> Any:
    """The ids of ``subject`` records whose sealed custom field equals ``value``."""

    model = apps.get_model("core", "SealedDigest")
    hashes = [digest(subject, key, value) for key in sealed_custom_keys(subject)]
    return model.objects.filter(subject=subject, digest__in=hashes).values("object_id")


MASK = "[encrypted]"


def mask_values(subject: str, name: str, value: Any) -> Any:
    """``value`` of field ``name`` as the change history may keep it: sealed fields and
    sealed custom-field keys become ``[encrypted]``."""
    sealed = sealed_of(subject)
    if name == "custom_fields" and isinstance(value, dict):
        keys = sealed_custom_keys(subject)
        return {k: (MASK if k in keys else v) for k, v in value.items()}
    if name in sealed and value not in (None, ""):
        return MASK
    return value


def mask_changes(subject: str, changes: dict[str, Any]) -> dict[str, Any]:
    """A change-history entry's ``{field: [old, new]}`` (or ``{field: value}``) with the
    values of sealed fields masked."""
    if not sealed_of(subject):
        return changes
    out: dict[str, Any] = {}
    for name, pair in changes.items():
        if isinstance(pair, list):
            out[name] = [mask_values(subject, name, value) for value in pair]
        else:
            out[name] = mask_values(subject, name, pair)
    return out


def check_configuration() -> list[str]:
    """Problems with ``PERNO_ENCRYPTION_KEYS``, for the system checks."""
    try:
        ring()
    except ImproperlyConfigured as exc:
        return [str(exc)]
    return []
