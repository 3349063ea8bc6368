"""Sending through a mailbox's SMTP server (a real aiosmtpd): the message is stored in
its conversation, its answer threads back, a case is answered; a failure stores
nothing. Templates per language with merge fields, and bad fields refused."""

from __future__ import annotations

import email
import email.policy
import socket
import ssl

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError

from perno.activities.selectors import timeline
from perno.cases.services import case_create
from perno.contacts.models import Affiliation, Company, Contact
from perno.mail import merge, outgoing, selectors, services
from perno.mail.models import Mailbox, MailMessage, MailThread
from perno.mail.polling import poll_mailbox
from perno.mail.tests.conftest import build

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def smtp_port(smtp_inbox, settings):
    return settings.MAILERS["default"]["OPTIONS"]["port"]


@pytest.fixture
def maria(db, team):
    return Contact.objects.create(
        first_name="Maria",
        last_name="Bianchi",
        email="maria.bianchi@example.com",
        team=team,
        language="en",
    )


def sent_to(inbox, address):
    found = [e for e in inbox.messages if address in e.rcpt_tos]
    return [email.message_from_bytes(e.content, policy=email.policy.default) for e in found]


def return_case_draft(box, queue, maria, agent, *, body, uploads=()):
    """A phone case about Maria's return, and the agent's answer to it, ready to send."""
    case = case_create(
        actor=agent, data={"subject": "Reso", "contact": maria, "queue": queue, "channel": "phone"}
    )
    draft = outgoing.compose(
        actor=agent,
        mailbox=box,
        to=["maria.bianchi@example.com"],
        subject="Il suo reso",
        body=body,
        target=case,
        uploads=list(uploads),
    )
    return case, draft


def test_a_message_sent_on_a_case_is_stored_and_its_answer_threads_back(
    imap, folder, make_mailbox, queue, maria, agent, smtp_inbox, smtp_port
):
    box = make_mailbox(
        folder, purpose="support", queue=queue, address="help@perno.test", smtp_port=smtp_port
    )
    case, draft = return_case_draft(
        box,
        queue,
        maria,
        agent,
        body="Buongiorno, il reso è autorizzato.",
        uploads=[SimpleUploadedFile("etichetta.txt", b"Etichetta di reso")],
    )
    message = outgoing.send(draft, actor=agent)

    smtp_inbox.wait(1)
    [wire] = sent_to(smtp_inbox, "maria.bianchi@example.com")
    assert wire["Subject"] == f"Il suo reso {case.token}"
    assert wire["Message-ID"] == f"<{message.message_id}>"
    assert [p.get_filename() for p in wire.iter_attachments()] == ["etichetta.txt"]
    assert (message.direction, message.case, message.contact, message.created_by) == (
        "out",
        case,
        maria,
        agent,
    )
    assert message.attachments.get().original_name == "etichetta.txt"
    case.refresh_from_db()
    assert case.first_response_at is not None and case.status == "open"
    entries, _more = timeline(user=agent, target=maria, kinds=["mail"])
    assert [e.item for e in entries] == [message]

    answer, answer_id = build(
        subject=f"Re: {wire['Subject']}",
        in_reply_to=message.message_id,
        references=[message.message_id],
    )
    imap.append(answer, folder=folder)
    assert poll_mailbox(box.pk).imported == 1
    reply = MailMessage.objects.get(message_id=answer_id)
    assert (reply.thread, reply.case, reply.direction) == (message.thread, case, "in")


def test_a_failure_to_send_is_a_clear_error_and_stores_nothing(
    imap, folder, make_mailbox, agent, maria
):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    box = make_mailbox(folder, smtp_port=closed_port)
    draft = outgoing.compose(
        actor=agent, mailbox=box, to=["maria.bianchi@example.com"], subject="Ciao", body="Testo"
    )
    with pytest.raises(ValidationError) as caught:
        outgoing.send(draft, actor=agent)
    assert caught.value.message_dict["send"][0].startswith(
        "The message was not sent. The server refused the connection"
    )
    assert not MailMessage.objects.exists()
    assert not MailThread.objects.exists()  # nor the conversation opened for it


def test_a_message_the_server_took_is_kept_when_the_database_fails_after_it(
    imap, folder, make_mailbox, queue, maria, agent, smtp_inbox, smtp_port, monkeypatch
):
    """The message is stored before the server takes it: a database failure after the
    server's "250 OK" leaves it stored and marked, not lost (and the sender is not told
    it failed, which would invite a second send)."""
    box = make_mailbox(folder, address="help@perno.test", smtp_port=smtp_port)
    case, draft = return_case_draft(box, queue, maria, agent, body="Il reso è autorizzato.")

    def database_down(**_kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(outgoing, "case_agent_responded", database_down)
    message = outgoing.send(draft, actor=agent)

    smtp_inbox.wait(1)
    assert len(sent_to(smtp_inbox, "maria.bianchi@example.com")) == 1
    stored = MailMessage.objects.get()
    assert stored == message and stored.send_pending and stored.case == case
    case.refresh_from_db()
    assert case.first_response_at is None  # the confirmation's transaction rolled back
    assert selectors.message_get(user=agent, pk=stored.pk).send_pending

    monkeypatch.undo()
    confirmed = outgoing.send(draft, actor=agent)
    confirmed.refresh_from_db()
    assert not confirmed.send_pending


def test_compose_says_what_is_wrong(imap, folder, make_mailbox, agent):
    box = make_mailbox(folder)
    with pytest.raises(ValidationError) as caught:
        outgoing.compose(actor=agent, mailbox=box, to=["not an address", ""], subject=" ", body="")
    errors = caught.value.message_dict
    assert errors["to"] == ["“not an address” is not an e-mail address."]
    assert errors["subject"] == ["Write a subject."] and errors["body"] == ["Write the message."]


@pytest.mark.parametrize(
    ("language", "expected"),
    [("it", "Gentile Maria"), ("ro", "Stimată Maria"), ("en", "Dear Maria")],
)
def test_a_template_is_rendered_in_the_recipients_language(
    imap, folder, make_mailbox, admin, agent, maria, language, expected
):
    box = make_mailbox(folder)
    for code, greeting in (("it", "Gentile"), ("ro", "Stimată"), ("en", "Dear")):
        template = services.template_create(
            actor=admin,
            data={
                "name": "Benvenuto",
                "language": code,
                "subject": f"{greeting} {{{{ contact.first_name }}}}",
                "body": f"{greeting} {{{{ contact.first_name }}}} {{{{ contact.last_name }}}},\n{{{{ sender.full_name }}}} ({{{{ mailbox.name }}}})",
            },
        )
    Contact.objects.filter(pk=maria.pk).update(language=language)
    maria.refresh_from_db()
    draft = outgoing.compose(
        actor=agent, mailbox=box, to=[maria.email], template=template, target=maria
    )
    assert draft.subject == expected
    assert draft.body == f"{expected} Bianchi,\nAnna Neri ({box.name})"


def test_a_template_with_an_unknown_or_unsafe_field_is_refused(admin):
    with pytest.raises(ValidationError) as caught:
        services.template_create(
            actor=admin,
            data={
                "name": "Rotto",
                "language": "it",
                "subject": "{{ contact.password }}",
                "body": "{{ contact.__class__ }} {% load x %} {{ case.number|upper }}",
            },
        )
    errors = caught.value.message_dict
    assert errors["subject"][0].startswith(
        "Unknown merge field “{{ contact.password }}”. Available: {{ contact.first_name }}"
    )
    assert len(errors["body"]) == 3
    assert "is not a merge field" in errors["body"][1]
    assert merge.render("{{ case.number }}!", {"case": None}) == "!"


def test_only_administrators_manage_templates(agent):
    with pytest.raises(Exception) as caught:
        services.template_create(
            actor=agent, data={"name": "X", "language": "it", "subject": "S", "body": "B"}
        )
    assert "administrators" in str(caught.value)


def test_sending_needs_the_mailbox_in_sight(
    imap, folder, make_mailbox, admin, make_user, other_team, maria
):
    stranger = make_user("lontano", role="support", team=other_team.name)
    box = make_mailbox(folder)
    assert Mailbox.objects.filter(pk=box.pk).exists()
    with pytest.raises(Exception) as caught:
        outgoing.compose(actor=stranger, mailbox=box, to=[maria.email], subject="S", body="B")
    assert "mailboxes" in str(caught.value)


@pytest.fixture
def tls_smtp(imap):
    """A real SMTP server (aiosmtpd) requiring STARTTLS and a log-in, with the test
    certificate (trusted only through PERNO_MAIL_CA_FILE)."""

    class Inbox:
        def __init__(self):
            self.messages = []

        async def handle_DATA(self, server, session, envelope):
            self.messages.append(envelope)
            return "250 OK"

    def authenticator(server, session, envelope, _mechanism, data):
        ok = (data.login, data.password) == (b"agent", b"smtp-secret-4")
        return AuthResult(success=ok, handled=False)

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(str(imap.cert), str(imap.key))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        tls_context=context,
        require_starttls=True,
        authenticator=authenticator,
        auth_required=True,
    )
    controller.start()
    inbox.port = port
    yield inbox
    controller.stop()


def test_starttls_and_a_log_in_with_the_certificate_verified(
    imap, folder, make_mailbox, agent, maria, tls_smtp, settings
):
    box = make_mailbox(
        folder,
        smtp_host="127.0.0.1",
        smtp_port=tls_smtp.port,
        smtp_security="starttls",
        smtp_username="agent",
        smtp_password="smtp-secret-4",
    )
    draft = outgoing.compose(
        actor=agent, mailbox=box, to=[maria.email], subject="Ciao", body="Testo"
    )
    outgoing.send(draft, actor=agent)
    assert [e.rcpt_tos for e in tls_smtp.messages] == [[maria.email]]

    box = services.mailbox_update(
        actor=agent.__class__.objects.get(username="root"),
        mailbox=box,
        data={},
        expected_version=None,
        smtp_password="wrong",
    )
    draft = outgoing.compose(
        actor=agent, mailbox=box, to=[maria.email], subject="Ciao", body="Testo"
    )
    with pytest.raises(ValidationError) as wrong:
        outgoing.send(draft, actor=agent)
    assert (
        "The SMTP server refused the user name or password" in wrong.value.message_dict["send"][0]
    )
    assert len(tls_smtp.messages) == 1 and MailMessage.objects.count() == 1


def test_merge_fields_never_print_a_record_the_sender_may_not_see(
    offline_box, admin, make_user, team, other_team
):
    rep = make_user("rappresentante", role="sales", team=team.name)  # team scope on contacts
    hidden = Contact.objects.create(
        first_name="Zqnascosto", last_name="Rossi", email="zq.rossi@example.com", team=other_team
    )
    mine = Contact.objects.create(first_name="Lia", last_name="Verdi", owner=rep, team=team)
    theirs = Company.objects.create(name="Zqaltrui Srl", team=other_team)
    Affiliation.objects.create(contact=mine, company=theirs, is_primary=True)
    template = services.template_create(
        actor=admin,
        data={
            "name": "Saluto",
            "language": "it",
            "subject": "Per {{ contact.first_name }}",
            "body": "Caro {{ contact.first_name }} di {{ company.name }}",
        },
    )
    box = offline_box(kind="personal", owner=rep, team=None, actor=rep)
    by_address = outgoing.compose(actor=rep, mailbox=box, to=[hidden.email], template=template)
    assert "Zqnascosto" not in by_address.subject + by_address.body
    on_contact = outgoing.compose(
        actor=rep, mailbox=box, to=["lia@example.com"], template=template, target=mine
    )
    assert on_contact.body == "Caro Lia di "  # the company is another team's
    seen = outgoing.compose(actor=admin, mailbox=box, to=[hidden.email], template=template)
    assert seen.body == "Caro Zqnascosto di "  # who may see the contact gets the name
