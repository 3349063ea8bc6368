"""Writing e-mail from a record or a case through a real SMTP server (aiosmtpd), what
the page says when the server is down (and that nothing is stored as sent), templates
in the recipient's language, and the template pages of the settings."""

from __future__ import annotations

import email
from email import policy
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from perno.cases.services import case_create
from perno.contacts.models import Contact
from perno.contacts.services import contact_create
from perno.mail import services
from perno.mail.models import MailMessage, MailTemplate
from perno.mail.tests.conftest import build
from perno.mail.tests.test_pages import imported, make_box

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def anna(agent: Any, client: Any) -> Any:
    client.force_login(agent)
    return client


@pytest.fixture
def smtp_port(smtp_inbox: Any, settings: Any) -> int:
    return int(settings.MAILERS["default"]["OPTIONS"]["port"])


@pytest.fixture
def box(agent: Any, smtp_port: int) -> Any:
    return make_box(agent, name="Posta di Anna", address="anna@perno.test", smtp_port=smtp_port)


@pytest.fixture
def ioana(admin: Any, team: Any) -> Contact:
    return contact_create(
        actor=admin,
        data={
            "first_name": "Ioana",
            "last_name": "Popescu",
            "email": "ioana.popescu@example.ro",
            "language": "ro",
            "team": team,
        },
    )


def received(inbox: Any, count: int = 1) -> list[Any]:
    return [
        email.message_from_bytes(envelope.content, policy=policy.default)
        for envelope in inbox.wait(count)
    ]


def compose_url(kind: str, pk: int) -> str:
    return f"/mail/compose/{kind}/{pk}/"


def test_the_form_starts_with_the_contact_and_offers_only_my_mailboxes(
    anna, box, ioana, make_user, other_team
):
    bruno = make_user("bruno", role="support", team=other_team.name)
    theirs = make_box(bruno, name="Posta di Bruno")

    page = anna.get(compose_url("contact", ioana.pk))

    assert page.status_code == 200
    body = page.content.decode()
    assert 'value="ioana.popescu@example.ro"' in body
    assert f'<option value="{box.pk}"' in body
    assert "Posta di Bruno" not in body and f'value="{theirs.pk}"' not in body


def test_an_email_is_sent_through_smtp_and_logged_on_the_contact(
    anna, box, ioana, smtp_inbox, agent
):
    response = anna.post(
        compose_url("contact", ioana.pk),
        {
            "mailbox": box.pk,
            "to": "Ioana Popescu <ioana.popescu@example.ro>",
            "cc": "ufficio@example.it",
            "subject": "Offerta <b>2026</b>",
            "body": "Buongiorno, in allegato l'offerta.",
            "attachments": [SimpleUploadedFile("offerta.pdf", PDF, "application/pdf")],
            "action": "send",
        },
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    assert response["Location"] == f"/contacts/{ioana.pk}/"
    [sent] = received(smtp_inbox)
    assert sent["Subject"] == "Offerta <b>2026</b>" and sent["To"] == "ioana.popescu@example.ro"
    assert "anna@perno.test" in sent["From"]
    assert [part.get_filename() for part in sent.iter_attachments()] == ["offerta.pdf"]
    assert sorted(smtp_inbox.messages[0].rcpt_tos) == [
        "ioana.popescu@example.ro",
        "ufficio@example.it",
    ]
    stored = MailMessage.objects.get(direction="out")
    assert (stored.contact_id, stored.created_by_id, stored.mailbox_id) == (
        ioana.pk,
        agent.pk,
        box.pk,
    )
    assert stored.attachments.get().original_name == "offerta.pdf"
    page = anna.get(response["Location"]).content.decode()
    assert "Sent “Offerta &lt;b&gt;2026&lt;/b&gt;” to ioana.popescu@example.ro." in page
    assert (
        "Offerta &lt;b&gt;2026&lt;/b&gt;"
        in anna.get(f"/timeline/contact/{ioana.pk}/").content.decode()
    )
    message_page = anna.get(f"/mail/messages/{stored.pk}/").content.decode()
    assert "<b>2026</b>" not in message_page


def test_when_the_smtp_server_is_down_the_page_says_so_and_nothing_is_stored(anna, agent, ioana):
    down = make_box(agent, name="Posta spenta", smtp_port=9)  # nothing listens there

    response = anna.post(
        compose_url("contact", ioana.pk),
        {
            "mailbox": down.pk,
            "to": "ioana.popescu@example.ro",
            "subject": "Prova",
            "body": "Testo che resta nel modulo.",
            "action": "send",
        },
    )

    assert response.status_code == 400
    body = response.content.decode()
    errors = body[body.index('data-testid="form-errors"') :].split("</div></div>")[0]
    assert "The message was not sent." in errors
    assert "refused the connection on this port" in errors
    assert "Testo che resta nel modulo." in body  # what was typed is kept
    assert not MailMessage.objects.exists()


def test_wrong_input_is_told_field_by_field_and_nothing_is_sent(
    anna, box, ioana, smtp_inbox, make_user, other_team
):
    theirs = make_box(make_user("bruno", role="support", team=other_team.name), name="Altrui")

    response = anna.post(
        compose_url("contact", ioana.pk),
        {"mailbox": box.pk, "to": "non-un-indirizzo, <script>@x", "subject": "", "body": ""},
    )

    assert response.status_code == 400
    body = response.content.decode()
    assert "“non-un-indirizzo” is not an e-mail address." in body
    assert "<script>@x" not in body
    assert "Write a subject." in body and "Write the message." in body
    response = anna.post(
        compose_url("contact", ioana.pk),
        {"mailbox": theirs.pk, "to": "a@example.com", "subject": "x", "body": "y"},
    )
    assert response.status_code == 400 and "Select a valid choice" in response.content.decode()
    huge = "9" * 30  # ids no table holds, of any size, are 404s or field errors
    response = anna.post(
        compose_url("contact", ioana.pk),
        {"mailbox": huge, "template": huge, "to": "a@example.com", "subject": "x", "body": "y"},
    )
    assert response.status_code == 400 and "Select a valid choice" in response.content.decode()
    assert anna.get(compose_url("contact", ioana.pk) + f"?reply={huge}").status_code == 404
    assert anna.get(f"/mail/compose/contact/{huge}/").status_code == 404
    assert anna.get(f"/mail/messages/{huge}/").status_code == 404
    assert anna.get(f"/mail/mailboxes/{huge}/").status_code == 404
    assert smtp_inbox.messages == [] and not MailMessage.objects.exists()


def test_a_template_is_filled_in_in_the_recipients_language(anna, admin, box, ioana, smtp_inbox):
    italian = services.template_create(
        actor=admin,
        data={
            "name": "Benvenuto",
            "language": "it",
            "subject": "Benvenuta {{ contact.first_name }}",
            "body": "Gentile {{ contact.full_name }}, saluti da {{ sender.first_name }}.",
        },
    )
    services.template_create(
        actor=admin,
        data={
            "name": "Benvenuto",
            "language": "ro",
            "subject": "Bun venit {{ contact.first_name }}",
            "body": "Stimată {{ contact.full_name }}, salutări de la {{ sender.first_name }}.",
        },
    )
    page = anna.get(compose_url("contact", ioana.pk)).content.decode()
    assert "Benvenuto (it, ro)" in page

    preview = anna.post(
        compose_url("contact", ioana.pk),
        {"mailbox": box.pk, "to": ioana.email, "template": italian.pk, "action": "preview"},
    )

    body = preview.content.decode()
    assert preview.status_code == 200, body[body.find("invalid-feedback") - 300 :][:900]
    assert 'data-testid="template-preview"' in body and "(Romanian)" in body
    assert 'value="Bun venit Ioana"' in body
    assert "Stimată Ioana Popescu, salutări de la Anna." in body
    assert smtp_inbox.messages == []  # a preview sends nothing

    # Sent straight away with the template (subject and text left empty): the same.
    response = anna.post(
        compose_url("contact", ioana.pk),
        {"mailbox": box.pk, "to": ioana.email, "template": italian.pk, "action": "send"},
    )
    assert response.status_code == 302
    [sent] = received(smtp_inbox)
    assert sent["Subject"] == "Bun venit Ioana"
    assert "Stimată Ioana Popescu, salutări de la Anna." in sent.get_content()


def test_a_reply_on_a_case_carries_its_token_and_records_the_first_response(
    anna, admin, queue, ioana, smtp_inbox, smtp_port
):
    case = case_create(
        actor=admin, data={"subject": "Pacco perso", "queue": queue, "contact": ioana}
    )
    support = make_box(
        admin, name="Assistenza", kind="shared", team=queue.team, smtp_port=smtp_port
    )
    raw, first_id = build(sender="Ioana <ioana.popescu@example.ro>", subject=f"Pacco {case.token}")
    question = imported(support, raw, 1)
    assert question.case_id == case.pk and case.first_response_at is None
    fragment = anna.get(f"/mail/cases/{case.pk}/").content.decode()
    assert f'<option value="{support.pk}" selected>' in fragment

    response = anna.post(
        compose_url("case", case.pk),
        {
            "mailbox": support.pk,
            "to": "ioana.popescu@example.ro",
            "subject": "Re: Pacco",
            "body": "Lo abbiamo rispedito.",
            "reply_to": question.pk,
            "action": "send",
        },
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    [sent] = received(smtp_inbox)
    assert case.token in sent["Subject"]
    assert sent["In-Reply-To"] == f"<{first_id}>"
    case.refresh_from_db()
    assert case.first_response_at is not None and case.status == "open"
    answer = MailMessage.objects.get(direction="out")
    assert answer.case_id == case.pk and answer.thread_id == question.thread_id
    assert "Lo abbiamo rispedito." in anna.get(f"/mail/cases/{case.pk}/").content.decode()


def test_without_a_mailbox_the_page_says_how_to_get_one(client, make_user, ioana, team):
    client.force_login(make_user("nuova", role="sales", team=team.name))
    body = client.get(compose_url("contact", ioana.pk)).content.decode()
    assert 'data-testid="no-mailbox"' in body and "/mail/mailboxes/new/?kind=personal" in body


def test_composing_on_a_record_out_of_sight_or_of_another_type_is_404(client, make_user, ioana):
    client.force_login(make_user("estraneo", role="sales", team="Altro"))
    for url in (
        compose_url("contact", ioana.pk),
        compose_url("product", ioana.pk),
        compose_url("contact", 99_999_999),
    ):
        assert client.get(url).status_code == 404, url


# --- Settings → E-mail templates ------------------------------------------------------


@pytest.fixture
def root(client: Any, admin: Any, login_verified: Any) -> Any:
    login_verified(client, admin)
    return client


def template_form(**extra: str) -> dict[str, str]:
    data = {
        "name": "Sollecito",
        "language": "it",
        "subject": "Pratica {{ case.number }}",
        "body": "Gentile {{ contact.first_name }},\nattendiamo una sua risposta.",
    }
    data.update(extra)
    return data


def test_templates_are_managed_per_language_with_the_backends_errors(root):
    page = root.get("/mail/templates/new/")
    assert page.status_code == 200 and "{{ contact.first_name }}" in page.content.decode()

    response = root.post("/mail/templates/new/", template_form())

    assert response.status_code == 302
    italian = MailTemplate.objects.get(name="Sollecito", language="it")
    listing = root.get("/mail/templates/").content.decode()
    assert "Pratica {{ case.number }}" in listing
    assert "/mail/templates/new/?name=Sollecito&amp;language=ro" in listing
    wrong = root.post(
        "/mail/templates/new/",
        template_form(language="ro", body="Stimată {{ contact.phone }} {% if x %}"),
    )
    assert wrong.status_code == 400
    body = wrong.content.decode()
    assert "Unknown merge field “{{ contact.phone }}”" in body
    assert "is not a merge field" in body
    again = root.post("/mail/templates/new/", template_form(subject="Altro"))
    assert again.status_code == 400
    assert "already exists" in again.content.decode()
    assert MailTemplate.objects.count() == 1
    edited = root.post(
        f"/mail/templates/{italian.pk}/", template_form(subject="Pratica in sospeso")
    )
    assert edited.status_code == 302
    italian.refresh_from_db()
    assert italian.subject == "Pratica in sospeso"
    assert root.post(f"/mail/templates/{italian.pk}/delete/").status_code == 302
    assert not MailTemplate.objects.exists()


def test_templates_are_for_administrators(anna, admin):
    template = services.template_create(actor=admin, data=template_form())
    for method, url in (
        ("get", "/mail/templates/"),
        ("get", "/mail/templates/new/"),
        ("post", "/mail/templates/new/"),
        ("get", f"/mail/templates/{template.pk}/"),
        ("post", f"/mail/templates/{template.pk}/"),
        ("post", f"/mail/templates/{template.pk}/delete/"),
    ):
        response = getattr(anna, method)(url, template_form(name="Mia") if method == "post" else {})
        assert response.status_code == 403, (method, url)
    assert list(MailTemplate.objects.values_list("name", flat=True)) == ["Sollecito"]
