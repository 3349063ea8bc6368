"""The bulk indexing path (``indexer.reindex``, ``indexer.rebuild``, the seed) builds the
same index as saving the records one by one (``indexing.saved``): the same entries,
tokens and vectors, title word starts, vocabulary and search results, on both
databases."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from perno.accounts.models import ConfidentialField
from perno.activities.models import Comment
from perno.contacts.models import Contact
from perno.contacts.services import contact_update
from perno.records.models import Tag
from perno.search import backends, engine, indexer, indexing
from perno.search.models import SearchEntry, SearchWord
from perno.search.registry import sources
from perno.seed.generator import seed

pytestmark = pytest.mark.django_db

QUERIES = ["ross", "direttore", "example", "3934", "consulenza", "marco", "srl", "milan"]


def index_state(user: Any) -> dict[str, Any]:
    """Everything the index holds, without the entry ids (which differ by design, and
    with them the order of equally ranked results, newest entry first)."""
    columns = [f.attname for f in SearchEntry._meta.concrete_fields if f.attname not in ("id",)]
    state: dict[str, Any] = {
        "entries": sorted(SearchEntry.objects.values_list(*columns)),
        "words": set(SearchWord.objects.values_list("word", flat=True)),
        "results": {
            q: sorted((h.type, h.id, h.tier) for h in engine.search(user, q).hits) for q in QUERIES
        },
    }
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT kind, object_id, chunk, tsv_head::text, tsv::text, tsv_all::text "
                "FROM search_entry ORDER BY kind, object_id, chunk"
            )
            state["vectors"] = cursor.fetchall()
            cursor.execute(
                "SELECT s.start, e.kind, e.object_id FROM search_start s "
                "JOIN search_entry e ON e.id = s.entry_id ORDER BY 1, 2, 3"
            )
            state["starts"] = cursor.fetchall()
            cursor.execute("SELECT count(*) FROM search_start")
            state["start_rows"] = cursor.fetchone()[0]
        else:
            cursor.execute(
                "SELECT e.kind, e.object_id, e.chunk, f.title, f.ident, f.body, f.secret "
                "FROM search_entry e JOIN search_fts f ON f.rowid = e.id "
                "ORDER BY e.kind, e.object_id, e.chunk"
            )
            state["vectors"] = cursor.fetchall()
            cursor.execute("SELECT count(*) FROM search_fts")
            state["start_rows"] = cursor.fetchone()[0]
    return state


def records() -> dict[str, list[Any]]:
    return {
        kind: list(source.model._default_manager.order_by("pk"))
        for kind, source in sources().items()
        if not source.manual
    }


def unindex_everything() -> None:
    for kind, objects in records().items():
        indexer.unindex(kind, [obj.pk for obj in objects])
    assert not SearchEntry.objects.exists()
    assert not SearchWord.objects.exists()


def one_by_one() -> None:
    unindex_everything()
    for objects in records().values():
        for obj in objects:
            indexing.saved(obj)


def in_bulk() -> None:
    unindex_everything()
    for kind, objects in records().items():
        indexer.reindex(kind, [obj.pk for obj in objects])


@pytest.fixture
def corpus(admin_user: Any) -> Any:
    """Seeded records of every indexed type, some tagged, a confidential field, a
    confidential record, custom fields, comments on records."""
    seed(
        companies=6,
        contacts=12,
        deals=6,
        activities=8,
        comments=8,
        seed_value=7,
        users=[admin_user],
        index=False,
    )
    ConfidentialField.objects.create(subject="contact", field="job_title")
    tags = [Tag.objects.create(name=name) for name in ("vip", "fiera", "estero")]
    for number, contact in enumerate(Contact.objects.order_by("pk")[:6]):
        contact.tags.set(tags[: number % 3 + 1])
    first = Contact.objects.order_by("pk").first()
    assert first is not None
    Contact.objects.filter(pk=first.pk).update(is_confidential=True)
    last = Contact.objects.order_by("pk").last()
    assert last is not None
    contact_update(
        actor=admin_user,
        contact=last,
        data={"notes": "Ordine ORD-2026-0042, P.IVA IT00743110157", "job_title": "Consulenza"},
        expected_version=None,
    )
    assert Comment.objects.exists()
    return admin_user


@pytest.mark.parametrize("batch", [2, 2000], ids=["small-batches", "one-batch"])
def test_bulk_index_equals_the_one_built_record_by_record(corpus, batch, monkeypatch):
    """COPY is used from the first row on PostgreSQL, and small batches cross their
    boundaries, so every bulk step is compared."""
    monkeypatch.setattr(backends.postgres_write, "COPY_FROM", 1)
    monkeypatch.setattr(indexer, "BATCH", batch)
    one_by_one()
    expected = index_state(corpus)
    assert expected["entries"] and expected["words"] and expected["start_rows"]
    assert any(row[3] for row in expected["vectors"])  # a contact's job title is secret
    assert any(entry for entry in expected["entries"] if "|" in str(entry))  # tags

    in_bulk()
    assert index_state(corpus) == expected
    indexer.rebuild()
    assert index_state(corpus) == expected


def test_the_seed_indexes_through_the_bulk_path(admin_user):
    seed(companies=4, contacts=8, deals=4, activities=4, comments=4, users=[admin_user])
    seeded = index_state(admin_user)
    assert seeded["entries"]
    one_by_one()
    assert index_state(admin_user) == seeded


def test_reindex_carries_access_to_comments_in_one_go(corpus):
    """A bulk reindex after an owner change moves the comments' access columns with it
    (one statement for the batch, not one per record)."""
    in_bulk()
    comment = Comment.objects.exclude(contact=None).first()
    assert comment is not None
    contact = comment.contact
    Contact.objects.filter(pk=contact.pk).update(owner=None, team=None, is_confidential=True)
    indexer.reindex("contact", [contact.pk])
    entry = SearchEntry.objects.get(kind="comment", object_id=comment.pk)
    assert (entry.owner_id, entry.team_id, entry.confidential) == (None, None, True)
    assert entry.subject == "contact" and entry.subject_id == contact.pk


def test_reindex_of_nothing_or_missing_records_is_harmless(corpus):
    before = SearchEntry.objects.count()
    indexer.reindex("contact", [])
    indexer.reindex("contact", [10**9, 10**9 + 1])
    assert SearchEntry.objects.count() == before
