"""A forwarded e-mail dropped on a record as an .eml file."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404

from perno.contacts.models import Contact
from perno.mail import selectors, services
from perno.mail.models import MailMessage
from perno.mail.tests.conftest import build
from perno.sales.models import Deal, Pipeline, Stage

pytestmark = pytest.mark.django_db


@pytest.fixture
def deal(user):
    pipeline = Pipeline.objects.create(name="P")
    stage = Stage.objects.create(pipeline=pipeline, name="New", position=1, probability=10)
    contact = Contact.objects.create(
        first_name="Sara", last_name="Neri", email="sara@example.com", owner=user
    )
    return Deal.objects.create(
        title="Fornitura",
        pipeline=pipeline,
        stage=stage,
        amount=100,
        currency="EUR",
        owner=user,
        contact=contact,
    )


def eml(raw: bytes, name: str = "messaggio.eml") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, raw, content_type="message/rfc822")


def test_an_eml_dropped_on_a_deal_is_stored_and_linked(user, deal, make_user):
    raw, message_id = build(
        sender="sara@example.com",
        to="giulia@perno.test",
        subject="Offerta firmata",
        text="In allegato l'offerta firmata.",
        attachments=[("offerta.txt", b"firmata", "text/plain")],
    )
    message = services.eml_attach(actor=user, target=deal, upload=eml(raw))

    assert (message.deal, message.contact, message.source, message.direction) == (
        deal,
        deal.contact,
        "eml",
        "in",
    )
    assert message.message_id == message_id and message.attachments.get().text == "firmata"
    assert list(selectors.messages_for(user=user, target=deal)) == [message]
    stranger = make_user("altro", role="sales", team="Altrove")
    with pytest.raises(Http404):
        selectors.message_get(user=stranger, pk=message.pk)
    with pytest.raises(ValidationError) as again:
        services.eml_attach(actor=user, target=deal, upload=eml(raw))
    assert again.value.message_dict["file"] == ["This e-mail is already on this record."]


def test_a_reply_dropped_later_joins_the_conversation(user, deal):
    first, first_id = build(sender="sara@example.com", subject="Domanda")
    reply, _ = build(sender="sara@example.com", subject="Re: Domanda", in_reply_to=first_id)
    one = services.eml_attach(actor=user, target=deal, upload=eml(first))
    two = services.eml_attach(actor=user, target=deal, upload=eml(reply))
    assert one.thread == two.thread


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (b"", "“messaggio.eml” is empty."),
        (b"\x89PNG\r\n\x1a\n\x00\x00binary", "This is not an e-mail message"),
    ],
)
def test_what_is_not_an_email_is_refused(user, deal, data, error):
    with pytest.raises(ValidationError) as caught:
        services.eml_attach(actor=user, target=deal, upload=eml(data))
    assert caught.value.message_dict["file"][0].startswith(error)
    assert not MailMessage.objects.exists()


def test_an_eml_over_the_limit_is_refused(user, deal, settings):
    settings.PERNO_MAIL_MAX_EML_BYTES = 1000
    raw, _ = build(text="x" * 5000)
    with pytest.raises(ValidationError) as caught:
        services.eml_attach(actor=user, target=deal, upload=eml(raw))
    assert "an e-mail file may be at most 1000" in caught.value.message_dict["file"][0]


def test_an_eml_on_a_record_out_of_sight_is_refused(make_user, deal):
    stranger = make_user("altro2", role="sales", team="Altrove")
    with pytest.raises(Exception) as caught:
        services.eml_attach(actor=stranger, target=deal, upload=eml(build()[0]))
    assert "scope" in str(caught.value) or "right" in str(caught.value)
