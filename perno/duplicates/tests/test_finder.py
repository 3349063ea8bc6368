"""The finder on small data: planted duplicates are found with their reasons, distinct
people are not, and "not a duplicate" survives later runs."""

import pytest
from django.utils import translation

from perno.contacts import services as contacts
from perno.contacts.models import Address
from perno.duplicates import finder, services
from perno.duplicates.models import DuplicatePair, FinderRun

pytestmark = pytest.mark.django_db


def contact(actor, first, last, email="", phone="", city="", postcode=""):
    found = contacts.contact_create(
        actor=actor, data={"first_name": first, "last_name": last, "email": email, "phone": phone}
    )
    if city:
        Address.objects.create(contact=found, street="Via Roma 1", city=city, postal_code=postcode)
    return found


def company(actor, name, vat="", email="", website=""):
    return contacts.company_create(
        actor=actor, data={"name": name, "vat_number": vat, "email": email, "website": website}
    )


@pytest.fixture
def world(admin_user):
    a = contact(
        admin_user, "Mario", "Rossi", "mario.rossi@example.com", "+390612345678", "Roma", "00100"
    )
    b = contact(admin_user, "Mario", "Rosi", "mario.rossi@example.com", "", "Roma", "00100")
    c = contact(admin_user, "Rossi", "Mario", "", "+390612345678", "Roma", "00100")
    d = contact(
        admin_user, "Giulia", "Bianchi", "giulia@example.org", "+390298765432", "Milano", "20100"
    )
    e = contact(
        admin_user, "Luca", "Verdi", "luca.verdi@example.net", "+39055111222", "Firenze", "50100"
    )
    f = contact(
        admin_user, "Giulio", "Bianco", "g.bianco@example.com", "+390211223344", "Torino", "10100"
    )
    x = company(
        admin_user,
        "Rossi Costruzioni S.r.l.",
        "IT00743110157",
        "info@rossicostruzioni.it",
        "https://www.rossicostruzioni.it",
    )
    y = company(admin_user, "Rossi Costruzioni srl", "", "", "http://rossicostruzioni.it/chi-siamo")
    z = company(admin_user, "Bianchi Trasporti SpA", "", "info@bianchitrasporti.it", "")
    return {"a": a, "b": b, "c": c, "d": d, "e": e, "f": f, "x": x, "y": y, "z": z}


def run():
    return finder.run(services.run_start(actor=None))


def pairs(kind):
    low, high = f"{kind}_low_id", f"{kind}_high_id"
    return {
        (p[low], p[high]): p
        for p in DuplicatePair.objects.filter(kind=kind).values(
            low, high, "reasons", "score", "status"
        )
    }


def key(one, other):
    return (min(one.pk, other.pk), max(one.pk, other.pk))


def test_planted_duplicates_are_found_with_why_and_distinct_people_are_not(world):
    done = run()
    assert done.status == FinderRun.Status.DONE, done.error
    assert done.progress == 100 and done.records == 9
    found = pairs("contact")
    w = world
    # b and c (a typo in the last name, names swapped, nothing else in common) meet
    # only through a: no blocking rule brings them together, which is right.
    assert set(found) == {key(w["a"], w["b"]), key(w["a"], w["c"])}
    assert "email" in found[key(w["a"], w["b"])]["reasons"]
    assert "name_swapped" in found[key(w["a"], w["c"])]["reasons"]
    assert "phone" in found[key(w["a"], w["c"])]["reasons"]
    companies = pairs("company")
    assert set(companies) == {key(w["x"], w["y"])}
    assert {"name", "domain"} <= set(companies[key(w["x"], w["y"])]["reasons"])


def test_not_a_duplicate_is_remembered_across_runs(world, admin_user):
    run()
    pair = DuplicatePair.objects.get(
        kind="contact",
        contact_low=min(world["a"].pk, world["b"].pk),
        contact_high=max(world["a"].pk, world["b"].pk),
    )
    services.pair_dismiss(actor=admin_user, pk=pair.pk)
    run()
    run()
    again = DuplicatePair.objects.filter(
        kind="contact", contact_low=pair.contact_low_id, contact_high=pair.contact_high_id
    )
    assert [p.status for p in again] == [DuplicatePair.Status.DISMISSED]
    assert DuplicatePair.objects.filter(kind="contact", status="open").count() == 1


def test_a_run_that_fails_while_storing_leaves_both_queues_as_they_were(world, monkeypatch):
    run()
    before = {kind: pairs(kind) for kind in ("contact", "company")}
    DuplicatePair.objects.filter(kind="contact").update(score=0.5)  # as the last run left it
    stored = finder.store

    def failing(kind, found):
        if kind == "company":
            raise RuntimeError("disk full")
        return stored(kind, found)

    monkeypatch.setattr(finder, "store", failing)
    done = run()
    assert done.status == FinderRun.Status.FAILED and done.error == "RuntimeError"
    # The contact pairs were not rescored either: the run stored nothing.
    assert set(pairs("contact")) == set(before["contact"])
    assert {p["score"] for p in pairs("contact").values()} == {0.5}
    assert pairs("company") == before["company"]


def test_the_stage_is_told_in_words_in_the_users_language():
    running = FinderRun(stage="contact:score")
    assert running.stage_label == "contacts: scoring pairs"
    assert FinderRun(stage="store").stage_label == "updating the queue"
    with translation.override("it"):
        assert running.stage_label != "contacts: scoring pairs"
