"""End-to-end in a real Chromium: writing an e-mail from a contact's page, with a
template applied as soon as it is chosen (perno/web/static/perno/mail.js), sent through
a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import email
from email import policy

import pytest
from playwright.sync_api import expect

from perno.contacts.services import contact_create
from perno.mail import services
from perno.mail.models import MailMessage
from tests.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery-9"


@pytest.fixture
def page(browser, live_server, user):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    yield log_in(context, live_server, user, PASSWORD)
    context.close()


def test_compose_an_email_from_a_contact_page(page, user, admin_user, smtp_inbox, settings):
    port = int(settings.MAILERS["default"]["OPTIONS"]["port"])
    services.mailbox_create(
        actor=user,
        data={
            "name": "Posta di Giulia",
            "kind": "personal",
            "address": "giulia@perno.test",
            "imap_host": "127.0.0.1",
            "imap_port": 9,
            "imap_security": "starttls",
            "imap_username": "giulia",
            "smtp_host": "127.0.0.1",
            "smtp_port": port,
            "smtp_security": "none",
        },
        imap_password="a-password-for-imap",
    )
    services.template_create(
        actor=admin_user,
        data={
            "name": "Offerta",
            "language": "it",
            "subject": "Offerta per {{ contact.first_name }}",
            "body": "Gentile {{ contact.full_name }},\nle invio l'offerta.\n{{ sender.first_name }}",
        },
    )
    contact = contact_create(
        actor=user,
        data={"first_name": "Ada", "last_name": "Neri", "email": "ada.neri@example.it"},
    )

    page.goto(f"/contacts/{contact.pk}/")
    page.get_by_test_id("send-email").click()
    form = page.get_by_test_id("compose-form")
    expect(form.locator("input[name=to]")).to_have_value("ada.neri@example.it")
    form.locator("select[name=template]").select_option(label="Offerta (it)")
    expect(page.get_by_test_id("template-preview")).to_be_visible()  # applied on choosing
    expect(form.locator("input[name=subject]")).to_have_value("Offerta per Ada")
    expect(form.locator("textarea[name=body]")).to_have_value(
        "Gentile Ada Neri,\nle invio l'offerta.\nGiulia"
    )
    form.locator("textarea[name=body]").fill("Gentile Ada Neri,\necco l'offerta rivista.\nGiulia")
    form.get_by_test_id("send").click()

    page.wait_for_url(f"**/contacts/{contact.pk}/")
    expect(page.get_by_role("status")).to_contain_text(
        "Sent “Offerta per Ada” to ada.neri@example.it."
    )
    expect(page.locator("#timeline")).to_contain_text("Offerta per Ada")
    [envelope] = smtp_inbox.wait(1)
    sent = email.message_from_bytes(envelope.content, policy=policy.default)
    assert sent["Subject"] == "Offerta per Ada"
    assert "ecco l'offerta rivista." in sent.get_content()
    stored = MailMessage.objects.get()
    assert (stored.contact_id, stored.direction) == (contact.pk, "out")
