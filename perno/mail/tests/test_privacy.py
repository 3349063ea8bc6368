"""Mail in the privacy register: exported and erased with its person, expired after
its retention period (24 months by default), and never imported again from someone
who asked to be forgotten."""

from __future__ import annotations

import datetime
import json
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from perno.contacts.models import Contact
from perno.mail import services
from perno.mail.intake import store_imported
from perno.mail.models import MailAttachment, Mailbox, MailMessage, MailThread
from perno.mail.parsing import parse
from perno.mail.tests.conftest import build, deliver
from perno.privacy import archive, retention
from perno.privacy.erasure import erase_contact
from perno.privacy.models import RetentionRule
from perno.search.models import SearchEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def lia(db, team):
    return Contact.objects.create(
        first_name="Lia", last_name="Verdi", email="lia.verdi@example.com", team=team
    )


@pytest.fixture
def dpo(make_user):
    return make_user("dora", role="dpo")


def lias_mail(offline_box):
    box = offline_box()
    raw, _id = build(
        sender="Lia Verdi <lia.verdi@example.com>",
        subject="Zqlia richiesta",
        attachments=[("documento.txt", b"zqlia contenuto", "text/plain")],
    )
    return box, deliver(box, raw)


def test_an_access_export_holds_the_persons_messages_and_attachments(offline_box, lia):
    _box, message = lias_mail(offline_box)
    path, _size, _digest = archive.build(contact=lia)
    with zipfile.ZipFile(path) as found:
        data = json.loads(found.read("data.json"))
        [copied] = data["files"]
        assert copied["table"] == "mail.mailattachment" and copied["name"] == "documento.txt"
        assert found.read(copied["path"]) == b"zqlia contenuto"  # the file itself
    rows = data["tables"]["mail.mailmessage"]["rows"]
    assert [r["subject"] for r in rows] == ["Zqlia richiesta"]
    files = data["tables"]["mail.mailattachment"]["rows"]
    assert [f["original_name"] for f in files] == ["documento.txt"]
    assert data["tables"]["mail.mailthread"]["rows"][0]["id"] == message.thread_id
    assert "mail.mailbox" not in data["tables"]  # mailboxes are not about her


def test_erasure_removes_her_mail_its_files_and_search_entries_and_she_is_not_imported_again(
    offline_box, lia, dpo, django_capture_on_commit_callbacks
):
    box, message = lias_mail(offline_box)
    stored = message.attachments.get().file.name
    assert default_storage.exists(stored)
    with django_capture_on_commit_callbacks(execute=True):
        counts = erase_contact(actor=dpo, contact=lia)

    assert counts["mail.mailmessage"] == 1 and counts["mail.mailattachment"] == 1
    assert not MailMessage.objects.exists() and not MailAttachment.objects.exists()
    assert not MailThread.objects.exists()
    assert not default_storage.exists(stored)
    assert not SearchEntry.objects.filter(kind__in=["mail", "mailfile"]).exists()

    again = build(sender="lia.verdi@example.com", subject="Sono ancora io")[0]
    assert deliver(box, again) is None
    box.refresh_from_db()
    result = store_imported(box.pk, box.uidvalidity, box.last_uid + 1, parse(again))
    assert result.outcome == "forgotten" and not MailMessage.objects.exists()
    assert Mailbox.objects.get(pk=box.pk).last_uid == box.last_uid + 1  # not read again
    contact = Contact.objects.create(first_name="Altra", last_name="Persona")
    with pytest.raises(ValidationError) as dropped:
        services.eml_attach(actor=dpo, target=contact, upload=SimpleUploadedFile("a.eml", again))
    assert "asked to be forgotten" in dropped.value.message_dict["file"][0]


def test_mail_is_kept_24_months_after_the_message_by_default(offline_box, lia):
    rule = RetentionRule.objects.get(category="correspondence")
    assert rule.days == 730
    box = offline_box()
    attached = [("vecchio.txt", b"zq vecchio allegato", "text/plain")]
    long_ago = timezone.now() - datetime.timedelta(days=800)
    old = deliver(box, build(subject="Vecchia", date=long_ago, attachments=attached)[0])
    recent = deliver(
        box, build(subject="Recente", date=timezone.now() - datetime.timedelta(days=100))[0]
    )
    [old_file] = MailAttachment.objects.filter(message=old)
    storage, name = old_file.file.storage, old_file.file.name
    assert storage.exists(name)

    run = retention.run(dry_run=False)

    assert run.error == ""
    assert list(MailMessage.objects.values_list("pk", flat=True)) == [recent.pk]
    assert not MailMessage.objects.filter(pk=old.pk).exists()
    assert not storage.exists(name)  # the attachment's file goes with its message
