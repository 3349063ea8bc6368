"""Retention: each data category's period, a dry run that changes nothing, a run that
deletes or anonymizes what is past it, logged with counts and audited."""

from __future__ import annotations

import io
import sys
from datetime import timedelta

import pytest
from django.utils import timezone

from perno import cli
from perno.activities.models import Activity, Comment
from perno.audit.models import AuditEvent, ChangeEntry
from perno.contacts.models import Contact
from perno.contacts.services import contact_create
from perno.privacy import retention
from perno.privacy.models import RetentionRule, RetentionRun
from perno.sales.models import Deal, Pipeline, Stage
from perno.search.models import SearchEntry, SearchVisit

pytestmark = pytest.mark.django_db

YEARS_AGO = timezone.now() - timedelta(days=11 * 365)


@pytest.fixture
def rules(db):
    for category in ("identity", "contact", "address", "professional", "preferences"):
        RetentionRule.objects.update_or_create(category=category, defaults={"days": 3650})
    RetentionRule.objects.update_or_create(category="free_text", defaults={"days": 3650})
    RetentionRule.objects.update_or_create(category="file", defaults={"days": 3650})
    RetentionRule.objects.update_or_create(category="usage", defaults={"days": 180})
    RetentionRule.objects.update_or_create(category="credentials", defaults={"days": None})


def aged(user, name, when):
    contact = contact_create(actor=user, data={"first_name": name, "last_name": "Vecchi"})
    Contact.objects.filter(pk=contact.pk).update(updated_at=when)
    return Contact.objects.get(pk=contact.pk)


def world(user):
    old = aged(user, "Antico", YEARS_AGO)
    recent = aged(user, "Recente", timezone.now() - timedelta(days=30))
    Activity.objects.create(subject="Old call", contact=old, owner=user)
    Comment.objects.create(author=user, body="Old note", contact=old)
    pipeline = Pipeline.objects.create(name="P", is_default=True)
    stage = Stage.objects.create(pipeline=pipeline, name="New", position=1, probability=10)
    deal = Deal.objects.create(
        title="Vecchi deal",
        notes="private",
        contact=old,
        pipeline=pipeline,
        stage=stage,
        amount=500,
        currency="EUR",
    )
    Deal.objects.filter(pk=deal.pk).update(updated_at=timezone.now())  # kept: recent
    SearchVisit.objects.create(user=user, kind="contact", object_id=recent.pk, last_at=YEARS_AGO)
    return old, recent, deal


def test_a_dry_run_reports_and_changes_nothing(user, rules):
    world(user)
    before = (Contact.objects.count(), Activity.objects.count(), ChangeEntry.objects.count())
    run = retention.run(dry_run=True)
    items = {item["table"]: item for item in run.counts["items"]}
    assert items["contacts.contact"]["count"] == 1
    assert (
        items["contacts.contact"]["action"] == "delete"
        and items["contacts.contact"]["days"] == 3650
    )
    assert items["search.searchvisit"]["count"] == 1
    assert (
        Contact.objects.count(),
        Activity.objects.count(),
        ChangeEntry.objects.count(),
    ) == before
    assert run.dry_run and run.finished_at and not run.error
    assert AuditEvent.objects.filter(action="retention", detail__dry_run=True).exists()


def test_a_run_removes_what_is_past_retention_with_everything_about_it(user, rules):
    old, recent, deal = world(user)
    run = retention.run(dry_run=False)
    assert not Contact.objects.filter(pk=old.pk).exists()
    assert Contact.objects.filter(pk=recent.pk).exists()
    assert not Activity.objects.filter(contact_id=old.pk).exists()
    assert not Comment.objects.filter(contact_id=old.pk).exists()
    assert not ChangeEntry.objects.filter(content_type__model="contact", object_id=old.pk).exists()
    assert not SearchEntry.objects.filter(kind="contact", object_id=old.pk).exists()
    kept = Deal.objects.get(pk=deal.pk)  # the deal about the old contact stays, without it
    # its title keeps what is not the person's name; its notes go
    assert kept.title == "— deal" and kept.notes == "" and kept.contact_id is None
    assert kept.amount == 500
    assert not SearchVisit.objects.exists()
    items = {item["table"]: item for item in run.counts["items"]}
    assert items["contacts.contact"]["done"]["contacts.contact"] == 1
    assert RetentionRun.objects.filter(dry_run=False).count() == 1
    again = retention.run(dry_run=False)  # nothing left to do
    assert again.total == 0


def test_a_category_without_a_period_keeps_its_rows(user, rules):
    RetentionRule.objects.filter(category="free_text").update(days=None)
    old, _recent, _deal = world(user)
    retention.run(dry_run=False)
    assert Contact.objects.filter(pk=old.pk).exists()  # notes are free text: kept


def test_retention_command_line(user, rules, monkeypatch, capsys, tmp_path):
    world(user)
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    assert cli.main(["privacy", "retention", "--dry-run", "--data-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "contacts.contact: 1 rows older than 3,650 days would be deleted" in out
    assert Contact.objects.filter(first_name="Antico").exists()
    assert cli.main(["privacy", "retention", "--data-dir", str(tmp_path)]) == 0
    assert not Contact.objects.filter(first_name="Antico").exists()


def test_the_dpo_runs_a_dry_run_from_the_page(client, make_user, login_verified, user, rules):
    world(user)
    dpo = make_user("dora", role="dpo")
    login_verified(client, dpo)
    response = client.post("/privacy/retention/run/", {"mode": "dry"})
    assert response.status_code == 302
    page = client.get("/privacy/retention/").content.decode()
    assert "contacts.contact" in page and "dry run" in page
    assert Contact.objects.filter(first_name="Antico").exists()
    # Counts are grouped in the reader's language, in the sentence and in the table.
    RetentionRun.objects.create(
        dry_run=True,
        counts={
            "items": [
                {
                    "table": "contacts.contact",
                    "name": "contacts",
                    "action": "delete",
                    "days": 730,
                    "before": "2024-12-06T00:00:00+00:00",
                    "count": 12345,
                }
            ]
        },
    )
    page = client.get("/privacy/retention/").content.decode()
    assert "12,345 rows" in page and '<td class="text-end">12,345</td>' in page
