"""The case pages: the list (filters, the SLA badge, a query budget), a case (its
fields, only the allowed transitions, assigning, merging, suggestions), the forms and
the open cases panel of a contact's page."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from perno.cases import services
from perno.cases.models import Case
from perno.contacts.models import Company, Contact
from perno.knowledge import services as knowledge_services
from perno.records.confidential import confidential_fields_set

pytestmark = pytest.mark.django_db

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture
def anna(client: Any, agents: dict[str, Any]) -> Any:
    """Anna (support, Care North) logged in."""
    client.force_login(agents["anna"])
    return client


def new_case(actor: Any, queue: Any, **data: Any) -> Case:
    return services.case_create(
        actor=actor, data={"subject": "Parcel never arrived", "queue": queue, **data}
    )


def test_the_list_shows_the_teams_cases_with_status_and_sla(anna, agents, queue, south_queue):
    mine = new_case(agents["anna"], queue, subject="Invoice twice", assignee=agents["anna"])
    theirs = new_case(agents["dario"], south_queue, subject="Somewhere else")
    overdue = new_case(agents["anna"], queue, subject="Late answer")
    past = timezone.now() - datetime.timedelta(hours=2)
    Case.objects.filter(pk=overdue.pk).update(
        first_response_due=past, resolution_due=timezone.now() + datetime.timedelta(days=1)
    )
    Case.objects.filter(pk=mine.pk).update(
        first_response_due=timezone.now() + datetime.timedelta(hours=3), first_response_warn_at=None
    )
    response = anna.get("/cases/")
    body = response.content.decode()
    assert response.status_code == 200
    assert mine.reference in body and overdue.reference in body
    assert theirs.reference not in body and "Somewhere else" not in body
    assert 'data-sla="breached"' in body and "overdue by" in body
    assert 'data-sla="on_track"' in body and "left" in body
    assert 'data-status="new"' in body


def test_list_filters(anna, agents, queue, south_queue):
    mine = new_case(agents["anna"], queue, subject="Mine", assignee=agents["anna"], priority=4)
    other = new_case(agents["anna"], queue, subject="Bruno's", assignee=agents["bruno"])
    loose = new_case(agents["anna"], queue, subject="Nobody's")
    Case.objects.filter(pk=loose.pk).update(assignee=None)
    email = new_case(agents["anna"], queue, subject="By mail", channel="email")
    services.case_set_status(actor=agents["anna"], case=other, status="resolved")

    def listed(query: str) -> set[int]:
        body = anna.get(f"/cases/?{query}").content.decode()
        return {c.pk for c in (mine, other, loose, email) if c.reference in body}

    assert listed(f"assignee={agents['anna'].pk}") == {mine.pk} | (
        {email.pk} if Case.objects.get(pk=email.pk).assignee_id == agents["anna"].pk else set()
    )
    assert listed("unassigned=true") == {loose.pk}
    assert listed("status=active") == {mine.pk, loose.pk, email.pk}
    assert listed("status=resolved") == {other.pk}
    assert listed("priority=4") == {mine.pk}
    assert listed("channel=email") == {email.pk}
    assert listed("q=nobody") == {loose.pk}
    assert listed(f"queue={queue.pk}") == {mine.pk, other.pk, loose.pk, email.pk}
    assert listed("sla=none") == {
        c.pk for c in (mine, other, loose, email) if c.sla_state == "none"
    }
    bad = anna.get("/cases/?status=bogus")
    assert bad.status_code == 400 and "Some filters were not valid" in bad.content.decode()
    # "Me" is offered first among the assignees.
    body = anna.get("/cases/").content.decode()
    assignee_select = body[body.index('name="assignee"') :]
    assert assignee_select.index(f'value="{agents["anna"].pk}"') < assignee_select.index(
        f'value="{agents["bruno"].pk}"'
    )


def test_the_list_stays_within_a_query_budget(
    anna, agents, queue, customer, django_assert_max_num_queries
):
    for n in range(30):
        new_case(agents["anna"], queue, subject=f"Case {n}", contact=customer)
    # The budget of the other list pages (perno/web/tests/test_pages.py): session, user
    # and second factor (3), the gate (2) and confidential fields (1), the audit entry of
    # the rows shown (3 with PostgreSQL's chain lock), the saved views (1), the rows with
    # their queue, assignee, contact, company and category (1) and their owners and
    # teams (2), the filter choices (queues, categories, users: 3), the unread
    # notifications (1), the session's save (3). Nothing per row: 25 rows would add 25.
    with django_assert_max_num_queries(22):
        response = anna.get("/cases/?page_size=25")
    assert response.status_code == 200
    assert response.content.decode().count('data-sla="') == 25


def test_the_case_page_offers_only_the_allowed_transitions(anna, agents, queue, customer):
    case = new_case(agents["anna"], queue, contact=customer, description="It never came.")
    body = anna.get(f"/cases/{case.pk}/").content.decode()
    assert case.reference in body and "It never came." in body
    for allowed in ("open", "waiting", "resolved", "closed"):
        assert f'data-testid="status-{allowed}"' in body
    assert 'data-testid="status-reopened"' not in body and 'data-testid="status-new"' not in body
    assert 'data-testid="sla-panel"' in body
    response = anna.post(
        f"/cases/{case.pk}/status/", {"status": "waiting", "version": case.version}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == "waiting" and case.paused_since is not None
    body = anna.get(f"/cases/{case.pk}/").content.decode()
    assert 'data-testid="status-waiting"' not in body and 'data-testid="status-open"' in body


def test_an_invalid_transition_and_a_stale_version_are_refused(anna, agents, queue):
    case = new_case(agents["anna"], queue)
    services.case_set_status(actor=agents["anna"], case=case, status="closed")
    case.refresh_from_db()
    body = anna.get(f"/cases/{case.pk}/").content.decode()
    assert 'data-testid="status-buttons"' not in body  # a closed case goes nowhere
    response = anna.post(f"/cases/{case.pk}/status/", {"status": "open"})
    assert response.status_code == 400
    assert "cannot change status" in response.content.decode()
    assert Case.objects.get(pk=case.pk).status == "closed"
    fresh = new_case(agents["anna"], queue)
    response = anna.post(
        f"/cases/{fresh.pk}/status/", {"status": "open", "version": fresh.version - 1}
    )
    assert response.status_code == 409
    assert "Someone else changed" in response.content.decode()
    assert Case.objects.get(pk=fresh.pk).status == "new"
    response = anna.post(f"/cases/{fresh.pk}/status/", {"status": "martian"})
    assert response.status_code == 400 and Case.objects.get(pk=fresh.pk).status == "new"


def test_assign_to_me_to_someone_and_to_nobody(anna, agents, queue, south_queue):
    case = new_case(agents["bruno"], queue, assignee=agents["bruno"])
    page = anna.get(f"/cases/{case.pk}/").content.decode()
    form = page[page.index('data-testid="assign-form"') :]
    members, others = form.split("Everyone else", 1)
    assert f'value="{agents["carla"].pk}"' in members  # a member (away, still listed)
    assert f'value="{agents["dario"].pk}"' in others.split("</select>")[0]
    assert anna.post(f"/cases/{case.pk}/assign/", {"to": "me"}).status_code == 302
    assert Case.objects.get(pk=case.pk).assignee == agents["anna"]
    response = anna.post(f"/cases/{case.pk}/assign/", {"assignee": agents["carla"].pk})
    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).assignee == agents["carla"]
    # Dario (South) may not see North's cases: refused with the reason, nothing changes.
    response = anna.post(f"/cases/{case.pk}/assign/", {"assignee": agents["dario"].pk})
    assert response.status_code == 400 and "may not see the cases" in response.content.decode()
    assert Case.objects.get(pk=case.pk).assignee == agents["carla"]
    assert anna.post(f"/cases/{case.pk}/assign/", {"to": "nobody"}).status_code == 302
    assert Case.objects.get(pk=case.pk).assignee is None
    empty = anna.post(f"/cases/{case.pk}/assign/", {})
    assert empty.status_code == 400 and "Choose whom" in empty.content.decode()


def test_merge_cases_of_the_same_contact_after_confirming(anna, agents, queue, customer):
    kept = new_case(agents["anna"], queue, contact=customer, subject="Kept")
    dup = new_case(agents["anna"], queue, contact=customer, subject="Duplicate")
    stranger = Contact.objects.create(first_name="Ion", last_name="Popa", team=queue.team)
    elsewhere = new_case(agents["anna"], queue, contact=stranger, subject="Other person")
    body = anna.get(f"/cases/{kept.pk}/").content.decode()
    assert 'data-testid="merge-form"' in body and dup.reference in body
    assert elsewhere.reference not in body[body.index('data-testid="merge-form"') :]
    confirm = anna.post(f"/cases/{kept.pk}/merge/", {"sources": [dup.pk]})
    assert confirm.status_code == 200 and 'data-testid="merge-confirm"' in confirm.content.decode()
    assert Case.objects.get(pk=dup.pk).merged_into_id is None  # nothing merged yet
    done = anna.post(f"/cases/{kept.pk}/merge/", {"sources": [dup.pk], "confirm": "1"})
    assert done.status_code == 302
    dup.refresh_from_db()
    assert dup.merged_into_id == kept.pk and dup.status == "closed"
    body = anna.get(f"/cases/{kept.pk}/").content.decode()
    assert 'data-testid="merged-cases"' in body and dup.reference in body
    assert 'data-testid="merged-into"' in anna.get(f"/cases/{dup.pk}/").content.decode()
    # A case of another contact cannot be merged here, even when posted by hand.
    bad = anna.post(f"/cases/{kept.pk}/merge/", {"sources": [elsewhere.pk], "confirm": "1"})
    assert bad.status_code == 400
    assert Case.objects.get(pk=elsewhere.pk).merged_into_id is None


def test_another_teams_case_is_not_found(anna, agents, south_queue):
    theirs = new_case(agents["dario"], south_queue)
    assert theirs.pk > 10_000
    for url in (
        f"/cases/{theirs.pk}/",
        f"/cases/{theirs.pk}/edit/",
        f"/cases/{theirs.pk}/status/",
        f"/cases/{theirs.pk}/assign/",
        f"/cases/{theirs.pk}/merge/",
        f"/cases/{theirs.pk}/delete/",
    ):
        method = anna.get if url.endswith(f"{theirs.pk}/") or url.endswith("edit/") else anna.post
        assert method(url).status_code == 404, url
    assert anna.get("/cases/99999999/").status_code == 404
    assert Case.objects.get(pk=theirs.pk).status == "new"


def test_hostile_text_is_escaped(anna, agents, queue):
    case = new_case(agents["anna"], queue, subject=HOSTILE[:200], description=HOSTILE)
    for url in (f"/cases/{case.pk}/", "/cases/", f"/cases/{case.pk}/edit/"):
        body = anna.get(url).content.decode()
        assert "<script>alert" not in body and "<img src=x" not in body, url
        assert "&lt;script&gt;" in body, url


def test_create_and_edit_with_clear_errors_and_a_stale_version(anna, agents, queue, customer):
    response = anna.post(
        "/cases/new/", {"subject": "", "status": "new", "priority": "2", "channel": "phone"}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert 'data-field-error="subject"' in body and 'data-field-error="queue"' in body
    assert not Case.objects.exists()
    response = anna.post(
        "/cases/new/",
        {
            "subject": "Broken screen",
            "description": "Cracked on arrival",
            "queue": queue.pk,
            "status": "new",
            "priority": "3",
            "channel": "phone",
            "contact": customer.pk,
        },
    )
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.contact == customer and case.team_id == queue.team_id
    assert case.assignee is not None  # the queue's round robin chose someone
    form = anna.get(f"/cases/{case.pk}/edit/").content.decode()
    assert 'value="reopened"' not in form and 'value="resolved"' in form
    data = {
        "subject": "Broken screen (edited)",
        "queue": queue.pk,
        "status": case.status,
        "priority": "3",
        "channel": "phone",
        "version": case.version,
    }
    assert anna.post(f"/cases/{case.pk}/edit/", data).status_code == 302
    stale = anna.post(f"/cases/{case.pk}/edit/", {**data, "subject": "Mine"})
    assert stale.status_code == 409 and 'data-testid="conflict"' in stale.content.decode()
    assert Case.objects.get(pk=case.pk).subject == "Broken screen (edited)"
    wrong = anna.post(
        f"/cases/{case.pk}/edit/", {**data, "status": "reopened", "version": case.version + 1}
    )
    assert wrong.status_code == 400


def test_suggested_articles_from_the_cases_text(anna, agents, queue, admin):
    knowledge_services.article_create(
        actor=admin,
        data={"visibility": "internal"},
        language="en",
        title="Paper jam in the printer",
        body="Open the tray and remove the jammed paper from the printer rollers.",
        publish=True,
    )
    case = new_case(
        agents["anna"], queue, subject="Printer jam", description="The printer jams on paper."
    )
    body = anna.get(f"/cases/{case.pk}/").content.decode()
    section = body[body.index('data-testid="suggestions"') :]
    assert "Paper jam in the printer" in section[: section.index("</section>")]


def test_the_conversation_leaves_room_for_the_mail_pages(anna, agents, queue):
    case = new_case(agents["anna"], queue)
    body = anna.get(f"/cases/{case.pk}/").content.decode()
    assert 'data-testid="conversation"' in body


def test_the_contact_page_panel_shows_the_open_cases(anna, agents, queue, customer):
    first = new_case(agents["anna"], queue, contact=customer, subject="Open one")
    done = new_case(agents["anna"], queue, contact=customer, subject="Done one")
    services.case_set_status(actor=agents["anna"], case=done, status="resolved")
    body = anna.get(f"/cases/of/contact/{customer.pk}/").content.decode()
    assert first.reference in body and done.reference not in body
    assert f"contact={customer.pk}" in body and "status=active" in body
    assert anna.get(f"/cases/of/deal/{customer.pk}/").status_code == 404
    page = anna.get(f"/contacts/{customer.pk}/").content.decode()
    assert f"/cases/of/contact/{customer.pk}/" in page


def test_the_main_navigation_links_the_cases(anna):
    body = anna.get("/cases/").content.decode()
    assert 'href="/cases/"' in body


def test_delete_needs_the_right(anna, agents, queue, client):
    own = new_case(agents["anna"], queue)
    someone = new_case(agents["bruno"], queue)
    assert anna.post(f"/cases/{someone.pk}/delete/").status_code == 403
    assert anna.post(f"/cases/{own.pk}/delete/").status_code == 302
    assert not Case.objects.filter(pk=own.pk).exists()
    assert Case.objects.filter(pk=someone.pk).exists()


def test_export_follows_the_export_right(client, agents, queue, south_queue):
    ours = new_case(agents["anna"], queue, subject="Exported one")
    theirs = new_case(agents["dario"], south_queue, subject="Not ours")
    client.force_login(agents["boss"])  # a manager exports the team's cases
    response = client.get("/cases/?export=csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    assert "Exported one" in text and "Not ours" not in text
    client.force_login(agents["anna"])  # support agents have no export right
    refused = client.get("/cases/?export=csv")
    assert refused.status_code == 302 and "export" not in refused["Location"]
    assert theirs.pk and ours.pk


def test_the_company_page_panel_rolls_up_its_cases(anna, agents, queue, teams):
    company = Company.objects.create(name="Acme S.r.l.", team=teams["north"])
    case = new_case(agents["anna"], queue, company=company, subject="Company case")
    body = anna.get(f"/cases/of/company/{company.pk}/").content.decode()
    assert case.reference in body and f"company={company.pk}" in body
    assert (
        f"/cases/of/company/{company.pk}/" in anna.get(f"/companies/{company.pk}/").content.decode()
    )


def test_confidential_fields_stay_out_of_the_forms_and_pages(anna, agents, queue, admin):
    confidential_fields_set(actor=admin, subject="case", fields=["description"])
    case = new_case(admin, queue, description="Secret details")
    form = anna.get("/cases/new/")
    assert form.status_code == 200 and 'name="description"' not in form.content.decode()
    assert 'name="description"' not in anna.get(f"/cases/{case.pk}/edit/").content.decode()
    assert "Secret details" not in anna.get(f"/cases/{case.pk}/").content.decode()
