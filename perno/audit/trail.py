"""The audit trail: write an entry in the caller's transaction, chained to the previous
one by a hash; verify the chain.

Every entry is written inside ``transaction.atomic()``, so it commits or rolls back with
the action it records. Writers are serialised so that each entry's ``prev_hash`` is the
hash of the entry just before it: a transaction-scoped advisory lock on PostgreSQL,
SQLite's single writer (Perno opens SQLite transactions IMMEDIATE) on SQLite.

Where a request came from (web or API, its IP address) is set once per request by
``audit.middleware.AuditOriginMiddleware``; background jobs and the command line set
their own channel with ``origin()``."""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone

from perno.audit.models import AuditEvent
from perno.core.privacy import registry
from perno.core.pseudonym import keyed_hash, normalise_identifier, subject_ref

GENESIS = "0" * 64
_LOCK_KEY = 7_331_001  # pg_advisory_xact_lock key of the audit chain


@dataclass(frozen=True)
class Origin:
    channel: str = AuditEvent.Channel.TASK
    ip_address: str | None = None


_origin: contextvars.ContextVar[Origin | None] = contextvars.ContextVar(
    "perno_audit_origin", default=None
)


@contextlib.contextmanager
def origin(channel: str, ip_address: str | None = None) -> Iterator[None]:
    """Entries written inside this block come from ``channel`` (and ``ip_address``)."""
    token = _origin.set(Origin(channel, ip_address))
    try:
        yield
    finally:
        _origin.reset(token)


def set_channel(channel: str, ip_address: str | None = None) -> None:
    """For the rest of this process (or context): entries come from ``channel``."""
    _origin.set(Origin(channel, ip_address))


def current_channel() -> str:
    return (_origin.get() or Origin()).channel


def object_type(obj: models.Model | type[models.Model]) -> str:
    return obj._meta.label_lower


# Record types that are themselves a data subject.
SUBJECT_KINDS = ("contact", "lead", "user", "company")


def subject_of(obj: Any) -> str:
    """The pseudonym of the person a record is about: the record itself for contacts,
    leads, users and companies (sole traders); the linked contact, lead or company for
    activities, comments and deals; a comment's record for its attachments."""
    if obj is None:
        return ""
    name = obj._meta.model_name
    if name in SUBJECT_KINDS:
        return subject_ref(name, obj.pk)
    for kind in ("contact", "lead", "company"):
        pk = getattr(obj, f"{kind}_id", None)
        if pk:
            return subject_ref(kind, pk)
    for parent in ("comment", "activity"):
        if getattr(obj, f"{parent}_id", None):
            return subject_of(getattr(obj, parent))
    return ""


def _canonical(values: dict[str, Any]) -> bytes:
    return json.dumps(values, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def entry_hash(
    *,
    seq: int,
    created_at: datetime,
    actor_id: int | None,
    channel: str,
    ip_address: str | None,
    action: str,
    object_type: str,
    object_id: int | None,
    subject: str,
    fields: list[str],
    detail: dict[str, Any],
    prev_hash: str,
) -> str:
    values = {
        "seq": seq,
        "created_at": created_at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor_id": actor_id,
        "channel": channel,
        "ip_address": ip_address,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "subject": subject,
        "fields": fields,
        "detail": detail,
        "prev_hash": prev_hash,
    }
    return hashlib.sha256(_canonical(values)).hexdigest()


def lock_chain() -> None:
    """Take the chain's lock for the rest of the transaction.

    The lock order of every write: the chain first, then rows. A write that locked a
    row and then appended an entry, racing one that appended an entry and then locked
    the same row (an edit and a delete of one record), deadlocked on PostgreSQL. So a
    service that locks rows and writes the trail in one transaction takes the chain
    before its first row lock (``records.services`` does it for every record write);
    taking it again later in the transaction is free, and sends nothing: see
    ``_chain_held``. SQLite has one writer at a time (transactions begin IMMEDIATE), so
    there is no order to keep."""
    if connection.vendor != "postgresql" or not connection.in_atomic_block:
        return
    if any(entry[1] is _chain_held for entry in connection.run_on_commit):
        return
    with connection.cursor() as cursor:
        # A test case's own transaction holds its set-up rows: check real ones only.
        if settings.PERNO_LOCK_ORDER_CHECK and not any(
            getattr(block, "_from_testcase", False) for block in connection.atomic_blocks
        ):
            _check_lock_order(cursor)
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
    transaction.on_commit(_chain_held)


def _chain_held() -> None:
    """The mark that this transaction holds the chain's lock, kept with its commit
    callbacks: Django drops them when the transaction ends, committed or rolled back,
    and drops those of a savepoint rolled back, as PostgreSQL releases a lock taken in
    it. So the lock is asked for once per transaction (a message import asked 4-5 times,
    a round trip each). Nothing to do at the commit."""


def _check_lock_order(cursor: Any) -> None:
    """Tests (``PERNO_LOCK_ORDER_CHECK``): refuse to take the chain in a transaction
    that already wrote or locked rows (it has a transaction id) without holding it."""
    cursor.execute(
        "SELECT pg_current_xact_id_if_assigned() IS NOT NULL AND NOT EXISTS ("
        " SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()"
        " AND classid = 0 AND objid = %s AND granted)",
        [_LOCK_KEY],
    )
    if cursor.fetchone()[0]:
        raise RuntimeError(
            "Lock order: this transaction wrote or locked rows before taking the audit "
            "chain; call audit.trail.lock_chain() at its start."
        )


def record(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    record_type: str = "",
    object_id: int | None = None,
    subject: str | None = None,
    fields: Iterable[str] = (),
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one entry. Call it inside the transaction of the action it records (it
    opens a savepoint of its own otherwise). ``detail`` must hold no personal data:
    counts, codes, ids, field names."""
    if action not in AuditEvent.Action.values:
        raise ValueError(f"unknown audit action {action!r}")
    where = _origin.get() or Origin()
    values: dict[str, Any] = {
        "created_at": timezone.now(),
        "actor_id": getattr(actor, "pk", None) if actor is not None else None,
        "channel": where.channel,
        "ip_address": where.ip_address,
        "action": action,
        "object_type": object_type(obj) if obj is not None else record_type,
        "object_id": obj.pk if obj is not None else object_id,
        "subject": subject_of(obj) if subject is None else subject,
        "fields": sorted(set(fields)),
        "detail": detail or {},
    }
    # A JSON round trip gives the values exactly as they will be read back.
    values["detail"] = json.loads(_canonical(values["detail"]))
    with transaction.atomic():
        lock_chain()
        last = AuditEvent.objects.order_by("-seq").values_list("seq", "hash").first()
        seq, prev_hash = (last[0] + 1, last[1]) if last else (1, GENESIS)
        digest = entry_hash(seq=seq, prev_hash=prev_hash, **values)
        return AuditEvent.objects.create(seq=seq, prev_hash=prev_hash, hash=digest, **values)


@dataclass
class Verification:
    checked: int = 0
    problems: list[tuple[int, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(*, batch: int = 5000, limit_problems: int = 100) -> Verification:
    """Walk the whole chain: every number from 1 without gaps, every ``prev_hash`` equal
    to the hash before it, every hash equal to the hash of the entry's content."""
    result = Verification()
    expected_seq, prev_hash = 1, GENESIS
    columns = [
        "seq",
        "created_at",
        "actor_id",
        "channel",
        "ip_address",
        "action",
        "object_type",
        "object_id",
        "subject",
        "fields",
        "detail",
        "prev_hash",
        "hash",
    ]
    last_seq = 0
    while len(result.problems) < limit_problems:
        rows = list(
            AuditEvent.objects.filter(seq__gt=last_seq).order_by("seq").values(*columns)[:batch]
        )
        if not rows:
            break
        for row in rows:
            seq = row["seq"]
            if seq != expected_seq:
                missing = (
                    f"{expected_seq}" if seq == expected_seq + 1 else f"{expected_seq}–{seq - 1}"
                )
                result.problems.append((seq, f"entries {missing} are missing"))
            if row["prev_hash"] != prev_hash:
                result.problems.append((seq, "its link to the previous entry is broken"))
            stored = row.pop("hash")
            if entry_hash(**row) != stored:
                result.problems.append((seq, "its content was altered"))
            result.checked += 1
            expected_seq, prev_hash, last_seq = seq + 1, stored, seq
    return result


def personal_fields(model: type[models.Model]) -> list[str]:
    """The fields the privacy registry declares personal for ``model`` (empty when it
    holds no personal data)."""

    declaration = registry().get(model)
    return sorted(declaration.personal) if declaration else []


def record_read(*, actor: Any, obj: models.Model, purpose: str = "view") -> AuditEvent | None:
    """A user was shown one record: written when the record holds personal data."""
    fields = personal_fields(type(obj))
    if not fields:
        return None
    detail = {} if purpose == "view" else {"for": purpose}
    return record(actor=actor, action=AuditEvent.Action.VIEW, obj=obj, fields=fields, detail=detail)


def record_search(
    *, actor: Any, query: str, shown: Iterable[tuple[str, int]], total: int, kind: str = "search"
) -> AuditEvent:
    """A search or a suggestion list: the query is kept as a keyed hash (a DPO finds it
    by typing the same words), the records shown by type and id."""

    return record(
        actor=actor,
        action=AuditEvent.Action.SEARCH,
        subject="",
        detail={
            "query": keyed_hash("query:" + normalise_identifier(query)) if query.strip() else "",
            "kind": kind,
            "total": int(total),
            "shown": [f"{t}:{i}" for t, i in shown],
        },
    )


def record_list(*, actor: Any, model: type[models.Model], ids: Iterable[Any]) -> AuditEvent | None:
    """A user was shown a page of a list: the records by id, when the model holds
    personal data."""
    fields = personal_fields(model)
    if not fields:
        return None
    return record(
        actor=actor,
        action=AuditEvent.Action.LIST,
        record_type=object_type(model),
        subject="",
        fields=fields,
        detail={"shown": [int(pk) for pk in ids]},
    )
