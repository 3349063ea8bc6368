"""Search never leaks. For every role (the shipped ones and one per scope) the records of
the permission matrix's world (own, team, other team, confidential; six record types,
with comments and documents) are searched with exact words, word starts, typos and
typo'd starts, through the engine, the suggestions and the API. No query may return,
suggest or count a record the role may not see, and a confidential field is matched
only for roles that see confidential data. The expected visibility comes from the role
data (the matrix's reference), the counts from a superuser's view of the same query."""

from __future__ import annotations

import os

import pytest

from perno.accounts.services import token_create
from perno.records.confidential import confidential_fields_set
from perno.search import backends, engine
from tests.test_permission_matrix import (  # world_media: the shared world's files
    CATEGORIES,
    ROLES,
    World,
    may,
    shared_world,
    token,
    world_media,  # noqa: F401
)

pytestmark = pytest.mark.django_db

SECRET_WORD = "segretissimo"

world = shared_world(snapshot=False)


def variants(word: str) -> list[tuple[str, bool]]:
    """(query, a word start): the word (finished, and as typed), its start, one and two
    typos, a typo'd start. The last word is a word start unless followed by a space."""
    swapped = word[:3] + word[4] + word[3] + word[5:]
    return [
        (word + " ", False),
        (word, True),
        (word[:7], True),
        (swapped + " ", False),  # transposition
        (word[:4] + word[5:] + " ", False),  # deletion
        (word[:2] + "q" + word[3:6] + "z" + word[7:] + " ", False),  # two substitutions
        (swapped[:8], True),
    ]


def place(world: World) -> dict[tuple[str, int], tuple[str, str]]:
    """(type, id) of every indexed row → (subject whose rights govern it, category)."""
    where: dict[tuple[str, int], tuple[str, str]] = {}
    for subject, by_category in world.records.items():
        for category, record in by_category.items():
            where[(subject, record.pk)] = (subject, category)
    for key, subject in world.references.items():
        where[key] = (subject, "own")
    for category in CATEGORIES:
        where[("comment", world.comments[category].pk)] = ("contact", category)
        where[("document", world.attachments[category].pk)] = ("contact", category)
    return where


def everything(world: World, query: str) -> set[tuple[str, int]]:
    """What the superuser finds: the reference. Read once per world and query, on the
    first search path: each path must then agree with it (the test's edits before the
    searches are the same each time)."""
    if query not in world.search_reference:
        found = engine.search(world.root, query, limit=100)
        world.search_reference[query] = {(h.type, h.id) for h in found.hits}
    return world.search_reference[query]


# "scoped" is PostgreSQL's plan for users who see a small part of the index; SQLite has
# no such plan, so there it would repeat "buckets" exactly.
PATHS = {"ranked": "ranked", "buckets": "buckets", "scoped": "buckets-scoped"}
if os.environ.get("PERNO_TEST_DB", "sqlite") == "sqlite":
    del PATHS["scoped"]


@pytest.mark.parametrize("path", list(PATHS.values()), ids=list(PATHS))
@pytest.mark.parametrize("world", sorted(ROLES), indirect=True)
def test_no_query_returns_or_counts_what_the_role_may_not_see(world, path, client, monkeypatch):
    if path != "ranked":  # every query takes the path of queries with many matches
        monkeypatch.setattr(backends.base, "BROAD", 1)
    if path == "buckets-scoped":  # PostgreSQL: as if each user saw a small part
        monkeypatch.setattr(backends.postgres, "SCOPED", float("inf"))
    role = ROLES[world.role_code]
    for category, contact in world.records["contact"].items():
        contact.notes = f"{SECRET_WORD} {category}"
        contact.save()
    confidential_fields_set(actor=world.root, subject="contact", fields=["notes", "job_title"])
    where = place(world)

    secret_queries = {query for query, _start in variants(SECRET_WORD)}

    def allowed(key: tuple[str, int], query: str) -> bool:
        subject, category = where[key]
        if not may(role, subject, "view", category):
            return False
        # The secret word is only in the confidential notes field.
        return not (query in secret_queries and not role.get("see_confidential"))

    queries: list[tuple[str, bool]] = [("note ", False), ("mx", True)]
    for subject in world.records:
        for category in CATEGORIES:
            queries += variants(token(category, subject))
    queries += variants(SECRET_WORD)

    _token, clear = token_create(user=world.actor, name="leaks", scope="read")
    headers = {"Authorization": f"Bearer {clear}"}
    problems = []
    for query, start in queries:
        visible_to_root = everything(world, query)
        expected = {key for key in visible_to_root if key in where and allowed(key, query)}
        found = engine.search(world.actor, query, limit=100)
        got = {(h.type, h.id) for h in found.hits}
        if got - expected:
            problems.append(f"{query!r}: returned {sorted(got - expected)}")
        if found.total != len(got) or sum(found.by_kind.values()) != len(got):
            problems.append(f"{query!r}: counted {found.total} for {len(got)} results")
        if got != expected:
            problems.append(f"{query!r}: expected {sorted(expected)}, got {sorted(got)}")
        suggested = {
            (h.type, h.id) for _k, hits in engine.suggest(world.actor, query) for h in hits
        }
        if suggested - expected:
            problems.append(f"{query!r}: suggested {sorted(suggested - expected)}")
        if start or path != "ranked":  # the API's layer is the same on every engine
            continue  # path and for every kind of word
        answer = client.get("/api/v1/search", {"q": query, "limit": 100}, headers=headers).json()
        api_got = {(r["type"], r["id"]) for r in answer["results"]}
        if api_got != got or answer["total"] != len(got):
            problems.append(f"{query!r}: API returned {sorted(api_got)} total {answer['total']}")
        for result in answer["results"]:
            if SECRET_WORD in result["snippet"] + result["subtitle"] and not role.get(
                "see_confidential"
            ):
                problems.append(f"{query!r}: snippet shows the confidential field")
    assert problems == [], "\n".join(problems)


def test_the_reference_is_not_trivial():
    """Some roles see fewer records than a superuser, so the test above can fail."""
    sales = ROLES["sales"]
    assert not may(sales, "contact", "view", "other")
    assert may(sales, "contact", "view", "own")
    assert not ROLES["every-team"].get("see_confidential")
