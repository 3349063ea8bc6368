"""Each figure against the hand-built data set (conftest.EXPECTED), the links' counts
against the figures, and who gets which figures."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.exceptions import ValidationError
from django.http import QueryDict

from perno.accounts.permissions import restrict
from perno.accounts.services import user_create
from perno.activities.selectors import activity_list
from perno.contacts.models import Contact, CustomFieldDefinition
from perno.contacts.selectors import company_list, contact_list
from perno.duplicates.models import DuplicatePair
from perno.health import report
from perno.health.figures import compute
from perno.health.services import snapshot_take
from perno.health.tests.conftest import EXPECTED
from perno.privacy import retention
from perno.privacy.models import Purpose
from perno.sales.selectors import deal_list

LISTS = {"/contacts/": contact_list, "/companies/": company_list, "/deals/": deal_list}


def test_every_figure_over_every_record(world):
    figures = compute()
    for subject, expected in EXPECTED.items():
        record = figures["records"][subject]
        assert record["total"] == expected["total"], subject
        for key, value in expected.items():
            if key in ("total", "open"):
                continue
            assert record["checks"][key] == value, (subject, key)
    assert figures["records"]["deal"]["open"] == 2
    privacy = figures["compliance"]
    assert privacy["requests_open"] == 3
    assert privacy["requests_due"] == 2
    assert privacy["requests_late"] == 1
    assert privacy["breaches_open"] == 1 and privacy["breaches_late"] == 1
    assert privacy["breach_hours_left"] < 0
    usage = figures["usage"]
    assert usage["users"] == 2 and usage["active_users"] == 1
    assert usage["activities_recent"] == 2
    assert usage["activities_per_active_user"] == 2.0
    assert 0 <= figures["score"] <= 100


def test_retention_overdue_is_what_a_dry_run_would_do(world):
    figures = compute()
    run = retention.run(dry_run=True)
    assert figures["compliance"]["retention_overdue"] == sum(
        item["count"] for item in run.counts["items"]
    )


def test_a_required_custom_field_is_a_completeness_figure(world):
    CustomFieldDefinition.objects.create(
        entity="contact", key="tax_code", label="Tax code", field_type="text", is_required=True
    )
    c1, c2 = world.contacts[:2]
    Contact.objects.filter(pk=c1.pk).update(custom_fields={"tax_code": "RSSMRA80A01H501U"})
    Contact.objects.filter(pk=c2.pk).update(custom_fields={"tax_code": ""})
    figures = compute()
    assert figures["records"]["contact"]["checks"]["field_tax_code"] == 4
    rows = contact_list(user=world.admin, filters={"health": "field_tax_code"})
    assert rows.count() == 4 and c1 not in rows


def _count(url, user):
    parts = urlsplit(url)
    if parts.path == "/activities/":
        return activity_list(user=user, filters=QueryDict(parts.query)).count()
    return LISTS[parts.path](user=user, filters=QueryDict(parts.query)).count()


@pytest.mark.parametrize("who", ["admin", "sales"])
def test_each_record_link_counts_what_its_figure_says(world, client, login_verified, who):
    user = getattr(world, who)
    figures = compute(user=user)
    rows = [
        *[row for _label, group in report.quality(figures)["completeness"] for row in group],
        *report.quality(figures)["problems"],
        report.compliance(figures)[0],
        *[r for r in report.usage(figures, may_manage_users=False) if r.url],
    ]
    assert len(rows) >= 20
    for row in rows:
        assert _count(row.url, user) == row.count, row.key
    login_verified(client, user)
    for row in rows:
        assert client.get(row.url).status_code == 200, row.url


def test_privacy_links_count_what_their_figures_say(world, client, login_verified):
    dpo = user_create(username="dpo", password="correct-horse-battery-9", roles=["dpo"])
    figures = compute(user=dpo)
    rows = {row.key: row for row in report.compliance(figures)}
    login_verified(client, dpo)
    for key in ("requests_due", "breaches_open"):
        response = client.get(rows[key].url)
        assert response.status_code == 200
        assert (
            len(response.context["page"].items)
            == rows[key].count
            == (2 if key == "requests_due" else 1)
        )
    assert client.get(rows["retention_overdue"].url).status_code == 200


def test_a_sales_user_gets_only_the_figures_of_what_they_see(world):
    figures = compute(user=world.sales)
    visible = restrict(Contact.objects.all(), world.sales).count()
    assert visible == 1 < EXPECTED["contact"]["total"]
    assert figures["records"]["contact"]["total"] == 1
    assert figures["records"]["company"]["total"] == 0
    assert figures["compliance"] is None  # the privacy office's records
    # The one contact they see has no problem but no company and no address.
    checks = figures["records"]["contact"]["checks"]
    assert checks["company"] == 1 and checks["email"] == 0 and checks["no_basis"] == 0


def test_the_filter_refuses_an_unknown_check(world):
    with pytest.raises(ValidationError) as caught:
        contact_list(user=world.admin, filters={"health": "nonsense"})
    assert "health" in caught.value.message_dict


def test_one_snapshot_per_day(world):
    first = snapshot_take()
    second = snapshot_take()
    assert first.pk == second.pk
    assert second.figures["records"]["contact"]["total"] == 5
    assert second.score == compute()["score"]


def test_links_are_relative_and_encode_the_check():
    url = report.list_url("contact", "bad_email")
    assert parse_qs(urlsplit(url).query) == {"health": ["bad_email"]}


def test_duplicates_are_looked_for_among_the_records_the_viewer_sees(world):
    hidden = world.contacts[0]  # the administrator's, outside the sales user's team
    mine = Contact.objects.create(
        first_name="Eva", last_name="Test", email=hidden.email, owner=world.sales
    )
    figures = compute(user=world.sales)
    assert figures["records"]["contact"]["checks"]["duplicate"] == 0
    assert contact_list(user=world.sales, filters={"health": "duplicate"}).count() == 0
    Contact.objects.create(first_name="Eve", last_name="Test", email=mine.email, owner=world.sales)
    assert compute(user=world.sales)["records"]["contact"]["checks"]["duplicate"] == 2
    assert compute()["records"]["contact"]["checks"]["duplicate"] == 4


def test_a_purpose_that_needs_no_consent_gives_everyone_a_basis(world):
    Purpose.objects.create(code="health-orders", name="Orders", legal_basis="contract")
    assert compute()["records"]["contact"]["checks"]["no_basis"] == 0
    assert contact_list(user=world.admin, filters={"health": "no_basis"}).count() == 0
    Purpose.objects.filter(code="health-orders").update(legal_basis="legitimate_interest")
    # Legitimate interest: everyone not restricted, unless they objected.
    assert compute()["records"]["contact"]["checks"]["no_basis"] == 0


def test_likely_duplicate_pairs_not_reviewed_are_counted_in_sight_only(world):
    hidden = world.contacts[0]  # the administrator's, outside the sales user's team
    mine = Contact.objects.create(first_name="Eva", last_name="Rota", owner=world.sales)
    twin = Contact.objects.create(first_name="Eva", last_name="Rotta", owner=world.sales)
    for one, other in ((mine, twin), (hidden, mine)):
        low, high = sorted((one, other), key=lambda c: c.pk)
        DuplicatePair.objects.create(kind="contact", contact_low=low, contact_high=high, score=0.9)
    assert compute()["records"]["contact"]["checks"]["likely_duplicate"] == 3
    figures = compute(user=world.sales)
    assert figures["records"]["contact"]["checks"]["likely_duplicate"] == 2
    listed = contact_list(user=world.sales, filters={"health": "likely_duplicate"})
    assert set(listed.values_list("pk", flat=True)) == {mine.pk, twin.pk}
    DuplicatePair.objects.filter(contact_high=max(mine.pk, twin.pk)).update(status="dismissed")
    assert compute(user=world.sales)["records"]["contact"]["checks"]["likely_duplicate"] == 0
    assert compute()["records"]["contact"]["checks"]["likely_duplicate"] == 2
