"""The search through the engine, the API and the pages, on the test database (SQLite
or PostgreSQL: the same tests run on both)."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from perno.activities.services import comment_create
from perno.contacts.services import (
    company_create,
    company_update,
    contact_create,
    contact_delete,
    contact_update,
)
from perno.search import backends, engine, history
from perno.search.indexer import rebuild
from perno.search.models import SavedSearch, SearchEntry, SearchState, SearchVisit, SearchWord

pytestmark = pytest.mark.django_db


def titles(user: Any, query: str, **kw: Any) -> list[str]:
    return [hit.title for hit in engine.search(user, query, **kw).hits]


@pytest.fixture
def boss(admin_user: Any) -> Any:
    return admin_user


@pytest.fixture
def people(boss: Any) -> dict[str, Any]:
    return {
        "stefan_cedilla": contact_create(
            actor=boss, data={"first_name": "Ştefan", "last_name": "Popescu"}
        ),
        "stefan_comma": contact_create(
            actor=boss, data={"first_name": "Ștefan", "last_name": "Ionescu"}
        ),
        "stefan_plain": contact_create(
            actor=boss, data={"first_name": "Stefan", "last_name": "Marinescu"}
        ),
        "muller": contact_create(
            actor=boss,
            data={
                "first_name": "Jürgen",
                "last_name": "Müller",
                "email": "j.mueller@brauhaus-verona.it",
                "phone": "+390458001234",
                "notes": "Incontro a Bucureşti per la fornitura di barriques",
            },
        ),
        "rossi": contact_create(
            actor=boss,
            data={
                "first_name": "Giovanna",
                "last_name": "Rossini",
                "mobile": "+40722123456",
                "job_title": "Responsabile acquisti",
            },
        ),
        "vat": company_create(
            actor=boss, data={"name": "Trasporti Adriatici", "vat_number": "IT00743110157"}
        ),
    }


def test_accents_and_case_are_ignored_both_ways(boss, people):
    for typed in ("stefan", "ştefan", "ștefan", "STEFAN", "Ştefan"):
        assert {"Ştefan Popescu", "Ștefan Ionescu", "Stefan Marinescu"} <= set(
            titles(boss, typed)
        ), typed
    assert titles(boss, "muller") == ["Jürgen Müller"]
    assert titles(boss, "Müller") == ["Jürgen Müller"]
    assert titles(boss, "bucuresti") == ["Jürgen Müller"]  # inside the notes


@pytest.mark.parametrize(
    ("typed", "typos"),
    [
        ("rosisni", 2),  # transposition + … at 7 letters: two typos allowed
        ("rossinj", 1),  # substitution
        ("rosini", 1),  # deletion
        ("rosssini", 1),  # insertion
        ("rsosini", 1),  # transposition
        ("mulelr", 1),  # transposition at 6 letters
    ],
)
def test_typos_within_the_budget(boss, people, typed, typos):
    found = engine.search(boss, typed)
    assert found.hits, typed
    assert found.hits[0].title in {"Giovanna Rossini", "Jürgen Müller"}
    assert found.hits[0].tier <= 1 + typos  # tiers: whole, start, one typo, two typos


def test_no_typo_below_four_letters_and_at_most_two(boss, people):
    assert titles(boss, "rsi") == []  # 3 letters: exact only
    assert titles(boss, "rxsxnx") == []  # three substitutions in 6 letters


def test_last_word_is_a_prefix_while_typing(boss, people):
    assert titles(boss, "giovanna ross") == ["Giovanna Rossini"]
    assert titles(boss, "giovanna rosi") == ["Giovanna Rossini"]  # typo'd start
    assert titles(boss, "giovanna ross ") == []  # a finished word is whole


@pytest.mark.parametrize("broad", [False, True], ids=["ranked", "buckets"])
def test_every_word_must_match_whichever_word_is_looked_up(boss, people, broad, monkeypatch):
    """On PostgreSQL only the rarest word is looked up in the index and the others are
    checked on its entries: each word still has to match, whichever is looked up."""
    if broad:
        monkeypatch.setattr(backends.base, "BROAD", 1)
    for first, last in [("Paulina", "Marinescu"), ("Paulina", "Dobre"), ("Maria", "Popa")]:
        contact_create(actor=boss, data={"first_name": first, "last_name": last})
    for _ in range(3):  # "paulina" more common than "marinescu"
        contact_create(actor=boss, data={"first_name": "Paulina", "last_name": "Vasile"})
    assert titles(boss, "paulina mar") == ["Paulina Marinescu"]
    assert titles(boss, "marinescu paul") == ["Paulina Marinescu"]
    assert titles(boss, "marinescu paulina") == ["Paulina Marinescu"]
    assert titles(boss, "paulina popa") == []
    assert sorted(titles(boss, "marinescu st")) == ["Stefan Marinescu"]


def starts_in_step() -> bool:
    """PostgreSQL: ``search_start`` holds exactly the title word starts of the entries
    (and some, when there are entries); SQLite has no such table."""
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM search_start s FULL JOIN (SELECT k, e.id "
            "FROM search_entry e, unnest(search_starts(e.tsv_head)) k) d "
            "ON d.k = s.start AND d.id = s.entry_id WHERE s.start IS NULL OR d.k IS NULL), "
            "(SELECT count(*) FROM search_start), (SELECT count(*) FROM search_entry)"
        )
        wrong, starts, entries = cursor.fetchone()
    return wrong == 0 and (starts > 0 or entries == 0)


@pytest.mark.parametrize("window", [5000, 2], ids=["walk", "walk-then-older"])
def test_short_word_starts_are_answered_newest_first(boss, monkeypatch, window):
    """Title buckets of a short word start walk the title word starts (PostgreSQL) and,
    past the window, read the older matches from GIN: the same order either way, and
    only titles with a word of that start."""
    monkeypatch.setattr(backends.base, "BROAD", 1)
    monkeypatch.setattr(backends.postgres, "WINDOW", window)
    made = [
        company_create(actor=boss, data={"name": name})
        for name in (
            "Marmi Veneti",  # oldest title match
            "Officina Bassi",
            "Alta Marea",  # a later word of the title
            "Nord Est",
        )
    ]
    by_mail = contact_create(
        actor=boss, data={"first_name": "Ugo", "last_name": "Neri", "email": "marmi@example.com"}
    )
    whole = company_create(actor=boss, data={"name": "Ma Costruzioni"})
    newest = company_create(actor=boss, data={"name": "Manifattura Sud"})
    hits = [h.id for h in engine.search(boss, "ma").hits]
    # The whole word first, then the titles newest first, then the e-mail's start.
    assert hits[:4] == [whole.pk, newest.pk, made[2].pk, made[0].pk]
    assert by_mail.pk in hits[4:]
    assert made[1].pk not in hits and made[3].pk not in hits
    hits = [h.id for h in engine.search(boss, "mar").hits]
    assert hits[:2] == [made[2].pk, made[0].pk]
    assert newest.pk not in hits
    # Four and five letters are starts of their own; a longer start is walked under its
    # first five letters, each title checked.
    later = company_create(actor=boss, data={"name": "Marmellate Sud"})
    walked = {typed: engine.search(boss, typed).hits for typed in ("marm", "marmel", "marmi")}
    assert [h.id for h in walked["marm"][:2]] == [later.pk, made[0].pk]
    assert walked["marmel"][0].id == later.pk
    assert made[0].pk not in [h.id for h in walked["marmel"]]
    assert walked["marmi"][0].id == made[0].pk
    # Found as title matches (a missing start would leave them to a later bucket, with
    # a lower score), as when ranked in one statement.
    monkeypatch.setattr(backends.base, "BROAD", 10**9)
    for typed, hits in walked.items():
        ranked = engine.search(boss, typed).hits
        assert [(h.id, h.score) for h in hits[:1]] == [(h.id, h.score) for h in ranked[:1]]
    assert starts_in_step()


def test_a_longer_prefix_of_many_titles_is_answered_bucket_by_bucket(boss, monkeypatch):
    """The planner gives a prefix its statistics do not know a floor estimate ("gian":
    1,261 estimated, 11,670 found at 1,000,000 entries), so for a user who sees most of
    the index (PostgreSQL) the title word starts are counted: a prefix of many titles
    walks them newest first instead of ranking every match in one statement."""
    monkeypatch.setattr(backends.base, "BROAD", 3)
    made = [
        contact_create(actor=boss, data={"first_name": "Gianni", "last_name": last})
        for last in ("Rossi", "Bianchi", "Verdi")
    ]
    if connection.vendor == "postgresql":
        # The planner's statistics are those of these entries, not those an earlier
        # test of this process left (ANALYZE is not rolled back): from those, "gian"
        # could be estimated at BROAD or more for the whole text and below it for the
        # titles, and the starts would be neither counted nor walked.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE search_entry")
    with CaptureQueriesContext(connection) as statements:
        hits = engine.search(boss, "gian", limit=2).hits
    assert [h.id for h in hits] == [made[2].pk, made[1].pk]  # the newest first
    if connection.vendor == "postgresql":
        assert any("FROM search_start" in q["sql"] for q in statements.captured_queries)


def test_a_typed_word_in_no_entry_is_not_looked_up(boss):
    """A typo'd word the vocabulary lacks finds its neighbours without the index being
    read for the word itself; a query with a word nothing is near finds nothing."""
    contact_create(actor=boss, data={"first_name": "Giovanna", "last_name": "Marinescu"})
    with CaptureQueriesContext(connection) as statements:
        found = titles(boss, "giovznna ma")
    assert found == ["Giovanna Marinescu"]
    # Only whether an entry holds it was asked.
    asked = [q["sql"] for q in statements.captured_queries if "giovznna" in q["sql"]]
    assert len(asked) == 1 and "EXISTS" in asked[0]
    with CaptureQueriesContext(connection) as statements:
        assert titles(boss, "qwxzyk ma") == []
    index = [q["sql"] for q in statements.captured_queries if "search_" in q["sql"]]
    # Only the vocabulary and whether an entry holds "qwxzyk" were asked.
    assert all("search_word" in sql or "EXISTS" in sql for sql in index)
    assert any("qwxzyk" in sql for sql in index)


def test_a_word_the_vocabulary_lost_is_still_found_whole(boss):
    """An entry saved while the last other entry with its word was deleted can hold a
    word the vocabulary pruned: the index itself is asked before the word is left out."""
    contact_create(actor=boss, data={"first_name": "Ottavio", "last_name": "Zanzibarre"})
    SearchWord.objects.filter(word="zanzibarre").delete()
    assert titles(boss, "zanzibarre") == ["Ottavio Zanzibarre"]
    assert titles(boss, "ottavio zanzibarre") == ["Ottavio Zanzibarre"]


def test_a_one_letter_last_word_puts_the_hits_with_that_initial_first(boss):
    for last in ["Bianchi", "Ștefănescu", "Verdi"]:
        contact_create(actor=boss, data={"first_name": "Giovanna", "last_name": last})
    everyone = {"Giovanna Bianchi", "Giovanna Ștefănescu", "Giovanna Verdi"}
    for initial, first in [("s", "Giovanna Ștefănescu"), ("b", "Giovanna Bianchi")]:
        found = titles(boss, f"giovanna {initial}")
        assert found[0] == first  # accents folded: "Ș" starts with "s"
        assert set(found) == everyone  # the others are only put after it


def test_identifiers_whole_and_by_parts(boss, people):
    assert titles(boss, "j.mueller@brauhaus-verona.it") == ["Jürgen Müller"]
    assert titles(boss, "brauhaus-verona.it") == ["Jürgen Müller"]
    for phone in ("+39 045 800 1234", "045 8001234", "0039 045 8001234", "8001234", "1234"):
        assert "Jürgen Müller" in titles(boss, phone), phone
    for phone in ("+40 722 123 456", "0722.123.456", "722123456", "123456"):
        assert "Giovanna Rossini" in titles(boss, phone), phone
    for vat in ("IT00743110157", "it 00743110157", "00743110157"):
        assert titles(boss, vat) == ["Trasporti Adriatici"], vat


@pytest.mark.parametrize("broad", [False, True], ids=["ranked", "buckets"])
def test_tiers_history_field_weight_whole_word_and_recency(boss, make_user, broad, monkeypatch):
    """The same order whether the query is ranked in one statement or, as queries with
    many matches are, bucket by bucket."""
    if broad:
        monkeypatch.setattr(backends.base, "BROAD", 1)
    exact = company_create(actor=boss, data={"name": "Ferrari Ricambi"})
    one_typo = company_create(actor=boss, data={"name": "Ferari Motori"})
    ranked = [h.id for h in engine.search(boss, "ferrari").hits]
    assert ranked.index(exact.pk) < ranked.index(one_typo.pk)  # exact before 1 typo

    body = company_create(actor=boss, data={"name": "Officina Nord", "notes": "cliente Brembo"})
    title = company_create(actor=boss, data={"name": "Brembo Freni"})
    assert [h.id for h in engine.search(boss, "brembo").hits] == [title.pk, body.pk]
    # Field before recency: the older title match, then identifiers, then the body.
    old_title = company_create(actor=boss, data={"name": "Lunaris Impianti"})
    ident = company_create(actor=boss, data={"name": "Sud Est", "email": "info@lunaris.it"})
    new_body = company_create(actor=boss, data={"name": "Officina Sud", "notes": "ex Lunaris"})
    for typed in ("lunaris", "lunaris "):
        assert [h.id for h in engine.search(boss, typed).hits] == [
            old_title.pk,
            ident.pk,
            new_body.pk,
        ]

    # Within a tier the user's own history comes first.
    history.record(boss.pk, "company", body.pk)
    assert [h.id for h in engine.search(boss, "brembo").hits] == [body.pk, title.pk]
    other = make_user("other", role="administrator")
    assert [h.id for h in engine.search(other, "brembo").hits] == [title.pk, body.pk]

    whole = company_create(actor=boss, data={"name": "Gamma"})
    longer = company_create(actor=boss, data={"name": "Gammaflex"})
    assert [h.id for h in engine.search(boss, "gamma").hits] == [whole.pk, longer.pk]

    first = company_create(actor=boss, data={"name": "Delta Uno"})
    second = company_create(actor=boss, data={"name": "Delta Due"})
    assert [h.id for h in engine.search(boss, "delta").hits] == [second.pk, first.pk]
    company_update(actor=boss, company=first, data={"notes": "x"}, expected_version=None)
    assert [h.id for h in engine.search(boss, "delta").hits] == [first.pk, second.pk]


def test_frecency_decays(boss):
    now = timezone.now()
    history.record(boss.pk, "company", 1, now=now - timedelta(days=60))
    for _ in range(3):
        history.record(boss.pk, "company", 1, now=now - timedelta(days=60))
    history.record(boss.pk, "company", 2, now=now)
    often_long_ago = SearchVisit.objects.get(object_id=1)
    once_today = SearchVisit.objects.get(object_id=2)
    assert often_long_ago.visits == 4
    assert once_today.rank > often_long_ago.rank  # 4 visits 60 days ago < 1 today


def test_opening_a_record_page_records_history_after_the_response(client, boss, people):

    client.force_login(boss)
    device = TOTPDevice.objects.create(user=boss, name="t", confirmed=True)
    session = client.session

    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    target = people["rossi"]
    response = client.get(target.get_absolute_url())
    assert response.status_code == 200
    visit = SearchVisit.objects.get(user=boss, kind="contact", object_id=target.pk)
    assert visit.visits == 1
    assert client.get("/contacts/999999/").status_code == 404
    assert SearchVisit.objects.filter(user=boss).count() == 1


def test_saved_record_is_findable_at_once_and_gone_when_deleted(boss):
    contact = contact_create(actor=boss, data={"first_name": "Ioana", "last_name": "Vlădescu"})
    assert titles(boss, "vladescu") == ["Ioana Vlădescu"]

    contact_update(
        actor=boss, contact=contact, data={"last_name": "Dobrescu"}, expected_version=None
    )
    assert titles(boss, "vladescu") == []
    assert titles(boss, "dobrescu") == ["Ioana Dobrescu"]
    contact_delete(actor=boss, contact=contact)
    assert titles(boss, "dobrescu") == []
    assert not SearchEntry.objects.filter(kind="contact", object_id=contact.pk).exists()
    # Its words leave the vocabulary (names are personal data).
    assert not SearchWord.objects.filter(word__in=["dobrescu", "vladescu"]).exists()


def test_a_failed_save_leaves_the_index_unchanged(boss):

    before = SearchEntry.objects.count()
    with pytest.raises(ValidationError):
        contact_create(actor=boss, data={"first_name": "Bad", "last_name": "", "email": "x"})
    assert SearchEntry.objects.count() == before


@pytest.mark.parametrize("bulk", [False, True], ids=["insert", "copy"])
def test_rebuild_recreates_the_same_index(boss, people, bulk, monkeypatch):
    """Also: rows written in bulk (COPY on PostgreSQL) are the same as rows inserted one
    by one, full-text vectors included."""

    def state() -> list[tuple[Any, ...]]:
        fields = ["kind", "object_id", "title", "subtitle", "body"]
        rows = sorted(SearchEntry.objects.values_list(*fields))
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT kind, object_id, tsv_head::text, tsv::text, tsv_all::text "
                    "FROM search_entry ORDER BY kind, object_id, chunk"
                )
                rows += cursor.fetchall()
        return rows

    monkeypatch.setattr(backends.postgres_write, "COPY_FROM", 1 if bulk else 10**9)
    before = state()
    SearchEntry.objects.filter(kind="contact").update(title="stale")
    SearchWord.objects.create(word="parolaorfana")  # held by no entry
    SearchWord.objects.filter(word="rossini").delete()  # held by an entry
    counts = rebuild()
    assert not SearchWord.objects.filter(word="parolaorfana").exists()
    assert SearchWord.objects.filter(word="rossini").exists()
    assert state() == before
    assert starts_in_step()
    assert counts["contact"] == 5 and counts["company"] == 1
    assert titles(boss, "muller") == ["Jürgen Müller"]


def test_rebuild_keeps_edits_made_while_it_runs(boss, people):
    """Records changed, deleted or created while the rebuild runs (here: right after the
    contacts were rebuilt) are found as they are now, on both databases."""

    done: list[str] = []

    def meanwhile(kind: str, count: int) -> None:
        if kind == "contact" and not done:
            done.append(kind)
            contact_update(
                actor=boss,
                contact=people["rossi"],
                data={"last_name": "Zaffirelli"},
                expected_version=None,
            )
            contact_delete(actor=boss, contact=people["stefan_plain"])
            contact_create(actor=boss, data={"first_name": "Nuovo", "last_name": "Arrivato"})

    rebuild(progress=meanwhile)
    assert done
    assert titles(boss, "zaffirelli") == ["Giovanna Zaffirelli"]
    assert titles(boss, "rossini") == []
    assert titles(boss, "marinescu") == []
    assert titles(boss, "arrivato") == ["Nuovo Arrivato"]
    assert titles(boss, "muller") == ["Jürgen Müller"]  # untouched records are there
    assert SearchEntry.objects.filter(kind="contact").count() == 5
    assert starts_in_step()
    # The swapped-in table keeps its title word starts in step from then on.
    contact_update(
        actor=boss, contact=people["rossi"], data={"last_name": "Quercioli"}, expected_version=None
    )
    contact_delete(actor=boss, contact=people["muller"])
    assert starts_in_step()
    assert titles(boss, "qu") == ["Giovanna Quercioli"]


def test_a_rebuild_gives_the_vocabulary_each_batch_words_before_going_on(boss, people):
    """A vocabulary that lost words (tables restored, say) has them back as soon as the
    batch with them is rebuilt, not at the end: typo tolerance needs them."""

    SearchWord.objects.all().delete()
    seen: dict[str, bool] = {}

    def after_batch(kind: str, count: int) -> None:
        seen.setdefault(kind, SearchWord.objects.filter(word="marinescu").exists())

    rebuild(progress=after_batch)
    assert seen["contact"]
    assert titles(boss, "marinescy") == ["Stefan Marinescu"]


@pytest.mark.django_db(transaction=True)
def test_a_rebuild_leaves_the_index_vacuumed(admin_user):
    """Outside a transaction the rebuild VACUUMs on PostgreSQL: a table filled by COPY
    has no page marked all-visible, so index-only walks would read the table too.
    (Whether VACUUM can mark the pages depends on other sessions' snapshots, so the
    test checks that it ran.)"""

    def vacuums() -> int:
        if connection.vendor != "postgresql":
            return 0
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT vacuum_count FROM pg_stat_user_tables WHERE relname = 'search_entry'"
            )
            return int(cursor.fetchone()[0])

    company_create(actor=admin_user, data={"name": "Vacuo Impianti"})
    before = vacuums()
    rebuild()
    assert titles(admin_user, "vacuo") == ["Vacuo Impianti"]
    assert starts_in_step()
    if connection.vendor == "postgresql":
        assert vacuums() > before


def test_owner_and_team_changes_follow_to_comments(boss, make_user):

    sales = make_user("seller", role="sales", team="Sud")
    company = company_create(actor=boss, data={"name": "Zanzibar Srl"})
    comment_create(actor=boss, target=company, body="parlato di zucchero di canna")
    assert titles(sales, "zucchero") == []
    company_update(actor=boss, company=company, data={"owner": sales}, expected_version=None)
    assert titles(sales, "zucchero") == ["parlato di zucchero di canna"]


def test_results_page_filters_sort_pagination_and_saved_searches(client, boss, login_verified):
    login_verified(client, boss)
    for n in range(25):
        company_create(actor=boss, data={"name": f"Pagina Azienda {n:02d}"})
    contact_create(actor=boss, data={"first_name": "Pagina", "last_name": "Contatto"})
    url = reverse("search:results")
    page1 = client.get(url, {"q": "pagina", "type": "company", "sort": "title"})
    body = page1.content.decode()
    assert "25 results" in body
    assert "Azienda 00" in body and "Azienda 19" in body
    assert "Azienda 20" not in body and "Contatto" not in body
    page2 = client.get(url, {"q": "pagina", "type": "company", "sort": "title", "page": 2})
    assert "Azienda 24" in page2.content.decode()
    response = client.post(
        reverse("search:saved_create"),
        {"name": "Aziende", "params": "q=pagina&type=company&sort=title"},
    )
    assert response.status_code == 302
    saved = SavedSearch.objects.get(user=boss)
    assert saved.query == "pagina" and saved.params == {"types": ["company"], "sort": "title"}
    again = client.post(
        reverse("search:saved_create"), {"name": "Aziende", "params": "q=x"}, follow=True
    )
    assert "already have a saved search called" in again.content.decode()
    empty = client.post(reverse("search:saved_create"), {"name": "", "params": "q=x"}, follow=True)
    assert "Give the search a name" in empty.content.decode()
    assert SavedSearch.objects.count() == 1
    listed = client.get(url).content.decode()
    assert "Aziende" in listed and "type=company" in listed
    client.post(reverse("search:saved_delete", args=[saved.pk]))
    assert not SavedSearch.objects.exists()
    bad_date = client.get(url, {"q": "pagina", "from": "31/12/2026"}).content.decode()
    assert "is not a date" in bad_date


def test_suggestions_are_grouped_by_type(client, boss, login_verified):
    login_verified(client, boss)
    company = company_create(actor=boss, data={"name": "Vinicola Marzemino"})
    contact_create(actor=boss, data={"first_name": "Marzia", "last_name": "Marzemino"})
    html = client.get(reverse("search:suggest"), {"q": "marz"}).content.decode()
    assert html.index("Companies") < html.index("Contacts")
    assert "<mark>Marzemino</mark>" in html and company.get_absolute_url() in html
    assert (
        "Type one more character"
        in client.get(reverse("search:suggest"), {"q": "m"}).content.decode()
    )


def test_api_search_and_suggest(api, user, make_user):
    contact_create(
        actor=user,
        data={"first_name": "Gianluca", "last_name": "Bertolini", "notes": "vuole il listino"},
    )
    response = api.get("/api/v1/search", data={"q": "bertolni", "limit": 5})
    assert response.status_code == 200
    data = response.json()
    assert data["total"] == 1 and data["counts"] == {"contact": 1}
    result = data["results"][0]
    assert set(result) == {"type", "id", "title", "subtitle", "snippet", "url", "score"}
    assert result["type"] == "contact" and result["title"] == "Gianluca Bertolini"
    listino = api.get("/api/v1/search", data={"q": "listino"}).json()["results"][0]
    assert "<mark>listino</mark>" in listino["snippet"]
    suggest = api.get("/api/v1/search/suggest", data={"q": "berto"}).json()
    assert suggest["groups"][0]["type"] == "contact"
    wrong = api.get("/api/v1/search", data={"q": "x", "types": "contact,planet"})
    assert wrong.status_code == 400
    assert "planet" in wrong.json()["errors"]["types"][0]
    assert api.get("/api/v1/search", data={"q": "x", "limit": 1000}).status_code in (400, 422)
    schema = api.get("/api/v1/openapi.json").json()
    assert "/api/v1/search" in schema["paths"] and "/api/v1/search/suggest" in schema["paths"]


BAD_INPUT = [
    "",
    " ",
    "a",
    "x" * 500,
    "ab " * 170,
    '"',
    "*",
    ":",
    "&",
    "|",
    "(",
    ")",
    "NEAR",
    "a OR b",
    'NEAR("a" "b")',
    "title:foo",
    "{title}: x",
    "'; DROP TABLE search_entry; --",
    "\\",
    "'",
    "!!!",
    "😀😀",
    "Ștefan 😀 Москва 東京",
    "%_%",
    "ab*",
    "-x",
    "^a",
    "+39",
    "00",
    "@",
    "a@b",
]


@pytest.mark.parametrize("typed", BAD_INPUT)
def test_bad_input_gives_a_normal_answer(api, user, typed):
    contact_create(actor=user, data={"first_name": "Near", "last_name": "Orlando"})
    engine.search(user, typed)
    engine.search(user, typed + " ")
    response = api.get("/api/v1/search", data={"q": typed})
    assert response.status_code == 200, response.content
    assert api.get("/api/v1/search/suggest", data={"q": typed}).status_code == 200


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(typed=st.text(max_size=80))
def test_any_text_gives_a_normal_answer(user, typed):
    started = time.perf_counter()
    found = engine.search(user, typed.replace("\x00", ""))
    assert isinstance(found.hits, list)
    assert time.perf_counter() - started >= 0  # it returns (no exception)


def test_history_expires_after_the_retention_period(boss, settings):
    settings.PERNO_SEARCH_HISTORY_DAYS = 30
    now = timezone.now()
    history.record(boss.pk, "company", 1, now=now - timedelta(days=31))
    history.record(boss.pk, "company", 2, now=now - timedelta(days=29))
    assert history.purge_expired(now=now) == 1
    assert list(SearchVisit.objects.values_list("object_id", flat=True)) == [2]


def test_typos_work_without_the_vocabulary_state_row(boss, people):
    """A flushed database (tests, a restore of some tables) has no generation row: the
    vocabulary still loads."""

    SearchState.objects.all().delete()
    assert titles(boss, "rossinni") == ["Giovanna Rossini"]  # 1 typo, from the vocabulary
