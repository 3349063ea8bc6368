"""Bulk changes in a real Chromium (issue 20, point 7): select every contact matching a
filter across pages, untick one on the second page, change the owner of the rest."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from perno.contacts.models import Contact
from perno.contacts.services import contact_create
from tests.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery-9"
CSP_RECORDER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`);
});
"""


def test_select_across_pages_and_change_the_owner(browser, live_server, user, make_user):
    mate = make_user("marco", team="Vendite Nord", first_name="Marco", last_name="Neri")
    for n in range(30):
        contact_create(actor=user, data={"first_name": f"Anna{n:02d}", "last_name": "Rossi"})
    contact_create(actor=user, data={"first_name": "Dario", "last_name": "Verdi"})
    context = browser.new_context(base_url=live_server.url)
    context.add_init_script(CSP_RECORDER)
    page = log_in(context, live_server, user, PASSWORD)
    page.goto("/contacts/?q=Rossi&sort=name")

    page.get_by_test_id("bulk-page").check()  # every row of page 1
    expect(page.get_by_test_id("bulk-banner")).to_be_visible()
    page.get_by_test_id("bulk-everything").click()
    expect(page.get_by_test_id("bulk-status")).to_contain_text("Every record matching")

    page.locator("a[rel=next]").click()  # page 2: its rows are selected too
    page.wait_for_url("**page=2**")
    rows = page.locator("[data-bulk-row]")
    expect(rows).to_have_count(5)
    spared = rows.first.get_attribute("value")
    for index in range(5):
        expect(rows.nth(index)).to_be_checked()
    rows.first.uncheck()
    expect(page.get_by_test_id("bulk-status")).to_contain_text("except 1")

    form = page.get_by_test_id("bulk-form")
    form.locator("select[name=owner]").select_option(label="Marco Neri")
    form.get_by_test_id("bulk-apply").click()
    expect(page.locator("[role=status].alert")).to_contain_text("Changed 29 of 29 selected records")

    owners = dict(Contact.objects.values_list("pk", "owner_id"))
    moved = {pk for pk, owner in owners.items() if owner == mate.pk}
    assert len(moved) == 29 and int(spared) not in moved
    assert Contact.objects.get(last_name="Verdi").owner_id == user.pk  # outside the filter
    assert page.evaluate("window.__cspViolations") == []
