"""A message's page (remote images blocked unless asked, scripts never, the policy that
allows images only then), attachment downloads through the gate, forwarded .eml files
dropped on records, and a case's conversation."""

from __future__ import annotations

from email.message import EmailMessage
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from django.test import RequestFactory

from perno.cases.services import case_create
from perno.contacts.models import Contact
from perno.contacts.services import contact_create
from perno.mail.models import MailAttachment, MailMessage
from perno.mail.tests.conftest import build
from perno.mail.tests.test_pages import imported, make_box
from perno.sales.services import deal_create

pytestmark = pytest.mark.django_db

# A 1×1 transparent PNG.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6300010000050001"
    "0d0a2db40000000049454e44ae426082"
)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
TRACKER = "https://tracker.example/open.gif?id=42"
HTML = (
    f'<p>Gentile cliente, <b>ecco</b> la fattura.<img src="{TRACKER}" alt="logo"></p>'
    '<script>document.title="pwned"</script><a href="javascript:alert(1)">clic</a>'
    '<p onclick="alert(2)">Saluti</p>'
)


@pytest.fixture
def anna(agent: Any, client: Any) -> Any:
    client.force_login(agent)
    return client


@pytest.fixture
def maria(admin: Any, team: Any) -> Contact:
    return contact_create(
        actor=admin,
        data={
            "first_name": "Maria",
            "last_name": "Bianchi",
            "email": "maria.bianchi@example.com",
            "team": team,
        },
    )


@pytest.fixture
def box(agent: Any) -> Any:
    return make_box(agent, name="Posta di Anna")


@pytest.fixture
def invoice(box: Any, maria: Contact) -> MailMessage:
    raw, _id = build(
        subject="Fattura di marzo",
        text="Gentile cliente, ecco la fattura.",
        html=HTML,
        attachments=[("fattura.pdf", PDF, "application/pdf")],
    )
    return imported(box, raw, 1)


def test_remote_images_are_blocked_until_asked_and_scripts_never_run(anna, invoice, maria):
    page = anna.get(f"/mail/messages/{invoice.pk}/")

    assert page.status_code == 200
    body = page.content.decode()
    html = body[
        body.index('data-testid="mail-html"') : body.index(
            "</div>", body.index('data-testid="mail-html"')
        )
    ]
    assert "Gentile cliente" in html and "<b>ecco</b>" in html
    assert "tracker.example" not in body
    assert "<script" not in html and "pwned" not in body and "javascript:" not in body
    assert "onclick" not in body
    assert "1 image from the internet was blocked" in body
    policy = page["Content-Security-Policy"]
    assert "img-src 'self' data:" in policy and "https:" not in policy
    assert "script-src 'self'" in policy
    # The headers, the records it belongs to, the text version, the attachment.
    for text in ("maria.bianchi@example.com", "Fattura di marzo", "fattura.pdf", "Text version"):
        assert text in body, text
    assert f'href="/contacts/{maria.pk}/"' in body

    shown = anna.get(f"/mail/messages/{invoice.pk}/?images=1")

    body = shown.content.decode()
    assert TRACKER.replace("&", "&amp;") in body or TRACKER in body
    assert "<script" not in body.split('data-testid="mail-html"')[1].split("</div>")[0]
    assert "pwned" not in body and "onclick" not in body
    policy = shown["Content-Security-Policy"]
    assert "img-src 'self' data: https: http:" in policy
    assert "script-src 'self'" in policy and "default-src 'self'" in policy
    assert 'data-testid="hide-images"' in body


def test_images_inside_the_message_are_shown_from_its_attachments(anna, box):
    """A ``cid:`` image is one of the message's own attachments: shown by default
    (nothing leaves Perno), through the download of the attachment."""
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = "maria@example.com", "anna@perno.test", "Logo"
    mail.set_content("Ecco il logo.")
    mail.add_alternative(
        '<p>Ecco il logo: <img src="cid:logo@perno" alt="logo"></p>', subtype="html"
    )
    mail.get_payload()[1].add_related(
        PNG, maintype="image", subtype="png", cid="<logo@perno>", filename="logo.png"
    )
    message = imported(box, mail.as_bytes(), 1)
    logo = message.attachments.get(original_name="logo.png")

    page = anna.get(f"/mail/messages/{message.pk}/")

    assert f'src="/mail/attachments/{logo.pk}/"' in page.content.decode()
    image = anna.get(f"/mail/attachments/{logo.pk}/")
    assert image.status_code == 200 and image["Content-Type"] == "image/png"


def test_asking_for_images_of_a_message_without_any_changes_nothing(anna, box):
    plain = imported(box, build(subject="Solo testo", text="Nessuna immagine.")[0], 1)
    page = anna.get(f"/mail/messages/{plain.pk}/?images=1")
    assert page.status_code == 200
    assert "https:" not in page["Content-Security-Policy"]
    assert "Nessuna immagine." in page.content.decode()


def test_an_attachment_downloads_as_a_file_of_its_checked_type(anna, invoice):
    attachment = invoice.attachments.get()
    assert attachment.pk > 10_000

    response = anna.get(f"/mail/attachments/{attachment.pk}/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert 'filename="fattura.pdf"' in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert b"".join(response.streaming_content) == PDF


def test_an_html_attachment_is_never_served_as_a_page(anna, box):
    raw, _id = build(
        subject="Pagina",
        attachments=[("pagina.html", b"<html><script>alert(1)</script></html>", "text/html")],
    )
    message = imported(box, raw, 1)
    stored = list(message.attachments.all())
    for attachment in stored:
        response = anna.get(f"/mail/attachments/{attachment.pk}/")
        assert response["Content-Disposition"].startswith("attachment;")
        assert response["X-Content-Type-Options"] == "nosniff"
        # Downloaded, never rendered: and were it opened, it could run nothing.
        assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"


def test_another_users_mail_does_not_exist_for_me(anna, make_user, other_team):
    bruno = make_user("bruno", role="support", team=other_team.name)
    theirs = make_box(bruno, name="Posta di Bruno")
    raw, _id = build(subject="Privato", attachments=[("nota.pdf", PDF, "application/pdf")])
    message = imported(theirs, raw, 1)
    attachment = message.attachments.get()
    for url in (
        f"/mail/messages/{message.pk}/",
        f"/mail/messages/{message.pk}/?images=1",
        f"/mail/attachments/{attachment.pk}/",
        "/mail/messages/99999999/",
        "/mail/attachments/99999999/",
    ):
        assert anna.get(url).status_code == 404, url
    assert anna.post(f"/mail/messages/{message.pk}/delete/").status_code == 404
    assert MailMessage.objects.filter(pk=message.pk).exists()


def test_flags_thread_and_deleting_a_message(anna, box, maria):
    first_raw, first_id = build(subject="Richiesta", text="Domanda.")
    first = imported(box, first_raw, 1)
    auto_raw, _id = build(
        subject="Risposta automatica: Richiesta",
        text="Sono in ferie.",
        in_reply_to=first_id,
        headers={"Auto-Submitted": "auto-replied"},
    )
    auto = imported(box, auto_raw, 2)
    assert auto.thread_id == first.thread_id and auto.is_auto_reply

    body = anna.get(f"/mail/messages/{auto.pk}/").content.decode()

    assert 'data-testid="flag-auto-reply"' in body
    thread = body[body.index('data-testid="mail-thread"') :]
    assert "Richiesta" in thread and f'href="/mail/messages/{first.pk}/"' in thread
    assert f"/mail/compose/contact/{maria.pk}/?reply={auto.pk}" in body

    response = anna.post(f"/mail/messages/{auto.pk}/delete/")

    assert response.status_code == 302 and response["Location"] == f"/contacts/{maria.pk}/"
    assert not MailMessage.objects.filter(pk=auto.pk).exists()
    assert MailMessage.objects.filter(pk=first.pk).exists()


def eml_upload(data: bytes, name: str = "inoltro.eml") -> Any:
    return SimpleUploadedFile(name, data, content_type="message/rfc822")


def test_a_forwarded_eml_dropped_on_a_contact_is_stored_and_shown(anna, maria):
    page = anna.get(f"/contacts/{maria.pk}/").content.decode()
    assert f'action="/mail/eml/contact/{maria.pk}/"' in page and 'data-testid="eml-drop"' in page
    assert f'href="/mail/compose/contact/{maria.pk}/"' in page
    raw, message_id = build(
        sender="Maria Bianchi <maria.bianchi@example.com>",
        to="anna@perno.test",
        subject="Preventivo firmato",
        attachments=[("preventivo.pdf", PDF, "application/pdf")],
    )

    response = anna.post(f"/mail/eml/contact/{maria.pk}/", {"file": eml_upload(raw)})

    assert response.status_code == 302 and response["Location"] == f"/contacts/{maria.pk}/"
    message = MailMessage.objects.get(message_id=message_id)
    assert (message.contact_id, message.source) == (maria.pk, "eml")
    assert message.attachments.get().original_name == "preventivo.pdf"
    followed = anna.get(response["Location"]).content.decode()
    assert "The e-mail “Preventivo firmato” was added to this record." in followed
    timeline = anna.get(f"/timeline/contact/{maria.pk}/").content.decode()
    assert "Preventivo firmato" in timeline
    # The same file again is refused, saying so.
    again = anna.post(f"/mail/eml/contact/{maria.pk}/", {"file": eml_upload(raw)})
    assert again.status_code == 400
    assert "This e-mail is already on this record." in again.content.decode()
    assert MailMessage.objects.filter(message_id=message_id).count() == 1


def test_a_forwarded_eml_dropped_on_a_deal_lands_on_its_timeline(
    anna, admin, agent, maria, pipeline
):
    deal = deal_create(actor=admin, data={"title": "Rinnovo", "contact": maria, "owner": agent})
    page = anna.get(f"/deals/{deal.pk}/").content.decode()
    assert f'action="/mail/eml/deal/{deal.pk}/"' in page
    assert f'href="/mail/compose/deal/{deal.pk}/"' in page
    raw, message_id = build(subject="Conferma rinnovo", text="Confermo il rinnovo.")

    response = anna.post(f"/mail/eml/deal/{deal.pk}/", {"file": eml_upload(raw)})

    assert response.status_code == 302 and response["Location"] == f"/deals/{deal.pk}/"
    message = MailMessage.objects.get(message_id=message_id)
    assert (message.deal_id, message.contact_id) == (deal.pk, maria.pk)
    assert "Conferma rinnovo" in anna.get(f"/timeline/deal/{deal.pk}/").content.decode()
    assert "Confermo il rinnovo." in anna.get(f"/mail/messages/{message.pk}/").content.decode()


@pytest.mark.parametrize(
    ("data", "name", "expected"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00binary", "foto.eml", "This is not an e-mail message"),
        (b"", "vuoto.eml", "is empty"),
    ],
)
def test_a_malformed_or_empty_eml_is_refused_clearly(anna, maria, data, name, expected):
    response = anna.post(f"/mail/eml/contact/{maria.pk}/", {"file": eml_upload(data, name)})
    assert response.status_code == 400
    body = response.content.decode()
    assert expected in body and 'data-testid="eml-drop"' in body
    assert not MailMessage.objects.exists() and not MailAttachment.objects.exists()


def test_an_eml_over_the_size_limit_is_refused(anna, maria, settings):
    settings.PERNO_MAIL_MAX_EML_BYTES = 1024
    raw, _id = build(subject="Grande", text="x" * 5000)
    response = anna.post(f"/mail/eml/contact/{maria.pk}/", {"file": eml_upload(raw)})
    assert response.status_code == 400
    body = response.content.decode().replace("\xa0", " ")
    assert "is 5.3 KB; an e-mail file may be at most 1.0 KB." in body
    assert not MailMessage.objects.exists()


def test_an_eml_on_a_record_out_of_sight_or_of_another_type_is_404(client, make_user, maria):
    owner = make_user("vendite", role="sales", team="Vendite Sud")
    hidden = contact_create(actor=owner, data={"first_name": "Ignoto", "last_name": "Cliente"})
    client.force_login(make_user("altro", role="sales", team="Altro"))  # sees its team's only
    raw, _id = build(subject="Nascosto")
    for url in (
        f"/mail/eml/contact/{hidden.pk}/",
        f"/mail/eml/product/{maria.pk}/",
        "/mail/eml/contact/99999999/",
    ):
        assert client.post(url, {"file": eml_upload(raw)}).status_code == 404, url
    assert not MailMessage.objects.exists()


def test_a_case_shows_its_conversation_with_a_reply_form(
    anna, admin, agent, queue, maria, settings
):
    case = case_create(
        actor=admin, data={"subject": "Ordine non arrivato", "queue": queue, "contact": maria}
    )
    support = make_box(admin, name="Assistenza", kind="shared", team=queue.team, purpose="other")
    raw, _id = build(subject=f"Ancora niente {case.token}", text="Il pacco non è arrivato.")
    message = imported(support, raw, 1)
    assert message.case_id == case.pk

    fragment = anna.get(f"/mail/cases/{case.pk}/")

    assert fragment.status_code == 200
    body = fragment.content.decode()
    assert "Il pacco non è arrivato." in body
    assert 'data-testid="case-reply"' in body and f'action="/mail/compose/case/{case.pk}/"' in body
    assert 'value="maria.bianchi@example.com"' in body
    assert f'name="reply_to" value="{message.pk}"' in body
    assert f'action="/mail/eml/case/{case.pk}/"' in body
    # The partial the case page includes loads this fragment.
    request = RequestFactory().get("/")
    request.user = agent
    included = render_to_string(
        "mail/partials/_case_messages.html", {"object": case}, request=request
    )
    assert f'hx-get="/mail/cases/{case.pk}/"' in included
    case_page = anna.get(case.get_absolute_url())
    assert case_page.status_code == 200
    assert f'hx-get="/mail/cases/{case.pk}/"' in case_page.content.decode()


def test_a_case_out_of_sight_shows_nothing(client, make_user, admin, queue, maria):
    case = case_create(actor=admin, data={"subject": "Riservato", "queue": queue, "contact": maria})
    client.force_login(make_user("esterno", role="support", team="Altro"))
    assert client.get(f"/mail/cases/{case.pk}/").status_code == 404
    assert client.get("/mail/cases/99999999/").status_code == 404
