"""End-to-end in a real Chromium (Debian's /usr/bin/chromium) driven by Playwright."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from perno.activities.models import Activity, Attachment, Comment
from perno.activities.services import activity_create, comment_create
from perno.contacts.models import Company, Contact
from perno.contacts.services import company_create, contact_create
from perno.marketing import services
from perno.marketing.models import Response
from perno.privacy.models import Notice, Purpose
from perno.privacy.rules import may_process
from perno.sales.models import Deal
from perno.sales.services import deal_create
from tests.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery-9"


@pytest.fixture
def page(browser, live_server, user):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    yield log_in(context, live_server, user, PASSWORD)
    context.close()


def test_log_in_and_create_a_company_and_a_contact(page):

    expect(page.locator("h1")).to_contain_text("Hello, Giulia")
    page.click("text=Companies")
    page.click("text=+ New")
    page.fill("#id_name", "Trattoria Da Mario S.r.l.")
    page.fill("#id_vat_number", "IT00743110157")
    page.fill("#id_phone", "06 1234 5678")
    page.click("button:has-text('Save')")
    expect(page.locator("h1")).to_have_text("Trattoria Da Mario S.r.l.")
    company = Company.objects.get()
    assert company.phone == "+390612345678"
    page.click("text=+ Contact")
    page.fill("#id_first_name", "Ștefan")
    page.fill("#id_last_name", "Munteanu")
    page.fill("#id_mobile", "+40 721 234 567")
    page.fill("#id_phone", "12")
    page.click("button:has-text('Save')")
    expect(page.locator("[data-field-error=phone]")).to_be_visible()
    page.fill("#id_phone", "")
    page.click("button:has-text('Save')")
    expect(page.locator("h1")).to_have_text("Ștefan Munteanu")
    expect(page.get_by_test_id("contact-companies")).to_contain_text("Trattoria Da Mario S.r.l.")
    contact = Contact.objects.get()
    assert list(contact.companies.all()) == [company] and contact.mobile == "+40721234567"


def test_add_a_comment_with_an_attachment(page, user, tmp_path):

    company = company_create(actor=user, data={"name": "Alfa S.p.A."})
    pdf = tmp_path / "offerta.pdf"
    pdf.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    page.goto(f"/companies/{company.pk}/")
    form = page.get_by_test_id("comment-form")
    form.locator("textarea").fill("Offerta inviata, vedi allegato")
    form.locator("input[type=file]").set_input_files(str(pdf))
    form.locator("button[type=submit]").click()
    expect(page.get_by_test_id("attachment-link")).to_have_text("offerta.pdf")
    expect(page.get_by_test_id("timeline-entries")).to_contain_text(
        "Offerta inviata, vedi allegato"
    )
    assert Attachment.objects.get().content_type == "application/pdf"


def test_move_a_deal_on_the_board_by_drag_and_by_keyboard(page, user, pipeline):

    deal = deal_create(actor=user, data={"title": "Licenze annuali"})
    stages = list(pipeline.stages.order_by("position"))
    page.goto("/deals/board/")
    card = page.locator(f"[data-deal='{deal.pk}']")
    card.drag_to(page.get_by_test_id(f"stage-{stages[1].pk}"))
    expect(page.locator("#board-status")).to_contain_text("moved to Offerta")
    deal.refresh_from_db()
    assert deal.stage == stages[1] and deal.version == 2
    card.focus()
    page.keyboard.press("ArrowRight")
    expect(page.locator("#board-status")).to_contain_text("moved to Vinto")
    deal.refresh_from_db()
    assert (deal.stage, deal.status) == (stages[2], Deal.Status.WON)
    expect(
        page.get_by_test_id(f"stage-{stages[2].pk}").locator(f"[data-deal='{deal.pk}']")
    ).to_be_visible()


def test_switch_to_italian(page):

    page.click("button[name=language][value=it]")
    expect(page.locator("nav")).to_contain_text("Cruscotto")
    expect(page.locator("nav")).to_contain_text("Aziende")
    expect(page.locator("h1")).to_contain_text("Ciao, Giulia")
    page.click("text=Aziende")
    expect(page.locator("h1")).to_have_text("Aziende")
    expect(page.locator("label[for=list-q]")).to_have_text("Cerca")


def test_search_box_with_the_keyboard_only(page, user):
    """`/` focuses the box, suggestions come from the second character grouped by type,
    ↓ and Enter open one; Enter alone opens the results page."""

    contact = contact_create(actor=user, data={"first_name": "Ștefania", "last_name": "Rossellini"})
    company_create(actor=user, data={"name": "Rossellini Trasporti"})
    page.goto("/contacts/")
    page.keyboard.press("/")
    expect(page.locator("#global-search")).to_be_focused()
    page.keyboard.type("r")
    expect(page.locator("#search-suggestions")).to_contain_text("Type one more character")
    page.keyboard.type("oselini")  # "roselini": one letter missing twice (2 typos, 8 letters)
    suggestions = page.locator("#search-suggestions")
    expect(suggestions.locator("[role=option]").first).to_contain_text("Rossellini")
    expect(suggestions.locator(".dropdown-header")).to_have_text(["Companies", "Contacts"])
    expect(page.locator("#global-search")).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    expect(page.locator("#global-search")).to_have_attribute(
        "aria-activedescendant", f"suggestion-contact-{contact.pk}-0"
    )
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/contacts/{contact.pk}/")
    expect(page.locator("h1")).to_contain_text("Ștefania Rossellini")
    page.keyboard.press("Control+k")
    expect(page.locator("#global-search")).to_be_focused()
    page.keyboard.type("stefania")
    expect(page.locator("#search-suggestions [role=option]").first).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("#global-search")).to_have_attribute("aria-expanded", "false")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search/?q=stefania")
    expect(page.get_by_test_id("search-results")).to_contain_text("Rossellini")


def test_record_a_consent_on_the_contact_page(page, user):
    """The privacy panel loads into the contact page (htmx) and a consent step recorded
    there counts at once for the purpose."""

    purpose = Purpose.objects.create(
        code="browser-newsletter", name="Browser newsletter", legal_basis="consent"
    )
    Notice.objects.create(purpose=purpose, version="1", language="it", text="Informativa")
    contact = contact_create(actor=user, data={"first_name": "Ada", "last_name": "Neri"})
    page.goto(f"/contacts/{contact.pk}/")
    panel = page.get_by_test_id("contact-privacy")
    expect(panel).to_contain_text("Browser newsletter")
    panel.get_by_text("Record a consent step").click()
    form = page.get_by_test_id("consent-form")
    form.locator("select[name=purpose]").select_option(label="Browser newsletter")
    form.locator("select[name=kind]").select_option("given")
    form.locator("select[name=channel]").select_option("phone")
    form.locator("input[name=source]").fill("Call of 24 November")
    form.get_by_role("button", name="Record").click()
    expect(page.get_by_text("The consent step is recorded.")).to_be_visible()
    status = page.get_by_test_id("purpose-status-browser-newsletter")
    expect(status).to_contain_text("yes")
    assert may_process(contact, purpose)


def test_answer_a_survey_on_a_phone_in_romanian(browser, live_server, admin_user):
    """The public answer page works without log-in on a small screen, in the
    respondent's language; a missing answer is shown in place; the answers land on the
    contact's timeline."""

    purpose = Purpose.objects.create(
        code="browser-feedback", name="Feedback", legal_basis="legitimate_interest"
    )
    survey = services.survey_from_template(
        actor=admin_user, purpose=purpose, languages=["ro", "it"]
    )
    survey = services.survey_set_status(actor=admin_user, survey=survey, status="published")
    contact = Contact.objects.create(
        first_name="Ioana", last_name="Pop", language="ro", email="ioana@example.com"
    )
    invitation = services.invitations_create(
        actor=admin_user, survey=survey, contacts=[contact], send=False
    ).created[0]
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 390, "height": 844}, is_mobile=True
    )
    page = context.new_page()
    page.goto(f"/s/{services.link_token(invitation)}/")
    expect(page.locator("h1")).to_have_text("Părerea ta despre noi")
    questions = page.locator("fieldset")
    questions.nth(0).get_by_text("9", exact=True).click()  # satisfaction, 0-10
    for n in range(1, 7):
        questions.nth(n).get_by_text("4", exact=True).click()  # bond items, 1-5
    page.get_by_role("button", name="Trimite răspunsurile").click()
    expect(page.get_by_test_id("answer-errors")).to_be_visible()  # the NPS is required
    expect(questions.nth(7)).to_contain_text("Această întrebare necesită un răspuns.")
    assert questions.nth(0).locator("input:checked").input_value() == "9"  # kept
    questions.nth(7).get_by_text("10", exact=True).click()
    page.get_by_role("button", name="Trimite răspunsurile").click()
    expect(page.get_by_test_id("thanks")).to_contain_text("Mulțumim!")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390  # no sideways scrolling on the phone
    context.close()
    response = Response.objects.get(contact=contact)
    assert (response.satisfaction, response.bond, response.nps) == (90, 75, 10)
    assert Activity.objects.filter(contact=contact, kind="survey").exists()


def test_task_reply_and_address_on_records_with_ids_above_ten_thousand(page, user):
    """Ids above 10,000 (every test's) must reach element ids, hidden inputs and links
    unformatted: complete a task from the dashboard, reply to a comment, add an address."""
    task = activity_create(
        actor=user,
        data={"subject": "Richiamare Ionescu", "due_at": timezone.now() + timedelta(days=1)},
    )
    contact = contact_create(actor=user, data={"first_name": "Ana", "last_name": "Ionescu"})
    comment = comment_create(actor=user, target=contact, body="Prima nota")
    assert min(task.pk, contact.pk, comment.pk) > 10_000

    page.goto("/")
    row = page.locator(f"#task-{task.pk}")
    row.get_by_role("checkbox").check()
    # The row comes back from the server struck through.
    expect(page.locator(f"#task-{task.pk} a")).to_have_class(
        re.compile("text-decoration-line-through")
    )
    task.refresh_from_db()
    assert task.status == Activity.Status.DONE

    page.goto(f"/contacts/{contact.pk}/")
    page.get_by_text("Reply", exact=True).first.click()
    page.get_by_label("Reply", exact=True).fill("Risposta alla nota")
    page.get_by_role("button", name="Send").first.click()
    expect(page.get_by_test_id("timeline-entries")).to_contain_text("Risposta alla nota")
    assert Comment.objects.get(parent=comment).body == "Risposta alla nota"

    page.get_by_text("+ Add address").click()
    section = page.locator(f"#addresses-contact-{contact.pk}")
    section.get_by_label("Street").fill("Strada Lipscani 10")
    section.get_by_label("City").fill("București")
    section.get_by_label("Country").select_option("RO")  # picked from the list
    section.get_by_role("button", name="Add").click()
    expect(page.locator(f"#addresses-contact-{contact.pk}")).to_contain_text("Lipscani")
    address = contact.addresses.get()
    assert (address.city, address.country) == ("București", "RO")
