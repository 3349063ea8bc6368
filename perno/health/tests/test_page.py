"""The page: who sees which figures, the chart, recomputing and the e-mail choice."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from perno.accounts.models import Role
from perno.accounts.services import token_create
from perno.health import selectors
from perno.health.models import HealthSnapshot
from perno.health.services import EMAIL_PREFERENCE, snapshot_take


def test_an_administrator_reads_the_snapshot_over_every_record(world, client, login_verified):
    login_verified(client, world.admin)
    response = client.get("/health/")
    assert response.status_code == 200
    snapshot = response.context["snapshot"]
    assert snapshot is not None and HealthSnapshot.objects.count() == 1
    assert response.context["figures"]["records"]["contact"]["total"] == 5
    html = response.content.decode()
    assert 'data-testid="recompute-form"' in html
    assert 'data-testid="score-chart"' in html
    assert 'data-testid="figure-contact.bad_email"' in html
    assert 'href="/contacts/?health=bad_email" data-count="1"' in html
    # The administrator role does not handle personal data: no privacy figures.
    assert response.context["figures"]["compliance"] is None
    assert 'href="/privacy/breaches/?open=1"' not in html


def test_a_sales_user_gets_their_own_figures_and_no_history(world, client):
    snapshot_take()
    client.force_login(world.sales)
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.context["snapshot"] is None
    assert response.context["figures"]["records"]["contact"]["total"] == 1
    assert response.context["chart"] is None
    html = response.content.decode()
    assert 'data-testid="scope-note"' in html
    assert 'data-testid="score-chart"' not in html
    assert "recompute-form" not in html and "report-email-form" not in html
    # Recomputing the whole-database snapshot is for administrators.
    assert client.post("/health/recompute/").status_code == 403
    assert client.post("/health/report-email/", {"wanted": "0"}).status_code == 403


def test_no_contact_rights_no_page(world, client, make_user):
    Role.objects.create(code="nothing", name="Nothing", rights={})
    nobody = make_user("nobody", role="nothing")
    client.force_login(nobody)
    assert client.get("/health/").status_code == 403


def test_recompute_replaces_the_day(world, client, login_verified):
    login_verified(client, world.admin)
    first = snapshot_take()
    world.contacts[3].delete()
    response = client.post("/health/recompute/")
    assert response.status_code == 302
    snapshot = HealthSnapshot.objects.get()
    assert snapshot.pk == first.pk
    assert snapshot.figures["records"]["contact"]["total"] == 4
    assert client.get("/health/recompute/").status_code == 405


def test_an_administrator_turns_the_monthly_email_off_and_on(world, client, login_verified):
    login_verified(client, world.admin)
    client.post("/health/report-email/", {"wanted": "0"})
    world.admin.refresh_from_db()
    assert world.admin.preferences[EMAIL_PREFERENCE] is False
    assert "Send me the monthly e-mail" in client.get("/health/").content.decode()
    client.post("/health/report-email/", {"wanted": "1"})
    world.admin.refresh_from_db()
    assert world.admin.preferences[EMAIL_PREFERENCE] is True


def test_the_dpo_turns_the_monthly_email_off_too(world, client, login_verified, make_user):
    """The report is also the DPO's (its compliance figures): they may turn it off,
    without the right to recompute."""
    snapshot_take()
    dpo = make_user("dpo", role="dpo", email="dpo@example.com")
    login_verified(client, dpo)
    html = client.get("/health/").content.decode()
    assert "report-email-form" in html and "recompute-form" not in html
    assert client.post("/health/report-email/", {"wanted": "0"}).status_code == 302
    dpo.refresh_from_db()
    assert dpo.preferences[EMAIL_PREFERENCE] is False


def test_the_chart_follows_the_daily_scores(db):
    today = timezone.localdate()
    for days, score in ((20, 50), (10, 75), (0, 100)):
        HealthSnapshot.objects.create(day=today - timedelta(days=days), score=score, figures={})
    HealthSnapshot.objects.create(day=today - timedelta(days=400), score=10, figures={})
    history = selectors.history()
    assert [s.score for s in history] == [50, 75, 100]  # a year at most, oldest first
    chart = selectors.chart(history)
    dots = chart["dots"]
    assert [d["score"] for d in dots] == [50, 75, 100]
    pad, inner = chart["pad"], chart["inner"]
    assert dots[0]["x"] == pad and dots[-1]["x"] == pad + inner
    assert dots[1]["x"] == round(pad + inner / 2, 1)
    assert dots[-1]["y"] == pad and dots[0]["y"] == pad + inner / 2
    assert chart["points"].count(",") == 3
    assert selectors.chart([]) is None


def test_the_api_follows_the_same_rule(world, client, make_user):
    dpo = make_user("dpo", role="dpo")
    for user, scope, contacts in (
        (world.admin, "all", 5),
        (dpo, "all", 5),
        (world.sales, "visible", 1),
    ):
        token = token_create(user=user, name="t", scope="read")[1]
        response = client.get("/api/v1/health", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["scope"] == scope
        assert body["records"]["contact"]["total"] == contacts
        assert 0 <= body["score"] <= 100
        # The privacy figures: for who handles personal data (the DPO, not the
        # administrator), also from the snapshot.
        assert (body["compliance"] is None) == (user is not dpo)
    Role.objects.create(code="nothing", name="Nothing", rights={})
    nobody = make_user("nobody", role="nothing")
    token = token_create(user=nobody, name="t", scope="read")[1]
    response = client.get("/api/v1/health", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 403
    assert "contacts or companies" in response.json()["message"]
