"""Cases opened at the same moment, each in its own thread and database connection, on
committed data: every case gets its own number, without gaps, and round robin gives
them to the available members in turn."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

import pytest
from django.db import close_old_connections, connection

from perno.cases import services
from perno.cases.models import Case

THREADS, EACH = 4, 3


@pytest.mark.django_db(transaction=True)
def test_numbers_and_turns_hold_under_concurrent_creation(agents, queue):
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def work() -> None:
        try:
            barrier.wait(60)
            for n in range(EACH):
                services.case_create(actor=None, data={"subject": f"Rush {n}", "queue": queue})
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    close_old_connections()
    assert not any(t.is_alive() for t in threads), "the writers deadlocked"
    assert errors == []
    numbers = sorted(Case.objects.values_list("number", flat=True))
    assert numbers == list(range(numbers[0], numbers[0] + THREADS * EACH))
    turns: Counter[Any] = Counter(Case.objects.values_list("assignee", flat=True))
    # anna and bruno are available (carla is away): six cases each.
    assert turns == {agents["anna"].pk: 6, agents["bruno"].pk: 6}
