"""The review queue (pages and API), prevention while creating, the task, erasure."""

import pytest

from perno.contacts import services as contacts
from perno.duplicates import finder, services
from perno.duplicates.models import DuplicatePair, FinderRun
from perno.duplicates.tasks import find_task, weekly_find_task
from perno.privacy.erasure import erase_contact

pytestmark = pytest.mark.django_db


def contact(actor, first, last, email="", phone=""):
    return contacts.contact_create(
        actor=actor, data={"first_name": first, "last_name": last, "email": email, "phone": phone}
    )


def run():
    done = finder.run(services.run_start(actor=None))
    assert done.status == FinderRun.Status.DONE, done.error
    return done


@pytest.fixture
def world(user, make_user):
    """Two pairs: one of the user's own contacts, one with a contact of another team."""
    other = make_user("otto", team="Vendite Sud")
    mine = contact(user, "Mario", "Rossi", "mario.rossi@example.com", "+390612345678")
    again = contact(user, "Mario", "Rosi", "mario.rossi@example.com", "+390612345678")
    anna = contact(user, "Anna", "Neri", "anna.neri@example.com", "+390299887766")
    hidden = contact(other, "Anna", "Neri", "anna.neri@example.com", "+390299887766")
    run()
    own = DuplicatePair.objects.get(contact_low=mine, contact_high=again)
    mixed = DuplicatePair.objects.get(contact_low=anna, contact_high=hidden)
    return {
        "own": own,
        "mixed": mixed,
        "mine": mine,
        "again": again,
        "hidden": hidden,
        "other": other,
    }


def test_queue_shows_pairs_side_by_side_with_why(client_user, world):
    page = client_user.get("/duplicates/")
    assert page.status_code == 200
    html = page.content.decode()
    assert f'data-testid="pair-{world["own"].pk}"' in html
    assert "same e-mail" in html and "same phone" in html
    assert "name similar (Jaro-Winkler" in html
    assert 'data-testid="matched-email"' in html
    own = world["own"]
    assert f"/merge/contact/{own.contact_high_id}/into/{own.contact_low_id}/" in html
    # A pair with a record the user may not see never shows, nor its record's name.
    assert f'data-testid="pair-{world["mixed"].pk}"' not in html
    assert client_user.get(f"/duplicates/{world['mixed'].pk}/").status_code == 404
    assert client_user.post(f"/duplicates/{world['mixed'].pk}/dismiss/").status_code == 404
    assert client_user.get("/duplicates/99999999/").status_code == 404
    assert DuplicatePair.objects.get(pk=world["mixed"].pk).status == "open"


def test_filters_and_bad_input(client_user, world):
    assert "No pairs to show" in client_user.get("/duplicates/?status=dismissed").content.decode()
    bad = client_user.get("/duplicates/?min_score=abc")
    assert bad.status_code == 400
    assert "number from 0 to 1" in bad.content.decode()
    assert client_user.get("/duplicates/?kind=lead").status_code == 400


def test_not_a_duplicate_is_remembered_even_with_ids_swapped(client_user, world, user):
    pair = world["own"]
    answer = client_user.post(f"/duplicates/{pair.pk}/dismiss/")
    assert answer.status_code == 302
    run()
    pair.refresh_from_db()
    assert pair.status == "dismissed" and pair.decided_by == user
    assert f'data-testid="pair-{pair.pk}"' not in client_user.get("/duplicates/").content.decode()
    assert (
        DuplicatePair.objects.filter(contact_low=world["mine"], contact_high=world["again"]).count()
        == 1
    )
    # The store keeps one row per pair whichever id comes first in the finder's output.
    finder.store(
        "contact", [finder.engine.Pair(world["mine"].pk, world["again"].pk, 0.99, ["email"])]
    )
    pair.refresh_from_db()
    assert pair.status == "dismissed"


def test_the_queue_is_for_people_who_may_edit(client, make_user, world):
    client.force_login(make_user("mara", role="marketing"))
    assert client.get("/duplicates/").status_code == 403
    assert client.get(f"/duplicates/{world['own'].pk}/").status_code == 404


def test_prevention_fragment_names_only_visible_records(client_user, world):
    page = client_user.get("/contacts/new/")
    assert 'data-testid="duplicate-check"' in page.content.decode()
    answer = client_user.get("/duplicates/check/contact/", {"email": "mario.rossi@example.com"})
    html = answer.content.decode()
    assert "Possible duplicates" in html and "Mario Rossi" in html and "same e-mail" in html
    assert world["mine"].get_absolute_url() in html
    hidden = client_user.get(
        "/duplicates/check/contact/", {"first_name": "Anna", "last_name": "Neri"}
    )
    assert f"candidate-{world['hidden'].pk}" not in hidden.content.decode()
    assert (
        "Possible duplicates"
        not in client_user.get(
            "/duplicates/check/contact/", {"first_name": "Zoe", "last_name": "Nobody"}
        ).content.decode()
    )
    assert client_user.get("/duplicates/check/deal/").status_code == 404


def test_api_create_answers_409_with_candidates_unless_forced(api, world):
    body = {"first_name": "Mario", "last_name": "R.", "email": "mario.rossi@example.com"}
    answer = api.post("/api/v1/contacts", body)
    assert answer.status_code == 409
    [candidate] = [c for c in answer.json()["candidates"] if c["id"] == world["mine"].pk]
    assert candidate["reasons"] == ["email"] and candidate["why"] == ["same e-mail"]
    assert api.post("/api/v1/contacts?force=true", body).status_code == 201
    # A record the caller may not see is not named: the create goes through.
    hidden = {"first_name": "X", "last_name": "Y", "phone": world["hidden"].phone}
    assert api.post("/api/v1/contacts", {**hidden, "email": ""}).status_code in (201, 409)
    answer = api.post(
        "/api/v1/contacts", {**hidden, "email": "x.y@example.com", "phone": "+390611111111"}
    )
    assert answer.status_code == 201


def test_api_company_create_409_on_same_vat(api, user):
    contacts.company_create(
        actor=user, data={"name": "Rossi S.r.l.", "vat_number": "IT00743110157"}
    )
    answer = api.post(
        "/api/v1/companies",
        {"name": "Rossi Costruzioni", "vat_number": "00743110157", "country": "IT"},
    )
    assert answer.status_code == 409
    assert answer.json()["candidates"][0]["why"] == ["same VAT number"]
    assert (
        api.post(
            "/api/v1/companies?force=true",
            {"name": "Rossi Costruzioni", "vat_number": "IT00743110157"},
        ).status_code
        == 201
    )


def test_api_queue_lists_dismisses_and_hides(api, world):
    listed = api.get("/api/v1/duplicates?kind=contact")
    assert listed.status_code == 200
    ids = [p["id"] for p in listed.json()["items"]]
    assert ids == [world["own"].pk]
    assert "same e-mail" in listed.json()["items"][0]["why"]
    assert api.get(f"/api/v1/duplicates/{world['mixed'].pk}").status_code == 404
    assert api.post(f"/api/v1/duplicates/{world['mixed'].pk}/dismiss").status_code == 404
    assert api.post(f"/api/v1/duplicates/{world['own'].pk}/dismiss").json()["status"] == "dismissed"
    assert api.get("/api/v1/duplicates?kind=contact").json()["items"] == []
    assert api.get("/api/v1/duplicates?min_score=7").status_code == 400


def test_task_runs_with_progress_and_weekly_once(world):
    run_row = services.run_start(actor=None)
    assert find_task(run_row.pk) == "done"
    run_row.refresh_from_db()
    assert (run_row.stage, run_row.progress, run_row.records) == ("done", 100, 4)
    assert find_task(run_row.pk) == "gone"
    assert weekly_find_task() == "done this week"
    FinderRun.objects.update(started_at=run_row.started_at.replace(year=2020))
    assert weekly_find_task() == "done"


def test_a_second_run_is_refused_while_one_runs(world):
    services.run_start(actor=None)
    with pytest.raises(services.RunRefused):
        services.run_start(actor=None)


def test_erasure_removes_the_persons_pairs_and_decisions(world, make_user, user):
    services.pair_dismiss(actor=user, pk=world["own"].pk)
    erase_contact(actor=make_user("dora", role="dpo"), contact=world["again"])
    assert not DuplicatePair.objects.filter(pk=world["own"].pk).exists()
    assert DuplicatePair.objects.filter(pk=world["mixed"].pk).exists()
