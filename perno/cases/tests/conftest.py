from __future__ import annotations

import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from perno.accounts.models import Team
from perno.accounts.services import token_create
from perno.cases import config
from perno.cases.models import Queue
from perno.contacts.models import Contact
from perno.sla.models import BusinessCalendar, SlaPolicy

ROME = ZoneInfo("Europe/Rome")
# A Monday in March 2026, within working hours.
MONDAY = datetime.datetime(2026, 3, 2, 10, 0, tzinfo=ROME)


@pytest.fixture
def teams(db: Any) -> dict[str, Team]:
    north = Team.objects.create(name="Care North")
    south = Team.objects.create(name="Care South")
    return {"north": north, "south": south}


@pytest.fixture
def agents(make_user: Any, teams: dict[str, Team]) -> dict[str, Any]:
    """Support agents (team scope on cases) in two teams, and a manager."""
    return {
        "anna": make_user("anna", role="support", team="Care North"),
        "bruno": make_user("bruno", role="support", team="Care North"),
        "carla": make_user("carla", role="support", team="Care North"),
        "dario": make_user("dario", role="support", team="Care South"),
        "boss": make_user("boss", role="manager", team="Care North"),
    }


@pytest.fixture
def admin(make_user: Any) -> Any:
    return make_user("root", role="administrator")


@pytest.fixture
def queue(admin: Any, agents: dict[str, Any], teams: dict[str, Team]) -> Queue:
    """North's queue, round robin among anna, bruno and carla (carla away)."""
    return config.queue_create(
        actor=admin,
        data={"name": "Support North", "team": teams["north"], "assignment": "round_robin"},
        members=[(agents["anna"], True), (agents["bruno"], True), (agents["carla"], False)],
    )


@pytest.fixture
def south_queue(admin: Any, agents: dict[str, Any], teams: dict[str, Team]) -> Queue:
    return config.queue_create(
        actor=admin,
        data={"name": "Support South", "team": teams["south"]},
        members=[(agents["dario"], True)],
    )


@pytest.fixture
def customer(db: Any, teams: dict[str, Team]) -> Contact:
    return Contact.objects.create(
        first_name="Maria",
        last_name="Bianchi",
        email="maria.bianchi@example.com",
        phone="+390612345678",
        team=teams["north"],
    )


@pytest.fixture
def calendar(db: Any) -> BusinessCalendar:
    """Monday to Friday, 9-13 and 14-18 in Rome, no public holidays."""
    week = {d: ["09:00-13:00", "14:00-18:00"] for d in ("mon", "tue", "wed", "thu", "fri")}
    return BusinessCalendar.objects.create(
        name="Test week", time_zone="Europe/Rome", country="", hours=week
    )


@pytest.fixture
def policy(calendar: BusinessCalendar) -> SlaPolicy:
    """Answer within an hour, resolve within a working day (8 h); warn 15 minutes ahead.
    Ranked before the shipped policies."""
    return SlaPolicy.objects.create(
        name="Test",
        calendar=calendar,
        first_response_minutes=60,
        resolution_minutes=480,
        warn_before_minutes=15,
        rank=1,
    )


@pytest.fixture
def bearer() -> Any:
    def headers(user: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {token_create(user=user, name='t', scope='write')[1]}"}

    return headers
