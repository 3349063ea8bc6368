"""Requests that really race: each in its own thread with its own database connection,
on committed data (transactional tests), on both engines.

- The same unique value created by two requests at once: one is created, the other gets
  409 naming the field; never a 500. A barrier holds both requests after their unique
  check and before their write, so both pass the check and the database's constraint
  decides (on SQLite, where a service checks inside its write transaction, writers are
  serialised and the check itself finds the value: 409 too).
- A PATCH racing a DELETE of one record: 404 or 409, never a 500 or a deadlock, whichever
  of the two takes the record first (the audit chain's lock and the row lock are taken in
  one order, ``audit.trail.lock_chain``)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any
from unittest.mock import ANY

import pytest
from django.db import IntegrityError, close_old_connections, connection, transaction
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from perno.accounts.models import Team, User
from perno.accounts.services import roles_ensure_defaults, token_create, user_create
from perno.contacts import services as contact_services
from perno.contacts.models import Company, Contact
from perno.contacts.services import company_create, contact_create
from perno.core.integrity import ConflictMiddleware
from perno.sales.models import Order, Product

RACING = pytest.mark.django_db(transaction=True)

JOIN_SECONDS = 120  # a deadlock would hold the threads: fail rather than hang


@pytest.fixture
def admin_api(transactional_db: Any) -> dict[str, Any]:
    roles_ensure_defaults()
    admin = user_create(
        username="racer",
        password="probe-passphrase-2026",
        roles=["administrator"],
        email="racer@example.com",
    )
    TOTPDevice.objects.create(user=admin, name="race", confirmed=True)
    _token, clear = token_create(user=admin, name="race", scope="write")
    return {"user": admin, "headers": {"Authorization": f"Bearer {clear}"}}


def race(*calls: Callable[[Client], Any]) -> list[Any]:
    """Run each call in its own thread (own client, own connection) and return what each
    answered, in order."""
    results: list[Any] = [None] * len(calls)
    errors: list[BaseException] = []

    def run(index: int, call: Callable[[Client], Any]) -> None:
        try:
            results[index] = call(Client(raise_request_exception=False))
        except BaseException as exc:  # reported by the test below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(JOIN_SECONDS)
    assert not any(t.is_alive() for t in threads), "the requests deadlocked"
    assert errors == []
    close_old_connections()
    return results


def hold_after_check(monkeypatch: Any, model: type, parties: int = 2) -> threading.Barrier:
    """Both requests wait for each other right after ``full_clean`` (the unique check) of
    ``model``, so both pass it before either writes. A check made inside the write
    transaction is not held: the service has already taken the audit chain (PostgreSQL)
    or the database (SQLite), so the other writer waits for its commit and its own check
    finds the value."""
    barrier = threading.Barrier(parties)
    original = model.full_clean

    def full_clean(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        if not connection.in_atomic_block:
            barrier.wait(JOIN_SECONDS)

    monkeypatch.setattr(model, "full_clean", full_clean)
    return barrier


def post(path: str, body: dict[str, Any], headers: dict[str, str]) -> Callable[[Client], Any]:
    return lambda client: client.post(path, body, content_type="application/json", headers=headers)


def one_created_one_conflict(responses: list[Any], field: str) -> dict[str, Any]:
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201, 409], [r.content for r in responses]
    conflict = next(r for r in responses if r.status_code == 409).json()
    assert list(conflict["errors"]) == [field], conflict
    assert conflict["message"]
    return conflict


PASSWORD = "Tramonto-azzurro-sul-lago-2026"
CASES = {
    "product SKU": (
        Product,
        "/api/v1/products",
        "sku",
        lambda n: {"name": n, "sku": "SKU-RACE", "unit_price": "10"},
    ),
    "order number": (
        Order,
        "/api/v1/orders",
        "number",
        lambda n, buyer: {
            "number": "RACE-1",
            "contact_id": buyer,
            "ordered_on": "2026-02-02",
            "total": "5",
        },
    ),
    "user name": (
        User,
        "/api/v1/users",
        "username",
        lambda n: {"username": "racing", "password": PASSWORD, "roles": ["sales"]},
    ),
    "team name": (Team, "/api/v1/teams", "name", lambda n: {"name": "Racing team"}),
}


@RACING
def test_a_unique_value_created_concurrently_is_a_conflict_naming_the_field(admin_api, monkeypatch):
    """SKU, order number, user name and team name (one transactional test: each flush of
    the database costs seconds)."""
    buyer = contact_create(
        actor=admin_api["user"], data={"first_name": "Ada", "last_name": "Racing"}
    )
    for case, (model, path, field, body) in CASES.items():
        before = model.objects.count()
        with monkeypatch.context() as patched:
            hold_after_check(patched, model)
            bodies = [
                body(n, buyer.pk) if case == "order number" else body(n)
                for n in ("first", "second")
            ]
            responses = race(*(post(path, b, admin_api["headers"]) for b in bodies))
        conflict = one_created_one_conflict(responses, field)
        assert model.objects.count() == before + 1, case
        if model in (User, Team):  # checked outside the write: the constraint decided
            assert conflict["message"].startswith("Another"), conflict


def test_the_same_company_twice_in_one_request_is_a_bad_request(api, user):
    company = company_create(actor=user, data={"name": "Twice S.r.l."})
    response = api.post(
        "/api/v1/contacts",
        {
            "first_name": "Bea",
            "last_name": "Twice",
            "companies": [{"company_id": company.pk}, {"company_id": company.pk}],
        },
    )
    assert response.status_code == 400, response.content
    assert str(company.pk) in response.json()["errors"]["companies"][0]
    assert not Contact.objects.filter(last_name="Twice").exists()


def test_the_same_tag_twice_in_one_request_is_stored_once(api):
    response = api.post(
        "/api/v1/companies", {"name": "Tagged twice", "tags": ["vip", "vip", " vip "]}
    )
    assert response.status_code == 201, response.content
    assert response.json()["tags"] == ["vip"]


@RACING
def test_a_patch_racing_a_delete_is_a_404_never_a_500_or_a_deadlock(admin_api, monkeypatch):
    """Both requests have read the record; a barrier releases them together into their
    write services. Whichever locks the record first, the delete succeeds and the edit
    is saved before it or answers 404 (the record is gone); nothing deadlocks. On
    PostgreSQL the tests' lock-order check (``PERNO_LOCK_ORDER_CHECK``) also fails any
    write that locks a row before the audit chain: the order that deadlocked."""
    company = company_create(actor=admin_api["user"], data={"name": "Raced S.r.l."})
    barrier = threading.Barrier(2)
    for name in ("company_update", "company_delete"):
        original = getattr(contact_services, name)

        def held(*args: Any, _original: Any = original, **kwargs: Any) -> Any:
            barrier.wait(JOIN_SECONDS)
            return _original(*args, **kwargs)

        monkeypatch.setattr(contact_services, name, held)
    url = f"/api/v1/companies/{company.pk}"
    headers = admin_api["headers"]
    patched, deleted = race(
        lambda client: client.patch(
            url,
            {"industry": "Moda", "version": 1},
            content_type="application/json",
            headers=headers,
        ),
        lambda client: client.delete(url, headers=headers),
    )
    assert patched.status_code in (200, 404), patched.content
    assert deleted.status_code == 204, deleted.content
    assert not Company.objects.filter(pk=company.pk).exists()
    if patched.status_code == 404:
        assert patched.json()["message"]


def test_an_edit_of_a_record_deleted_meanwhile_is_a_404(api, user, monkeypatch):
    """The edit read the record, then it was deleted before the edit's write."""
    company = company_create(actor=user, data={"name": "Gone S.r.l."})
    original = contact_services.company_update

    def deleted_first(*args: Any, **kwargs: Any) -> Any:
        Company.objects.filter(pk=company.pk).delete()
        return original(*args, **kwargs)

    monkeypatch.setattr(contact_services, "company_update", deleted_first)
    response = api.patch(f"/api/v1/companies/{company.pk}", {"industry": "Moda"})
    assert response.status_code == 404, response.content


def test_pages_answer_a_unique_value_taken_with_409_and_a_record_gone_with_404(rf, db):
    """The safety net of the pages (the edit forms show the field's error themselves)."""
    Team.objects.create(name="Taken")
    try:
        with transaction.atomic():
            Team.objects.create(name="Taken")
    except IntegrityError as exc:
        taken = exc
    middleware = ConflictMiddleware(lambda request: None)
    page = middleware.process_exception(rf.post("/settings/teams/"), taken)
    assert page.status_code == 409 and "team" in page.content.decode()
    api_answer = middleware.process_exception(rf.post("/api/v1/teams"), taken)
    assert api_answer.status_code == 409
    assert json.loads(api_answer.content)["errors"] == {"name": [ANY]}
    gone = middleware.process_exception(rf.get("/contacts/1/"), Contact.DoesNotExist())
    assert gone.status_code == 404
