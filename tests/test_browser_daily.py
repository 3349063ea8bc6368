"""The daily work in a real Chromium (issue 19, point 8): the board on a tablet (touch,
pointer events) asks why a deal is lost; no main page breaks the Content Security Policy."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from perno.activities.services import activity_create, comment_create
from perno.contacts.services import company_create, contact_create
from perno.marketing.services import segment_create
from perno.sales.models import Deal
from perno.sales.services import deal_create, lead_create
from tests.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery-9"
# Records every CSP violation the page reports, from before its first script runs.
CSP_RECORDER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
"""


def _touch_drag(page, source, target):
    """A finger drag from ``source`` to ``target`` (real touch events through the
    DevTools protocol: the browser turns them into pointer events of type "touch")."""
    cdp = page.context.new_cdp_session(page)
    start, end = source.bounding_box(), target.bounding_box()
    x0, y0 = start["x"] + start["width"] / 2, start["y"] + start["height"] / 2
    x1, y1 = end["x"] + end["width"] / 2, end["y"] + 40
    cdp.send(
        "Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x0, "y": y0}]}
    )
    for step in range(1, 11):
        x, y = x0 + (x1 - x0) * step / 10, y0 + (y1 - y0) * step / 10
        cdp.send(
            "Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x, "y": y}]}
        )
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    cdp.detach()


def test_move_deals_on_a_tablet_by_touch_and_lose_one_with_its_reason(
    browser, live_server, user, pipeline
):
    deal = deal_create(actor=user, data={"title": "Licenze annuali"})
    stages = {s.name: s for s in pipeline.stages.all()}
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": 820, "height": 1180},  # a tablet held upright
        has_touch=True,
        is_mobile=True,
    )
    page = log_in(context, live_server, user, PASSWORD)
    page.goto("/deals/board/")
    card = page.locator(f"[data-deal='{deal.pk}']")
    _touch_drag(
        page,
        card.get_by_test_id("drag-handle"),
        page.get_by_test_id(f"stage-{stages['Offerta'].pk}"),
    )
    expect(page.locator("#board-status")).to_contain_text("moved to Offerta")
    deal.refresh_from_db()
    assert deal.stage == stages["Offerta"]

    # To the lost stage: the board asks why; cancelling leaves the deal where it was.
    lost = page.get_by_test_id(f"stage-{stages['Perso'].pk}")
    lost.scroll_into_view_if_needed()
    _touch_drag(page, card.get_by_test_id("drag-handle"), lost)
    dialog = page.get_by_test_id("lost-dialog")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    deal.refresh_from_db()
    assert deal.status == Deal.Status.OPEN
    _touch_drag(page, card.get_by_test_id("drag-handle"), lost)
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Mark as lost").click()  # no reason yet: refused here
    expect(dialog.locator("#lost-reason-error")).to_be_visible()
    dialog.locator("textarea").fill("Budget tagliato")
    dialog.get_by_role("button", name="Mark as lost").click()
    expect(page.locator("#board-status")).to_contain_text("moved to Perso")
    deal.refresh_from_db()
    assert (deal.status, deal.close_reason) == (Deal.Status.LOST, "Budget tagliato")
    expect(lost.locator(f"[data-deal='{deal.pk}']")).to_be_visible()
    context.close()


def test_no_main_page_breaks_the_content_security_policy(browser, live_server, make_user, pipeline):
    user = make_user("capo", role="manager", team="Vendite Nord", first_name="Carla")
    company = company_create(actor=user, data={"name": "Alfa S.p.A."})
    contact = contact_create(actor=user, data={"first_name": "Ana", "last_name": "Ionescu"})
    deal = deal_create(actor=user, data={"title": "Rinnovo", "company": company})
    lead = lead_create(actor=user, data={"first_name": "Ion", "last_name": "Pop"})
    task = activity_create(
        actor=user,
        data={"subject": "Richiamare", "due_at": timezone.now() - timedelta(hours=1)},
    )
    comment_create(actor=user, target=company, body="Nota")
    segment = segment_create(actor=user, data={"name": "Tutti", "kind": "static"})
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.add_init_script(CSP_RECORDER)
    console = []
    page = log_in(context, live_server, user, PASSWORD)
    page.on(
        "console",
        lambda m: console.append(m.text) if "Content Security Policy" in m.text else None,
    )
    paths = [
        "/",
        "/companies/",
        f"/companies/{company.pk}/",
        "/contacts/",
        f"/contacts/{contact.pk}/",
        "/contacts/new/",
        "/leads/",
        f"/leads/{lead.pk}/",
        f"/leads/{lead.pk}/convert/",
        "/deals/",
        "/deals/board/",
        f"/deals/{deal.pk}/",
        f"/deals/{deal.pk}/edit/",
        "/activities/",
        f"/activities/{task.pk}/",
        "/activities/new/",
        "/products/",
        "/orders/",
        "/segments/",
        f"/segments/{segment.pk}/",
        "/segments/new/",
        "/surveys/",
        "/notifications/",
        "/search/?q=Alfa",
        "/account/security/",
        "/account/two-factor/",
    ]
    violations = {}
    for path in paths:
        response = page.goto(path)
        assert response.status < 400, (path, response.status)
        page.wait_for_load_state("networkidle")
        found = page.evaluate("window.__cspViolations")
        if found:
            violations[path] = found
    assert not violations, violations
    assert not console, console
    context.close()
