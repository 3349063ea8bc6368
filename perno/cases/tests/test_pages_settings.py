"""The settings pages of customer care (queues and categories): administrators only,
with clear errors and nothing written on bad input."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from perno.cases import services
from perno.cases.models import CaseCategory, Queue, QueueCategoryRule, QueueMember

pytestmark = pytest.mark.django_db

URLS = ("/settings/cases/queues/", "/settings/cases/categories/")


@pytest.fixture
def root(client: Any, admin: Any, login_verified: Any) -> Any:
    login_verified(client, admin)
    return client


def test_only_administrators_reach_the_settings(client, agents, queue):
    category = CaseCategory.objects.create(name="Billing")
    client.force_login(agents["boss"])  # a manager, not an administrator
    for url in (
        *URLS,
        f"/settings/cases/queues/{queue.pk}/",
        f"/settings/cases/categories/{category.pk}/",
    ):
        assert client.get(url).status_code == 403, url
    assert client.post(URLS[1], {"new-name": "Sneaky", "new-active": "on"}).status_code == 403
    assert client.post(f"/settings/cases/queues/{queue.pk}/delete/").status_code == 403
    assert client.post(f"/settings/cases/categories/{category.pk}/delete/").status_code == 403
    assert not CaseCategory.objects.filter(name="Sneaky").exists()
    assert Queue.objects.filter(pk=queue.pk).exists()
    assert CaseCategory.objects.filter(pk=category.pk).exists()


def test_the_settings_menu_links_them(root):
    body = root.get("/settings/cases/queues/").content.decode()
    assert 'href="/settings/cases/categories/"' in body
    assert (
        'href="/settings/cases/queues/"' in root.get(reverse("accounts:user_list")).content.decode()
    )


def test_categories_are_added_renamed_and_deleted(root):
    response = root.post(URLS[1], {"new-name": "Billing", "new-active": "on"})
    assert response.status_code == 302
    category = CaseCategory.objects.get(name="Billing")
    duplicate = root.post(URLS[1], {"new-name": "Billing", "new-active": "on"})
    assert duplicate.status_code == 400 and 'data-field-error="name"' in duplicate.content.decode()
    empty = root.post(URLS[1], {"new-name": ""})
    assert empty.status_code == 400
    assert CaseCategory.objects.count() == 1
    edit = root.post(f"/settings/cases/categories/{category.pk}/", {"name": "Invoices"})
    assert edit.status_code == 302
    category.refresh_from_db()
    assert category.name == "Invoices" and category.active is False
    assert root.post(f"/settings/cases/categories/{category.pk}/delete/").status_code == 302
    assert not CaseCategory.objects.exists()
    assert root.get("/settings/cases/categories/99999999/").status_code == 404


def test_a_queue_with_members_availability_rules_and_escalation(root, agents, teams):
    billing = CaseCategory.objects.create(name="Billing")
    response = root.post(
        URLS[0],
        {"new-name": "Care IT", "new-team": teams["north"].pk, "new-assignment": "manual"},
    )
    assert response.status_code == 302
    queue = Queue.objects.get(name="Care IT")
    anna, bruno = agents["anna"], agents["bruno"]
    page = root.get(f"/settings/cases/queues/{queue.pk}/").content.decode()
    assert 'data-testid="members"' in page and f'name="member" value="{anna.pk}"' in page
    response = root.post(
        f"/settings/cases/queues/{queue.pk}/",
        {
            "name": "Care IT",
            "team": teams["north"].pk,
            "assignment": "by_category",
            "escalate_to": agents["boss"].pk,
            "member": [anna.pk, bruno.pk],
            "available": [anna.pk],
            f"rule-{billing.pk}": bruno.pk,
        },
    )
    assert response.status_code == 302
    queue.refresh_from_db()
    assert queue.assignment == "by_category" and queue.escalate_to == agents["boss"]
    members = {m.user_id: m.available for m in QueueMember.objects.filter(queue=queue)}
    assert members == {anna.pk: True, bruno.pk: False}
    assert QueueCategoryRule.objects.get(queue=queue, category=billing).user == bruno
    # A rule for someone who is not a member: refused with the reason, nothing changes.
    bad = root.post(
        f"/settings/cases/queues/{queue.pk}/",
        {
            "name": "Care IT",
            "team": teams["north"].pk,
            "assignment": "by_category",
            "member": [anna.pk],
            "available": [anna.pk],
            f"rule-{billing.pk}": bruno.pk,
        },
    )
    assert bad.status_code == 400 and "not a member" in bad.content.decode()
    # What was ticked is kept on the page: Bruno unticked, Anna still a member.
    kept = bad.content.decode()
    assert f'value="{anna.pk}" id="member-{anna.pk}" checked' in kept
    assert f'value="{bruno.pk}" id="member-{bruno.pk}" checked' not in kept
    assert QueueMember.objects.filter(queue=queue).count() == 2
    missing_team = root.post(
        f"/settings/cases/queues/{queue.pk}/", {"name": "Care IT", "assignment": "manual"}
    )
    assert missing_team.status_code == 400
    assert 'data-field-error="team"' in missing_team.content.decode()


def test_a_queue_with_cases_is_not_deleted(root, admin, queue):
    services.case_create(actor=admin, data={"subject": "Hello", "queue": queue})
    response = root.post(f"/settings/cases/queues/{queue.pk}/delete/", follow=True)
    assert "move them to another queue" in response.content.decode()
    assert Queue.objects.filter(pk=queue.pk).exists()
