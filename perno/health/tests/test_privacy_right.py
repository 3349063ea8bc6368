"""The compliance figures (retention, requests, breaches) need the privacy right on every
path: a role that sees every record but lacks it (a custom role; the shipped
administrator too) reads the snapshot without them, with the score computed over what it
is shown, on the page, through the API and in the monthly e-mail; administrators who do
not see every record get no e-mail."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from perno.accounts.models import Role
from perno.accounts.permissions import can, sees_all
from perno.accounts.rights import ALL, OWN
from perno.accounts.services import token_create
from perno.health.figures import area_scores, compute, score, visible
from perno.health.mail import monthly_report_send
from perno.health.models import HealthSnapshot
from perno.health.services import EVERYTHING, snapshot_take
from perno.privacy.models import SubjectRequest

COMPLIANCE_ROWS = ("retention_overdue", "requests_due", "breaches_open")
REQUESTS_LABEL = "Data subject requests due within 7 days or overdue"


def _role(code: str, scope: str, **flags: Any) -> Role:
    rights = {subject: {"view": scope} for subject in EVERYTHING}
    return Role.objects.create(code=code, name=code.title(), rights=rights, **flags)


@pytest.fixture
def overseer(world: Any, make_user: Any) -> Any:
    """Sees every record, confidential ones included, but may not view privacy."""
    _role("overseer", ALL, see_confidential=True)
    user = make_user("overseer", role="overseer")
    assert sees_all(user, *EVERYTHING) and not can(user, "view", "privacy")
    return user


def _without_compliance(figures: dict[str, Any]) -> tuple[dict[str, float], int]:
    areas = area_scores({**figures, "compliance": None})
    return areas, score(areas)


def test_the_snapshot_without_the_privacy_right_has_no_compliance_figure(
    overseer, client, login_verified
):
    stored = snapshot_take()
    areas, expected = _without_compliance(stored.figures)
    assert expected != stored.score  # the data set's compliance figures move the score
    # The same as computing now over what the role sees (before logging in: that counts
    # as activity).
    assert compute(user=overseer)["areas"] == areas
    login_verified(client, overseer)
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.context["snapshot"] == stored  # still the snapshot over every record
    figures = response.context["figures"]
    assert figures["compliance"] is None
    assert figures["records"]["contact"]["total"] == 5
    assert figures["areas"] == areas and response.context["score"] == expected
    html = response.content.decode()
    for key in COMPLIANCE_ROWS:
        assert f'data-testid="figure-{key}"' not in html
    assert 'data-testid="figure-contact.no_basis"' in html
    assert f'data-testid="score">{expected}<' in html
    # The chart's points are the scores of what the role is shown, too.
    assert [s.score for s in response.context["history"]] == [expected]
    # The stored snapshot itself is untouched.
    assert HealthSnapshot.objects.get(pk=stored.pk).figures["compliance"] is not None

    token = token_create(user=overseer, name="t", scope="read")[1]
    body = client.get("/api/v1/health", headers={"Authorization": f"Bearer {token}"}).json()
    assert body["scope"] == "all" and body["compliance"] is None
    assert body["score"] == expected and body["areas"] == areas


def test_with_the_privacy_right_the_snapshot_is_shown_as_stored(
    world, client, make_user, login_verified
):
    dpo = make_user("dpo", role="dpo")
    stored = snapshot_take()
    assert visible(stored.figures, dpo) is stored.figures
    assert visible(stored.figures, world.admin)["compliance"] is None  # no privacy right
    login_verified(client, dpo)
    response = client.get("/health/")
    assert response.context["score"] == stored.score
    html = response.content.decode()
    for key in COMPLIANCE_ROWS:
        assert f'data-testid="figure-{key}"' in html


def test_the_report_follows_each_administrators_rights(world, make_user):
    previous = snapshot_take(now=timezone.now() - timedelta(days=40))
    today = timezone.localdate()
    for n in range(20):  # late requests: the largest problem for who may see them
        SubjectRequest.objects.create(
            kind="access",
            received_on=today - timedelta(days=60),
            channel="email",
            requester_name=f"R{n}",
            due_on=today - timedelta(days=20),
        )
    _role("chief", ALL, see_confidential=True, administer=True)
    chief = make_user("chief", role="chief", email="chief@example.com")
    _role("guardian", ALL, see_confidential=True, administer=True, handle_privacy=True)
    make_user("guardian", role="guardian", email="guardian@example.com")
    _role("local-admin", OWN, see_confidential=True, administer=True, handle_privacy=True)
    make_user("local", role="local-admin", email="local@example.com")
    assert not can(chief, "view", "privacy")
    # The shipped DPO role: not an administrator, but the compliance figures are theirs.
    dpo = make_user("dpo", role="dpo", email="dpo@example.com")
    assert sees_all(dpo, *EVERYTHING) and can(dpo, "view", "privacy")

    assert monthly_report_send() == 4
    by_recipient = {message.to[0]: message for message in mail.outbox}
    # Not the administrator who does not see every record: the snapshot counts them all.
    assert set(by_recipient) == {
        world.admin.email,
        "chief@example.com",
        "guardian@example.com",
        "dpo@example.com",
    }
    snapshot = HealthSnapshot.objects.get(day=today)

    for address in ("guardian@example.com", "dpo@example.com"):
        full = by_recipient[address]
        assert f"score {snapshot.score} of 100" in full.subject
        assert f"{REQUESTS_LABEL}: 22" in full.body

    areas, expected = _without_compliance(snapshot.figures)
    _previous_areas, expected_before = _without_compliance(previous.figures)
    assert expected != snapshot.score
    # The custom role and the shipped administrator: neither may view privacy.
    for address in ("chief@example.com", world.admin.email):
        message = by_recipient[address]
        assert f"score {expected} of 100" in message.subject
        assert f"Compliance: {areas['compliance']}" in message.body
        assert f"it was {expected_before} on" in message.body
        assert f"Change since last month: {expected - expected_before} point" in message.body
        html = message.alternatives[0].content
        for text in (message.body, html):
            assert REQUESTS_LABEL not in text
            assert "Breaches waiting" not in text and "retention period" not in text
