"""Customer care in a real Chromium: an agent finds a case in the list, opens it, takes
it, waits on the customer and resolves it with the status buttons; the SLA panel
follows, and no page breaks the Content Security Policy."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from perno.accounts.models import Team
from perno.accounts.services import user_create
from perno.cases import config, services
from perno.cases.models import Case
from perno.contacts.models import Contact
from tests.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery-9"
CSP_RECORDER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`);
});
"""


@pytest.fixture
def agent(db):
    Team.objects.create(name="Assistenza")
    return user_create(
        username="sara",
        password=PASSWORD,
        roles=["support"],
        team="Assistenza",
        email="sara@example.com",
        first_name="Sara",
        last_name="Conti",
    )


@pytest.fixture
def case(agent):
    root = user_create(username="root", password=PASSWORD, roles=["administrator"])
    queue = config.queue_create(
        actor=root,
        data={"name": "Assistenza clienti", "team": Team.objects.get(name="Assistenza")},
        members=[(agent, True)],
    )
    customer = Contact.objects.create(
        first_name="Maria", last_name="Bianchi", team=queue.team, email="maria@example.com"
    )
    return services.case_create(
        actor=root,
        data={
            "subject": "Stampante inceppata",
            "description": "La stampante si blocca dopo due fogli.",
            "queue": queue,
            "contact": customer,
        },
    )


@pytest.fixture
def page(browser, live_server, agent):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.add_init_script(CSP_RECORDER)
    yield log_in(context, live_server, agent, PASSWORD)
    context.close()


def test_open_take_wait_and_resolve_a_case(page, case, agent):
    page.click("nav >> text=Cases")
    expect(page.locator("h1")).to_have_text("Cases")
    row = page.get_by_test_id("record-table").locator("tr", has_text="Stampante inceppata")
    expect(row.locator("[data-sla]")).to_be_visible()
    row.locator("a", has_text="Stampante inceppata").click()
    expect(page.get_by_test_id("case-reference")).to_have_text(case.reference)
    expect(page.get_by_test_id("case-description")).to_contain_text("si blocca")
    expect(page.get_by_test_id("sla-panel")).to_be_visible()
    # Only the transitions allowed from "New" are offered.
    expect(page.get_by_test_id("status-reopened")).to_have_count(0)

    page.get_by_test_id("assign-me").click()
    expect(page.get_by_test_id("case-assignee")).to_have_text("Sara Conti")

    page.get_by_test_id("status-waiting").click()
    expect(page.get_by_test_id("case-status")).to_have_text("Waiting on customer")
    expect(page.get_by_test_id("sla-paused")).to_be_visible()
    expect(page.get_by_test_id("status-waiting")).to_have_count(0)

    page.get_by_test_id("status-resolved").click()
    expect(page.get_by_test_id("case-status")).to_have_text("Resolved")
    expect(page.get_by_test_id("status-reopened")).to_be_visible()
    stored = Case.objects.get(pk=case.pk)
    assert stored.status == "resolved" and stored.assignee_id == agent.pk
    assert stored.resolved_at is not None and stored.paused_since is None

    page.goto("/cases/dashboard/")
    expect(page.get_by_test_id("open-chart")).to_be_visible()
    assert page.evaluate("window.__cspViolations") == []
