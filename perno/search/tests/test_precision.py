"""Search precision (issue 19, point 6), on both databases: the last word is a word start
on the results page as in the suggestions, and the tiers (whole words, word starts, typos)
never mix: typo matches are added only when the matches without typos do not fill the
page, under the same access condition, with counts and pages that agree."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from perno.contacts.services import contact_create
from perno.search import backends, engine, history

pytestmark = pytest.mark.django_db

PATHS = ["ranked", "buckets", "buckets-scoped"]


@pytest.fixture(params=PATHS)
def path(request: Any, monkeypatch: Any) -> str:
    """Every query ranked in one statement, or bucket by bucket as queries with many
    matches are (PostgreSQL: also as for a user who sees a small part of the index)."""
    if request.param != "ranked":
        monkeypatch.setattr(backends.base, "BROAD", 1)
    if request.param == "buckets-scoped":
        monkeypatch.setattr(backends.postgres, "SCOPED", float("inf"))
    return str(request.param)


def last_names(found: engine.Results) -> list[str]:
    return [hit.title.split()[-1] for hit in found.hits]


def people(actor: Any, last_name: str, count: int) -> list[Any]:
    return [
        contact_create(actor=actor, data={"first_name": f"Nume{n:02d}", "last_name": last_name})
        for n in range(count)
    ]


def test_the_last_word_is_a_word_start_on_the_results_page_and_in_suggestions(
    client, admin_user, login_verified, api, user
):
    login_verified(client, admin_user)
    contact_create(actor=admin_user, data={"first_name": "Anthony", "last_name": "Scaramucci"})
    contact_create(actor=user, data={"first_name": "Paola", "last_name": "Scaramuzza"})
    for typed in ("Scaram", "scaramu", "anthony scaram"):
        page = client.get(reverse("search:results"), {"q": typed}).content.decode()
        assert "<mark>Scaramucci</mark>" in page, typed
        suggested = client.get(reverse("search:suggest"), {"q": typed}).content.decode()
        assert "<mark>Scaramucci</mark>" in suggested, typed
    one = client.get(reverse("search:results"), {"q": "anthony scaram"}).content.decode()
    assert ">1 result<" in one
    # The API's full search is the results page's.
    answer = api.get("/api/v1/search", data={"q": "Scaram"}).json()
    assert [r["title"] for r in answer["results"]] == ["Paola Scaramuzza"]  # what giulia sees
    assert answer["total"] == 1
    # A word followed by a space is finished: whole words only.
    assert engine.search(admin_user, "Scaram ").hits == []
    assert [h.title for h in engine.search(admin_user, "Scaramucci ").hits] == [
        "Anthony Scaramucci"
    ]


def test_typo_matches_never_crowd_out_exact_ones(admin_user, path):
    popescu = people(admin_user, "Popescu", 25)
    people(admin_user, "Tomescu", 2)  # two typos from "popescu"
    people(admin_user, "Ionescu", 2)
    people(admin_user, "Popescuță", 1)  # a longer word: a word start of "popescu"
    history.record(admin_user.pk, "contact", popescu[0].pk)
    page1 = engine.search(admin_user, "Popescu", limit=20)
    page2 = engine.search(admin_user, "Popescu", limit=20, offset=20)
    assert last_names(page1) == ["Popescu"] * 20
    # Whole words before word starts, and no typo match on any page: 26 without typos
    # fill the 20-result page.
    assert last_names(page2) == ["Popescu"] * 5 + ["Popescuță"]
    assert page1.total == page2.total == 26 and page1.by_kind == {"contact": 26}
    assert page1.hits[0].id == popescu[0].pk  # the user's history within the tier
    assert {h.id for h in page1.hits + page2.hits} >= {p.pk for p in popescu}
    for sort in ("recent", "title"):
        everything = engine.search(admin_user, "Popescu", sort=sort, limit=20, offset=0)
        rest = engine.search(admin_user, "Popescu", sort=sort, limit=20, offset=20)
        assert set(last_names(everything) + last_names(rest)) == {"Popescu", "Popescuță"}
    # The suggestions (10 a page) likewise, and a finished word has no word starts.
    suggested = [h for _kind, hits in engine.suggest(admin_user, "popescu") for h in hits]
    assert [h.title.split()[-1] for h in suggested] == ["Popescu"] * 10
    finished = engine.search(admin_user, "popescu ", limit=20)
    assert last_names(finished) == ["Popescu"] * 20 and finished.total == 25
    assert last_names(engine.search(admin_user, "popescu ", offset=20)) == ["Popescu"] * 5


def test_typo_matches_follow_all_exact_ones_when_the_page_has_room(admin_user, path):
    people(admin_user, "Popescu", 12)
    people(admin_user, "Tomescu", 2)
    people(admin_user, "Ionescu", 2)
    found = engine.search(admin_user, "Popescu", limit=20)
    names = last_names(found)
    assert names[:12] == ["Popescu"] * 12
    assert sorted(names[12:]) == ["Ionescu", "Ionescu", "Tomescu", "Tomescu"]
    assert [h.tier for h in found.hits] == [0] * 12 + [3] * 4  # whole, then two typos
    assert found.total == 16 and found.by_kind == {"contact": 16}
    # Sorted by last change too, the typo matches (the newest here) come after.
    for sort in ("recent", "title"):
        listed = engine.search(admin_user, "Popescu", sort=sort, limit=20)
        assert last_names(listed)[:12] == ["Popescu"] * 12, sort
        assert listed.total == 16 and len(listed.hits) == 16, sort
    recent = engine.search(admin_user, "Popescu", sort="recent", limit=14, offset=10)
    assert last_names(recent) == ["Popescu"] * 2 + ["Ionescu"] * 2 + ["Tomescu"] * 2
    # A page of 10 is filled by the twelve without typos: the typos are not added, and
    # the count says so.
    small = engine.search(admin_user, "Popescu", limit=10)
    assert last_names(small) == ["Popescu"] * 10 and small.total == 12
    assert last_names(engine.search(admin_user, "Popescu", limit=10, offset=10)) == ["Popescu"] * 2


def test_typos_still_find_when_nothing_matches_exactly(admin_user, path):
    people(admin_user, "Popescu", 3)
    people(admin_user, "Marinescu", 1)
    for typed in ("Popesku", "popesku ", "Popscu", "Ppoescu"):
        found = engine.search(admin_user, typed)
        assert last_names(found) == ["Popescu"] * 3, typed
        assert found.total == 3 and all(h.tier >= 2 for h in found.hits), typed
    suggested = [h for _kind, hits in engine.suggest(admin_user, "Popesk") for h in hits]
    assert [h.title.split()[-1] for h in suggested] == ["Popescu"] * 3


def test_every_tier_keeps_the_access_rules(admin_user, user, make_user, path):
    """Another team's Popescus are not shown, not counted, and do not keep the typo
    matches the user may see from being added (the threshold counts what the user may
    see)."""
    stranger = make_user("stranger", team="Vendite Sud")
    people(stranger, "Popescu", 25)
    people(stranger, "Tomescu", 1)
    mine = people(user, "Tomescu", 1) + people(user, "Popesculeanu", 1)
    for typed in ("Popescu", "popescu ", "Popesku"):
        found = engine.search(user, typed, limit=20)
        assert {h.id for h in found.hits} <= {m.pk for m in mine}, typed
        assert found.total == len(found.hits) and sum(found.by_kind.values()) == found.total
    assert last_names(engine.search(user, "Popescu")) == ["Popesculeanu", "Tomescu"]
    assert last_names(engine.search(user, "popescu ")) == ["Tomescu"]
    assert engine.search(admin_user, "Popescu", limit=20).total == 26  # no typos for him


def test_pages_of_a_one_letter_last_word_are_slices_of_one_list(admin_user):
    """ "Giovanna b" puts the hits with a word starting with "b" first among the first
    pages (the results page now answers a last word as a word start as well): the pages
    never repeat or lose a hit, and the count is the whole list's."""
    # The newest ten (the reordered window of pages of two) hold the four Bianchi.
    lasts = [f"Verdi{c}" for c in "abcd"] + [f"Bianchi{c}" for c in "abcd"]
    made = {
        contact_create(actor=admin_user, data={"first_name": "Giovanna", "last_name": last}).pk
        for last in lasts + [f"Verdi{c}" for c in "efghij"]
    }
    pages = [engine.search(admin_user, "giovanna b", limit=2, offset=o) for o in range(0, 16, 2)]
    listed = [h.id for page in pages for h in page.hits]
    assert sorted(listed) == sorted(made)
    assert all(page.total == 14 for page in pages)
    firsts = [h.title.split()[-1] for h in pages[0].hits + pages[1].hits]
    assert sorted(firsts) == [f"Bianchi{c}" for c in "abcd"]
