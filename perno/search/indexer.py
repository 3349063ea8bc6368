"""Building index rows from records and writing them, in the caller's transaction.

``index_object``/``unindex`` are called through ``indexing`` by the record services inside
the transaction that saves or deletes the record, so a record is findable as soon as
it is committed and gone as soon as its deletion is; ``rebuild`` re-creates the whole
index in batches, each in its own short transaction, while users keep working.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from perno.accounts.models import ConfidentialField
from perno.core import sealing
from perno.search import backends
from perno.search.registry import Access, Source, source_for_model, sources
from perno.search.text import document_tokens
from perno.search.typos import vocabulary_word

CHUNK_CHARS = 1200  # document text is indexed in chunks of about this size
SEPARATOR = " · "
CACHED_TEXT = 200  # tokens of texts up to this long are cached


@dataclass
class Row:
    kind: str
    object_id: int
    chunk: int
    access: Access
    title: str
    subtitle: str
    body: str
    secret: str
    url: str
    tag_ids: str
    changed_at: datetime
    title_tokens: list[str]
    ident_tokens: list[str]
    body_tokens: list[str]
    secret_tokens: list[str]

    def words(self) -> set[str]:
        """The alphabetic words of this row, for the typo vocabulary."""
        return {
            token
            for tokens in (
                self.title_tokens,
                self.ident_tokens,
                self.body_tokens,
                self.secret_tokens,
            )
            for token in tokens
            if vocabulary_word(token)
        }


def _tokens(text: str) -> list[str]:
    if not text:
        return []
    if len(text) <= CACHED_TEXT:
        return list(_short_tokens(text))
    return list(dict.fromkeys(document_tokens(text)))


@functools.lru_cache(maxsize=65536)
def _short_tokens(text: str) -> tuple[str, ...]:
    """Names, job titles, industries, subjects repeat across records: their tokens are
    made once per process."""
    return tuple(dict.fromkeys(document_tokens(text)))


def confidential_fields() -> dict[str, set[str]]:

    found: dict[str, set[str]] = {}
    for subject, name in ConfidentialField.objects.values_list("subject", "field"):
        found.setdefault(subject, set()).add(name)
    return found


def _text(value: Any) -> str:
    if value is None or value is False:
        return ""
    return str(value).strip()


def build_row(
    source: Source,
    obj: Any,
    hidden: set[str],
    *,
    chunk: int = 0,
    text: str = "",
    tags: str | None = None,
) -> Row | None:
    """The index row of ``obj``; fields in ``hidden`` (confidential for the record type)
    go to the secret part. None when the object has nothing to govern its access.
    ``tags``: the object's tag column when the caller read the tags of many objects at
    once (``tag_columns``); otherwise they are read from ``obj``."""
    access = source.access_of(obj)
    if access is None:
        return None
    title = _text(source.title(obj))[:300]
    subtitle = SEPARATOR.join(
        _text(value) for name, value in source.subtitle(obj) if _text(value) and name not in hidden
    )[:300]
    ident_open: list[str] = []
    ident_secret: list[str] = []
    body_open: list[str] = []
    body_secret: list[str] = []
    for name in source.ident_fields:
        (ident_secret if name in hidden else ident_open).append(_text(getattr(obj, name, "")))
    sealed = sealing.sealed_of(source.model._meta.model_name or "")
    for name in source.body_fields:
        if name not in sealed:  # encrypted at rest: never copied into the index
            (body_secret if name in hidden else body_open).append(_text(getattr(obj, name, "")))
    if source.custom_fields:
        for key, value in (getattr(obj, "custom_fields", None) or {}).items():
            name = f"custom_fields.{key}"
            if name not in sealed:
                (body_secret if name in hidden else body_open).append(_text(value))
    if source.text is not None:
        body_open.append(_text(source.text(obj)))
    if text:
        body_open.append(text)
    ident = " ".join(v for v in ident_open if v)
    body = "\n".join(v for v in [*ident_open, *body_open] if v)
    secret = "\n".join(v for v in [*ident_secret, *body_secret] if v)
    if tags is None:
        tags = _tag_column([tag.pk for tag in obj.tags.all()]) if source.tagged and obj.pk else ""
    changed = getattr(obj, "updated_at", None) or getattr(obj, "created_at", None)
    return Row(
        kind=source.kind,
        object_id=obj.pk,
        chunk=chunk,
        access=access,
        title=title,
        subtitle=subtitle,
        body=body,
        secret=secret,
        url=source.url(obj),
        tag_ids=tags[:300],
        changed_at=changed or timezone.now(),
        title_tokens=_tokens(title),
        ident_tokens=_tokens(ident),
        body_tokens=_tokens("\n".join(v for v in body_open if v)),
        secret_tokens=_tokens(secret),
    )


def _tag_column(ids: Iterable[int]) -> str:
    """Tag ids as the index stores them: ``|3|7|`` (sorted), or empty."""
    ordered = sorted(ids)
    return "".join(f"|{pk}" for pk in ordered) + "|" if ordered else ""


def tag_columns(source: Source, object_ids: list[int]) -> dict[int, str]:
    """The tag column of each of ``object_ids`` (records of ``source``), from one query
    on the tags' link table instead of one tag manager per object."""
    if not source.tagged or not object_ids:
        return {}
    field = source.model._meta.get_field("tags")
    through = field.remote_field.through  # type: ignore[union-attr]
    own, other = field.m2m_field_name(), field.m2m_reverse_field_name()  # type: ignore[union-attr]
    found: dict[int, list[int]] = {}
    links = through._default_manager.filter(**{f"{own}_id__in": object_ids})
    for object_id, tag_id in links.values_list(f"{own}_id", f"{other}_id"):
        found.setdefault(object_id, []).append(tag_id)
    return {object_id: _tag_column(ids) for object_id, ids in found.items()}


def chunks(text: str, size: int = CHUNK_CHARS) -> list[str]:
    """Split ``text`` into chunks of about ``size`` characters at paragraph, line or word
    boundaries."""
    text = text.strip()
    out: list[str] = []
    while len(text) > size:
        cut = max(text.rfind("\n\n", 0, size), text.rfind("\n", 0, size), text.rfind(" ", 0, size))
        if cut < size // 2:
            cut = size
        out.append(text[:cut].strip())
        text = text[cut:].strip()
    if text:
        out.append(text)
    return out


BATCH = 2000  # records per batch of the bulk path


def _queryset(source: Source) -> Any:
    """The records of ``source`` with what their entries read (tags come separately:
    ``tag_columns``)."""
    queryset = source.model._default_manager.all()
    if source.related:
        queryset = queryset.select_related(*source.related)
    return queryset


# --- Writing -------------------------------------------------------------------------


def replace(kind: str, object_ids: Iterable[int], rows: list[Row]) -> None:
    """Replace every entry of the given objects by ``rows`` (in the current transaction).
    Only the old entries' words the new rows do not hold again are asked whether they
    leave the vocabulary (an edit keeps most words: asking cost a look at each word's
    postings)."""
    ids = list(object_ids)
    kept = {word for row in rows for word in row.words()}
    backend = backends.current()
    with transaction.atomic(), backends.prunes_deferred(keep=kept):
        backend.delete(kind, ids)
        backend.insert(rows, vocabulary=False)
        backend.add_words(kept)  # the rows' words, read once above


def index_object(obj: Any, source: Source | None = None, *, fresh: bool = False) -> None:
    """(Re)build the entry of one record; ``fresh``: created in this transaction, so
    there is no old entry to delete."""
    source = source or source_for_model(type(obj))
    if source is None:
        return
    row = build_row(source, obj, confidential_fields().get(source.kind, set()))
    if fresh:
        backends.current().insert([row] if row else [])
    else:
        replace(source.kind, [obj.pk], [row] if row else [])


def reindex(
    kind: str, object_ids: Iterable[int], *, access: bool = True, fresh: bool = False
) -> None:
    """The bulk path: (re)build the entries of many records of one kind in the current
    transaction, after they were created or changed by plain statements (import, seed,
    merge, re-encryption, lead conversion), and, unless ``access=False`` (only the
    records' text changed, not who may see them), the access columns of the comments and
    documents that follow their rights.

    Set-based, by batches of ``BATCH``: one query for the records (with their related
    rows), one for their tags, the rows built in Python (the same ``build_row`` as a
    single save, so the entries are identical), the old entries deleted in one
    statement, the new ones written by COPY on PostgreSQL and executemany on SQLite,
    the vocabulary given the batch's new words in one statement and the access columns
    of comments and documents updated in one statement. ``fresh``: the records were
    created in this transaction, so they have no entries to delete (on PostgreSQL the
    look-up would be planned from statistics that do not know the rows just added, and
    read the whole table for every batch)."""
    source = sources()[kind]
    ids = sorted(set(object_ids))
    if not ids:
        return
    hidden = confidential_fields().get(kind, set())
    backend = backends.current()
    with transaction.atomic():
        for start in range(0, len(ids), BATCH):
            chunk = ids[start : start + BATCH]
            objects = list(_queryset(source).filter(pk__in=chunk))
            if not fresh:
                backend.delete(kind, chunk)
            backend.insert(build_rows(source, objects, hidden))
            if access:
                _follow_access(kind, chunk, objects)


def reindex_following(kind: str, object_ids: Iterable[int]) -> None:
    """``reindex`` the records of ``kind`` and then the entries of every source that
    ``follows`` them (a mail message and its attachments), after their links were moved
    or cleared by plain statements (a merge, the delete of the record they pointed at)."""
    ids = sorted(set(object_ids))
    if not ids:
        return
    reindex(kind, ids)
    for follower in sources().values():
        if follower.follows is None or follower.follows[0] != kind:
            continue
        field_name = follower.follows[1]
        for start in range(0, len(ids), BATCH):
            chunk = ids[start : start + BATCH]
            rows = follower.model._default_manager.filter(**{f"{field_name}__in": chunk})
            reindex(follower.kind, list(rows.values_list("pk", flat=True)))


def reindex_moved(rows: Iterable[tuple[str, Iterable[int]]]) -> None:
    """Rows of models (``"app_label.Model"``, ids) whose links were moved by plain
    statements (a merge's relinkers, its undo): those of searchable models are indexed
    again, with their followers, as their rights come from the record they point at."""
    kinds: dict[str, list[str]] = {}
    for kind, source in sources().items():
        kinds.setdefault(source.model._meta.label_lower, []).append(kind)
    touched: dict[str, set[int]] = {}
    for label, ids in rows:
        for kind in kinds.get(label.lower(), []):
            touched.setdefault(kind, set()).update(ids)
    for kind, ids in touched.items():
        reindex_following(kind, ids)


def _follow_access(kind: str, ids: list[int], objects: list[Any]) -> None:
    """The comments and documents of ``objects`` take their access columns."""
    if kind == "comment":
        attachments = sources()["document"].model._default_manager
        for attachment in attachments.filter(comment_id__in=ids).select_related("comment"):
            backends.current().update_access_of_object(
                "document", attachment.pk, build_access(attachment)
            )
        return
    backends.current().update_access_many(
        kind,
        [
            (
                obj.pk,
                getattr(obj, "owner_id", None),
                getattr(obj, "assignee_id", None),
                getattr(obj, "team_id", None),
                bool(getattr(obj, "is_confidential", False)),
            )
            for obj in objects
        ],
    )


def build_access(attachment: Any) -> Access | None:
    return sources()["document"].access_of(attachment)


def reindex_all(kind: str) -> None:
    """Every record of one kind, in the current transaction (a confidential-field change
    must not leave a moment where the field is still searchable by everyone). A record
    type with no search source (orders, segments, surveys) has nothing to reindex."""
    source = sources().get(kind)
    if source is None:
        return
    hidden = confidential_fields().get(kind, set())
    for batch in _batches(source):
        rows = [row for obj in batch for row in [build_row(source, obj, hidden)] if row]
        backends.current().delete(kind, [obj.pk for obj in batch], prune=False)
        backends.current().insert(rows)


def unindex(kind: str, object_ids: Iterable[int]) -> None:
    backends.current().delete(kind, list(object_ids))


def update_access(obj: Any, subject: str) -> None:
    """A record's owner, assignee, team or confidentiality changed: its comments and
    documents follow."""
    backends.current().update_access(
        subject,
        obj.pk,
        owner_id=getattr(obj, "owner_id", None),
        assignee_id=getattr(obj, "assignee_id", None),
        team_id=getattr(obj, "team_id", None),
        confidential=bool(getattr(obj, "is_confidential", False)),
    )


def index_document(attachment: Any, texts: list[str]) -> None:
    """The entries of one document: chunk 0 carries the file name (and the first text),
    the others the rest of the text."""
    source = sources()["document"]
    rows = []
    for number, text in enumerate(texts or [""]):
        row = build_row(source, attachment, set(), chunk=number, text=text)
        if row is not None:
            rows.append(row)
    replace("document", [attachment.pk], rows)


# --- Rebuild -------------------------------------------------------------------------


def _batches(source: Source) -> Iterator[list[Any]]:
    queryset = _queryset(source).order_by("pk")
    last = 0
    while True:
        batch = list(queryset.filter(pk__gt=last)[:BATCH])
        if not batch:
            return
        yield batch
        last = batch[-1].pk


def rebuild_counts() -> dict[str, int]:
    return {kind: s.model._default_manager.count() for kind, s in sources().items()}


def rebuild(progress: Callable[[str, int], None] | None = None) -> dict[str, int]:
    """Re-create every entry. Documents keep their extracted text: their chunks are
    rebuilt from the stored text only by ``perno search extract``. Returns the number of
    entries per kind. Safe while users work:

    - PostgreSQL builds a new table and swaps it in (``PostgresBackend.rebuild_start``):
      edits made meanwhile go to the live index and are carried over at the swap;
    - SQLite replaces the entries batch by batch, each batch in its own transaction with
      its records locked, so an edit made meanwhile is not overwritten by stale text.
    """
    hidden = confidential_fields()
    done: dict[str, int] = {}
    words: set[str] = set()
    backend = backends.current()
    # Each batch's new words join the vocabulary before the next batch, not at the end:
    # typo tolerance needs them (a vocabulary that lost words has them back at once).
    known = backend.vocabulary_words()
    if backend.swaps:
        backend.rebuild_start()
    else:
        with transaction.atomic():
            backend.delete_orphans()
    manual: list[str] = []
    for kind, source in sources().items():
        if source.manual:
            manual.append(kind)
            done[kind] = backend.count(kind)
            continue
        done[kind] = 0
        for batch in _batches(source):
            if backend.swaps:
                rows = build_rows(source, batch, hidden.get(kind, set()))
                backend.rebuild_insert(rows)
            else:
                with transaction.atomic():
                    ids = [obj.pk for obj in batch]
                    locked = set(
                        source.model._default_manager.select_for_update()
                        .filter(pk__in=ids)
                        .values_list("pk", flat=True)
                    )
                    rows = build_rows(
                        source, [o for o in batch if o.pk in locked], hidden.get(kind, set())
                    )
                    backend.delete(kind, ids, prune=False)
                    backend.insert(rows, vocabulary=False)
            batch_words = {w for row in rows for w in row.words()}
            if batch_words - known:
                with transaction.atomic():
                    backend.add_words(batch_words - known)
                known |= batch_words
            words |= batch_words
            done[kind] += len(rows)
            if progress:
                progress(kind, len(batch))
        if not backend.swaps:
            with transaction.atomic():
                backend.delete_missing(kind, source.model._meta.db_table)
    if backend.swaps:
        backend.rebuild_finish(manual)
    with transaction.atomic():
        backend.refresh_vocabulary(words)
    backend.analyze()
    return done


def build_rows(source: Source, objects: list[Any], hidden: set[str]) -> list[Row]:
    """The index rows of many objects of ``source`` (their tags read in one query): the
    same rows ``build_row`` makes one by one."""
    tags = tag_columns(source, [obj.pk for obj in objects])
    return [
        row
        for obj in objects
        for row in [build_row(source, obj, hidden, tags=tags.get(obj.pk, ""))]
        if row is not None
    ]
