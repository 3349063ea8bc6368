"""A support mailbox and cases: a new conversation opens a case, a reply is the
customer's reply, the case token threads a message to its case, automatic mail and
loops never open or answer anything, and the acknowledgement goes out once."""

from __future__ import annotations

import pytest
from django.db import OperationalError

from perno.cases.models import Case
from perno.contacts.models import Affiliation, Company, Contact
from perno.mail import outgoing, services
from perno.mail.acknowledgements import acknowledge
from perno.mail.models import Mailbox, MailMessage, MailThread
from perno.mail.polling import poll_mailbox
from perno.mail.tests.conftest import build, deliver

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def maria(db, team):
    contact = Contact.objects.create(
        first_name="Maria",
        last_name="Bianchi",
        email="maria.bianchi@example.com",
        team=team,
        language="ro",
    )
    company = Company.objects.create(name="Bianchi Srl", team=team)
    Affiliation.objects.create(contact=contact, company=company, is_primary=True)
    return contact


def poll(box) -> None:
    Mailbox.objects.filter(pk=box.pk).update(next_attempt_at=None)
    result = poll_mailbox(box.pk)
    assert result.error == ""


def test_a_new_conversation_opens_a_case_and_the_reply_joins_it(
    imap, folder, support_box, maria, agent
):
    first, first_id = build(subject="Ordine 4711 non arrivato")
    imap.append(first, folder=folder)
    poll(support_box)

    case = Case.objects.get()
    message = MailMessage.objects.get(message_id=first_id)
    assert (case.queue, case.channel, case.contact, case.company.name) == (
        support_box.queue,
        "email",
        maria,
        "Bianchi Srl",
    )
    assert case.subject == "Ordine 4711 non arrivato" and "non è arrivato" in case.description
    assert case.assignee == agent  # the queue's round robin
    assert message.case == case and message.thread.case == case and message.contact == maria

    Case.objects.filter(pk=case.pk).update(status="waiting")
    reply, reply_id = build(
        subject="Re: Ordine 4711 non arrivato", in_reply_to=first_id, references=[first_id]
    )
    imap.append(reply, folder=folder)
    poll(support_box)

    assert Case.objects.count() == 1
    second = MailMessage.objects.get(message_id=reply_id)
    assert second.case == case and second.thread == message.thread
    case.refresh_from_db()
    assert case.status == "open"  # the customer answered: the clock runs again


def test_the_case_token_threads_a_message_without_references(imap, folder, support_box, maria):
    imap.append(build(subject="Problema")[0], folder=folder)
    poll(support_box)
    case = Case.objects.get()
    fresh, fresh_id = build(
        subject=f"Altra domanda {case.token}", sender="maria.bianchi@example.com"
    )
    imap.append(fresh, folder=folder)
    poll(support_box)

    assert Case.objects.count() == 1
    assert MailMessage.objects.get(message_id=fresh_id).case == case


def test_a_reply_to_a_closed_case_opens_a_new_one(imap, folder, support_box, maria):
    first, first_id = build(subject="Garanzia")
    imap.append(first, folder=folder)
    poll(support_box)
    old = Case.objects.get()
    Case.objects.filter(pk=old.pk).update(status="closed")
    imap.append(build(subject="Re: Garanzia", in_reply_to=first_id)[0], folder=folder)
    poll(support_box)

    new = Case.objects.exclude(pk=old.pk).get()
    assert MailMessage.objects.filter(case=new).count() == 1
    assert MailThread.objects.get().case == new


@pytest.mark.parametrize(
    ("headers", "sender", "flag"),
    [
        ({"Auto-Submitted": "auto-replied"}, "maria.bianchi@example.com", "is_auto_reply"),
        ({"Precedence": "bulk"}, "news@example.com", "is_auto_reply"),
        ({"X-Autoreply": "yes"}, "maria.bianchi@example.com", "is_auto_reply"),
        ({}, "MAILER-DAEMON@mx.example.com", "is_bounce"),
        ({"X-Loop": "assistenza@perno.test"}, "robot@example.com", "is_loop"),
    ],
)
def test_automatic_mail_is_stored_and_flagged_but_opens_no_case(
    imap, folder, support_box, headers, sender, flag
):
    raw, message_id = build(subject="Out of office", sender=sender, headers=headers)
    imap.append(raw, folder=folder)
    poll(support_box)

    message = MailMessage.objects.get(message_id=message_id)
    assert getattr(message, flag) and message.is_automatic
    assert not Case.objects.exists() and message.case is None


def test_a_sender_writing_faster_than_a_person_is_a_loop(imap, folder, support_box, settings):
    settings.PERNO_MAIL_SENDER_RATE = 3
    imap.append_many(
        [build(subject=f"Ticket {i}", sender="bot@example.com")[0] for i in range(5)], folder=folder
    )
    poll(support_box)

    flags = list(MailMessage.objects.order_by("uid").values_list("is_loop", flat=True))
    assert flags == [False, False, False, True, True]
    assert Case.objects.count() == 3


def test_the_acknowledgement_goes_once_in_the_customers_language_never_to_machines(
    imap, folder, support_box, maria, smtp_inbox, admin, settings
):
    port = settings.MAILERS["default"]["OPTIONS"]["port"]
    for language, subject, body in (
        ("it", "Abbiamo ricevuto", "Gentile {{ contact.first_name }}, caso {{ case.number }}."),
        ("ro", "Am primit", "Stimată {{ contact.first_name }}, cazul {{ case.number }}."),
    ):
        template = services.template_create(
            actor=admin,
            data={"name": "Conferma", "language": language, "subject": subject, "body": body},
        )
    services.mailbox_update(
        actor=admin,
        mailbox=support_box,
        data={"acknowledgement": template, "smtp_port": port},
        expected_version=None,
    )
    raw, message_id = build(subject="Aiuto")
    auto, _auto_id = build(
        subject="Automatic", sender="x@example.com", headers={"Auto-Submitted": "auto-generated"}
    )
    imap.append_many([raw, auto], folder=folder)
    poll(support_box)

    smtp_inbox.wait(2)  # the receipt, and the notice to the agent the case went to
    sent = [e for e in smtp_inbox.messages if e.mail_from == "assistenza@perno.test"]
    assert len(sent) == 1 and sent[0].rcpt_tos == ["maria.bianchi@example.com"]
    case = Case.objects.get()
    body = sent[0].content.decode()
    assert f"Am primit {case.token}" in body and f"Stimată Maria, cazul {case.reference}." in body
    assert "Auto-Submitted: auto-replied" in body and f"In-Reply-To: <{message_id}>" in body
    ack = MailMessage.objects.get(direction="out")
    assert ack.thread == MailMessage.objects.get(message_id=message_id).thread
    case.refresh_from_db()
    assert case.first_response_at is None  # an automatic receipt is not the agent's answer
    assert acknowledge(message_id=MailMessage.objects.get(message_id=message_id).pk) is False
    assert [e.mail_from for e in smtp_inbox.messages].count("assistenza@perno.test") == 1


def test_an_acknowledgement_whose_confirmation_was_lost_is_not_sent_again(
    imap, folder, support_box, maria, smtp_inbox, admin, settings, monkeypatch
):
    """The job ran, the server took the receipt, then the job died: the receipt is
    stored (marked "sending not confirmed"), so the job run again sends nothing."""
    raw, message_id = build(subject="Aiuto")
    imap.append(raw, folder=folder)
    poll(support_box)  # no receipt yet: the mailbox has no acknowledgement template
    template = services.template_create(
        actor=admin,
        data={"name": "Conferma", "language": "ro", "subject": "Am primit", "body": "Bună."},
    )
    port = settings.MAILERS["default"]["OPTIONS"]["port"]
    services.mailbox_update(
        actor=admin,
        mailbox=support_box,
        data={"acknowledgement": template, "smtp_port": port},
        expected_version=None,
    )
    received = MailMessage.objects.get(message_id=message_id)

    def job_died(*_args, **_kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(outgoing, "_confirm", job_died)
    with pytest.raises(OperationalError):
        acknowledge(message_id=received.pk)
    monkeypatch.undo()
    assert acknowledge(message_id=received.pk) is False  # the retry

    smtp_inbox.wait(1)
    receipts = [e for e in smtp_inbox.messages if e.mail_from == "assistenza@perno.test"]
    assert len(receipts) == 1
    assert MailMessage.objects.get(direction="out").send_pending


def test_a_parent_found_in_an_older_conversation_brings_its_early_reply_case_along(
    support_box, maria
):
    """The parent belongs to a conversation that has its case; the reply that came
    before it had opened a second one: it is merged into the conversation's."""
    start = deliver(support_box, build(message_id="g0@x")[0])
    early = deliver(support_box, build(message_id="g2@x", in_reply_to="g1@x")[0])
    assert early.case != start.case
    late = deliver(
        support_box, build(message_id="g1@x", in_reply_to="g0@x", references=["g0@x"])[0]
    )

    early.refresh_from_db()
    assert early.case == late.case == start.case
    assert Case.objects.filter(merged_into__isnull=True).get() == start.case
