"""A merge racing an edit of the merged record, in real transactions on separate
connections: one wins, the other is told (409 or 404), nothing deadlocks, and on
PostgreSQL the lock-order check (``PERNO_LOCK_ORDER_CHECK``) fails a write that locks a
row before the audit chain."""

import threading
from typing import Any

import pytest
from django.db import close_old_connections, connection
from django.test import Client

from perno.accounts.services import roles_ensure_defaults, token_create, user_create
from perno.contacts import services as contact_services
from perno.contacts.models import Contact
from perno.merging import services as merge_services
from perno.merging.models import Merge

JOIN_SECONDS = 120


@pytest.mark.django_db(transaction=True)
def test_a_merge_racing_an_edit_of_the_merged_record(monkeypatch: Any) -> None:
    roles_ensure_defaults()
    user = user_create(
        username="racer",
        password="probe-passphrase-2026",
        roles=["manager"],
        email="racer@example.com",
    )
    headers = {"Authorization": f"Bearer {token_create(user=user, name='r', scope='write')[1]}"}
    one = contact_services.contact_create(actor=user, data={"first_name": "A", "last_name": "B"})
    two = contact_services.contact_create(actor=user, data={"first_name": "A", "last_name": "C"})
    barrier = threading.Barrier(2)
    for module, name in ((merge_services, "record_merge"), (contact_services, "contact_update")):
        original = getattr(module, name)

        def held(*args: Any, _original: Any = original, **kwargs: Any) -> Any:
            barrier.wait(JOIN_SECONDS)
            return _original(*args, **kwargs)

        monkeypatch.setattr(module, name, held)
    results: list[Any] = [None, None]
    errors: list[BaseException] = []

    def run(index: int, call: Any) -> None:
        try:
            results[index] = call(Client(raise_request_exception=False))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    calls = [
        lambda client: client.post(
            "/api/v1/merges",
            {"kind": "contact", "survivor": one.pk, "merged": two.pk, "merged_version": 1},
            content_type="application/json",
            headers=headers,
        ),
        lambda client: client.patch(
            f"/api/v1/contacts/{two.pk}",
            {"job_title": "CEO", "version": 1},
            content_type="application/json",
            headers=headers,
        ),
    ]
    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(JOIN_SECONDS)
    assert not any(t.is_alive() for t in threads), "deadlocked"
    assert errors == []
    close_old_connections()
    merged, edited = results
    if merged.status_code == 201:  # the merge first: the edit finds the record gone
        assert edited.status_code == 404, edited.content
        assert not Contact.objects.filter(pk=two.pk).exists()
    else:  # the edit first: the merge compared version 1, the stored one is 2
        assert merged.status_code == 409, merged.content
        assert edited.status_code == 200, edited.content
        assert Contact.objects.get(pk=two.pk).job_title == "CEO"
        assert not Merge.objects.exists()
