"""Erasure (Art. 17): remove a contact from everything, in one transaction.

What the registry says may be deleted is deleted; what must be kept (a deal's amounts
for the accounts, the register of requests) is anonymized: its personal fields
blanked, the row kept without the person. The change history of every row touched
goes; the search index follows the rows (its words are pruned from the vocabulary);
users' visits to the record and saved searches naming the person go; the person's
files are removed from the store once the transaction has committed. What stays is a
tombstone of keyed hashes (e-mail, phones, name), so a later import or sign-up can
warn that this person asked to be forgotten, and audit entries that only ever held the
person's pseudonym.

A failure anywhere rolls everything back: the person stays whole, and the error says
why. After the commit, SQLite's full-text index is merged (``optimize``) and the write-
ahead log checkpointed, so that with ``secure_delete`` no freed page of the database
file keeps the erased text."""

from __future__ import annotations

import json
import logging
import os
import traceback
from collections import Counter
from pathlib import Path
from typing import Any, cast

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import connection, models, transaction
from django.utils import timezone

from perno.audit import trail
from perno.audit.models import AuditEvent, ChangeEntry
from perno.contacts.models import Contact
from perno.core import sealing
from perno.core.privacy import ANONYMIZE, DELETE, KEEP
from perno.core.pseudonym import keyed_hash, normalise_identifier, subject_ref
from perno.privacy import archive
from perno.privacy import redaction as redacting
from perno.privacy.models import SubjectExport, SubjectRequest, Tombstone, TombstoneHash
from perno.privacy.subject import Found, id_set, rows_about
from perno.search import indexing, vocabulary
from perno.search.indexing import deletes_deferred
from perno.search.registry import sources

logger = logging.getLogger(__name__)


class ErasureError(Exception):
    """Erasure failed; nothing was changed. The message says why."""


def tombstone_digests(values: list[str]) -> list[str]:
    digests = []
    for value in values:
        normal = normalise_identifier(value)
        if normal:
            digests.append(keyed_hash("tombstone:" + normal))
    return sorted(set(digests))


def forgotten(*values: str) -> bool:
    """Did a person with one of these e-mails, phones or names ask to be forgotten?"""
    digests = tombstone_digests([v for v in values if v])
    return bool(digests) and TombstoneHash.objects.filter(digest__in=digests).exists()


def forgotten_among(values: list[str]) -> set[str]:
    """Those of ``values`` (external ids, e-mails...) that name someone who asked to be
    forgotten, in a few queries however many there are."""
    by_digest: dict[str, str] = {}
    for value in values:
        for found in tombstone_digests([value]):
            by_digest[found] = value
    hits: set[str] = set()
    digests = sorted(by_digest)
    for start in range(0, len(digests), 5000):
        hits.update(
            TombstoneHash.objects.filter(digest__in=digests[start : start + 5000]).values_list(
                "digest", flat=True
            )
        )
    return {by_digest[d] for d in hits}


def _indexed_kind(model: Any) -> str | None:

    for source in sources().values():
        if source.model is model:
            return str(source.kind)
    return None


def _drop_digests(model: type[models.Model], ids: list[int]) -> None:
    """The keyed hashes of the rows' sealed custom fields go with them."""
    fields = model._meta.concrete_fields
    if any(isinstance(f, models.JSONField) and getattr(f, "sealable", False) for f in fields):
        for start in range(0, len(ids), 5000):
            sealing.drop_digests(model._meta.model_name or "", ids[start : start + 5000])


def _file_names(item: Any) -> list[str]:
    """The stored files of the rows: the names in the files store of their file fields,
    and the absolute paths of access archives (``SubjectExport.path``, outside the
    store), which hold every value about the person."""
    if item.model is SubjectExport:
        return [path for path in item.rows.values_list("path", flat=True) if path]
    fields = [
        f.attname
        for f in item.model._meta.concrete_fields
        if hasattr(f, "storage") and f.name in item.declaration.personal
    ]
    if not fields:
        return []
    return [value for row in item.rows.values_list(*fields) for value in row if value]


def _anonymize(item: Any) -> int:
    """Blank kept rows' personal fields and cut their links to the erased contacts, in
    one statement. Their search entries go (the vocabulary loses their words): a row
    kept only for the law is found through its list, not by searching, and the next
    change to it indexes it again."""
    ids = list(item.rows.values_list("pk", flat=True))
    if not ids:
        return 0
    declaration = item.declaration
    kind = _indexed_kind(item.model)
    if kind:
        indexing.removed(kind, ids)
    _drop_digests(item.model, ids)
    values = {name: declaration.anonymous_value(name) for name in declaration.personal}
    links = {path: None for path in declaration.about if "__" not in path and path != "pk"}
    if any(callable(value) for value in values.values()):
        for row in item.model._default_manager.filter(pk__in=ids):
            for name in declaration.personal:
                setattr(row, name, declaration.anonymous_value(name, row))
            for path in links:
                setattr(row, path, None)
            row.save()
    else:
        item.model._default_manager.filter(pk__in=id_set(ids)).update(**{**values, **links})
    return len(ids)


def erase_found(
    found: list[Any], counts: Counter, redaction: redacting.Redaction | None = None
) -> list[str]:
    """Delete or anonymize the rows found about some contacts (the contacts themselves
    excepted: the caller deletes them last, with ``delete_rows``); return the names of
    their files, to remove from the store after the commit. With ``redaction`` (what
    names the people erased), rows that belong to other records too are kept with only
    the names replaced (``perno.privacy.redaction``)."""

    if redaction is not None:
        found = _keep_others(found, counts, redaction)
    files: list[str] = []
    for item in found:  # file names first: deleting a row cascades to others
        if item.declaration.erasure == DELETE:
            files.extend(_file_names(item))
    for item in found:
        if item.model is ChangeEntry:
            counts[item.label] += item.rows.delete()[0]
    going = deleted_models(found)
    for item in found:
        policy = item.declaration.erasure
        if item.model in (ChangeEntry, AuditEvent, Contact) or policy == KEEP:
            continue
        if policy == ANONYMIZE:
            titles = redacting.redacted_values(item, redaction) if redaction else {}
            counts[f"{item.label} (anonymized)"] += _anonymize(item)
            redacting.write_redacted(item.model, titles)
        elif policy == DELETE:
            counts[item.label] += delete_rows(item.model, item.rows, going)
    return files


def _keep_others(found: list[Any], counts: Counter, redaction: redacting.Redaction) -> list[Any]:
    """Keep (redacted) the found rows that belong to other records too, with their
    change history; return what is left to erase."""

    others = redacting.others_rows(found)
    kept_history = redacting.history_of(others)
    own: list[Any] = []
    for item in found:
        ids = others.get(item.model)
        if item.model is ChangeEntry and kept_history is not None:
            counts[f"{item.label} (redacted)"] += redacting.redact_history(
                item.rows.filter(kept_history), redaction
            )
            own.append(Found(item.model, item.declaration, item.rows.exclude(kept_history)))
        elif ids:
            own.append(
                Found(item.model, item.declaration, item.rows.exclude(pk__in=id_set(sorted(ids))))
            )
        else:
            own.append(item)
    going = {
        item.model: set(item.rows.values_list("pk", flat=True))
        for item in own
        if item.declaration.erasure == DELETE and item.model is not ChangeEntry
    }
    kept = []
    for item in found:
        ids = others.get(item.model)
        if ids and item.model is not ChangeEntry:
            rows = redacting.keep_rows(item, ids, redaction, going)
            counts[f"{item.label} (kept, redacted)"] += len(rows)
            kept.extend(rows)
    for row in kept:  # indexed again once all are redacted
        indexing.saved(row)
    return own


def deleted_models(found: list[Any]) -> set[type[models.Model]]:
    """The models whose found rows all go (the contacts included)."""

    return {item.model for item in found if item.declaration.erasure == DELETE} | {Contact}


def _fast_deletable(model: type[models.Model], going: set[type[models.Model]]) -> bool:
    """True when every row that can point at ``model`` is itself going, or is cut loose
    (SET_NULL), so the rows can be deleted without Django's collector."""
    for relation in model._meta.related_objects:
        if relation.many_to_many:
            continue
        if relation.related_model in going:
            continue
        if relation.on_delete not in (models.SET_NULL, models.DO_NOTHING):
            return False
    return True


def delete_rows(model: type[models.Model], rows: Any, going: set[type[models.Model]]) -> int:
    """Delete ``rows`` of ``model``. When everything that points at them goes too (all
    of it found through the registry), in plain statements: their search entries in one
    batch, their tag links, links from kept rows set to NULL, then the rows. Otherwise
    through Django's collector, which follows every cascade. Foreign keys are checked
    at commit on both databases, so the order does not matter."""
    ids = list(rows.values_list("pk", flat=True))
    if not ids:
        return 0
    if not _fast_deletable(model, going):
        _deleted, by_model = indexing.delete(model._default_manager.filter(pk__in=id_set(ids)))
        return int(by_model.get(model._meta.label, 0))
    database = rows.db
    kind = _indexed_kind(model)
    if kind:
        indexing.removed(kind, ids)
    _drop_digests(model, ids)
    for field in model._meta.many_to_many:
        through = cast(type[models.Model], field.remote_field.through)
        through._base_manager.filter(**{f"{field.m2m_field_name()}__in": id_set(ids)})._raw_delete(
            database
        )
    for relation in model._meta.related_objects:
        if relation.many_to_many or relation.related_model in going:
            continue
        if relation.on_delete is models.SET_NULL:
            relation.related_model._base_manager.filter(
                **{f"{relation.field.name}__in": id_set(ids)}
            ).update(**{relation.field.name: None})
    return int(model._base_manager.filter(pk__in=id_set(ids))._raw_delete(database))


def erase_contact(
    *, actor: Any, contact: Any, request: SubjectRequest | None = None, ledger: bool = True
) -> Counter:
    """Erase ``contact`` everywhere; return what was deleted and anonymized, by table.
    ``ledger=False`` when replaying the ledger itself after a restore."""

    counts: Counter = Counter()
    files: list[str] = []
    ref = subject_ref("contact", contact.pk)
    digests = tombstone_digests(
        [contact.email, contact.phone, contact.mobile, contact.full_name, contact.external_id]
    )
    try:
        with transaction.atomic(), deletes_deferred():
            trail.lock_chain()  # the audit chain before any row (lock order)
            contact = Contact.objects.select_for_update().get(pk=contact.pk)
            found = list(rows_about(contact))
            files.extend(erase_found(found, counts, redacting.Redaction.of([contact])))
            counts["contacts.contact"] += delete_rows(
                Contact, Contact.objects.filter(pk=contact.pk), deleted_models(found)
            )
            tombstone = Tombstone.objects.create(subject=ref, request=request)
            TombstoneHash.objects.bulk_create(
                [TombstoneHash(tombstone=tombstone, digest=d) for d in digests]
            )
            trail.record(
                actor=actor,
                action=AuditEvent.Action.ERASE,
                record_type="contacts.contact",
                object_id=contact.pk,
                subject=ref,
                detail={
                    "request": request.pk if request else None,
                    "counts": dict(sorted(counts.items())),
                },
            )
            entry = {
                "at": timezone.now().isoformat(),
                "contact_id": contact.pk,
                "subject": ref,
                "digests": digests,
                "request": request.pk if request else None,
            }
            if ledger:
                transaction.on_commit(lambda: ledger_append(entry))
            transaction.on_commit(lambda: after_erasure(files))
    except Exception as exc:
        # Where it failed, not the message: a database error can quote the values.
        logger.error(
            "erasure of contact %s failed (%s); nothing was changed\n%s",
            contact.pk,
            exc.__class__.__name__,
            "".join(traceback.format_tb(exc.__traceback__)),
        )
        raise ErasureError(str(exc) or exc.__class__.__name__) from exc
    return counts


def ledger_path() -> Path:
    return Path(settings.PERNO_ERASURE_LEDGER)


def ledger_append(entry: dict[str, Any]) -> None:
    """Remember an erasure outside the database and its backups (one JSON line), so that
    restoring an older backup can erase the person again (``perno restore``)."""
    path = ledger_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(entry, sort_keys=True) + "\n")
        handle.flush()
        os.fsync(handle.fileno())


def ledger_entries() -> list[dict[str, Any]]:
    path = ledger_path()
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def after_erasure(files: list[str]) -> None:
    """Remove the files (an absolute path is an access archive), and leave no trace in
    freed database pages."""
    for name in files:
        try:
            if os.path.isabs(name):
                archive.discard(name)
            else:
                default_storage.delete(name)
        except OSError:
            logger.warning("could not remove an erased file from the store")
    scrub_database()


def scrub_database() -> None:
    """SQLite: merge the full-text index (a deleted row's terms stay in old segments
    until merged) and checkpoint the write-ahead log into the main file, where
    ``secure_delete`` has zeroed the freed pages. PostgreSQL: nothing here; VACUUM
    reclaims dead rows (see docs)."""

    vocabulary.forget()
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO search_fts(search_fts) VALUES ('optimize')")
    if not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
