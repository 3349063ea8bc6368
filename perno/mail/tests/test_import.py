"""Reading mailboxes from a real IMAP server (dovecot): what is stored, nothing twice,
nothing lost when the server goes away in the middle, and what a failure looks like."""

from __future__ import annotations

import base64

import pytest
from django.utils import timezone

from perno.mail.models import MailAttachment, Mailbox, MailMessage
from perno.mail.polling import poll_mailbox
from perno.mail.tests.conftest import build

pytestmark = pytest.mark.django_db(transaction=True)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_plain_html_and_attachments_are_imported(imap, folder, make_mailbox):
    box = make_mailbox(folder)
    plain, plain_id = build(subject="Plain", text="Solo testo, però con accenti.")
    html_only, _ = build(
        subject="HTML",
        text=None,
        html='<p>Ciao <b>Maria</b><img src="https://tracker.example/p.gif"></p><script>x()</script>',
    )
    with_files, _ = build(
        subject="Files",
        text="In allegato.",
        html="<p>In allegato.</p>",
        attachments=[
            ("fattura.pdf", PDF, "application/pdf"),
            ("note.txt", b"ordine 4711", "text/plain"),
        ],
    )
    imap.append_many([plain, html_only, with_files], folder=folder)

    result = poll_mailbox(box.pk)

    assert (result.imported, result.error) == (3, "")
    messages = {m.subject: m for m in MailMessage.objects.filter(mailbox=box)}
    assert messages["Plain"].text.strip() == "Solo testo, però con accenti."
    assert messages["Plain"].message_id == plain_id
    html = messages["HTML"]
    assert "Ciao" in html.text and "Maria" in html.text  # text derived from the HTML
    assert "tracker.example" not in html.html and "<script" not in html.html
    assert "tracker.example" in html.html_with_images and html.remote_images == 1
    files = {a.original_name: a for a in MailAttachment.objects.filter(message=messages["Files"])}
    assert files["fattura.pdf"].content_type == "application/pdf"
    assert files["note.txt"].text == "ordine 4711"
    assert files["fattura.pdf"].file.read() == PDF
    box.refresh_from_db()
    assert box.last_uid == 3 and box.uidvalidity and box.last_error == ""


def test_a_second_poll_imports_nothing_twice(imap, folder, make_mailbox):
    box = make_mailbox(folder)
    imap.append_many([build(subject=f"N{i}")[0] for i in range(3)], folder=folder)
    assert poll_mailbox(box.pk).imported == 3
    Mailbox.objects.filter(pk=box.pk).update(next_attempt_at=timezone.now())
    again = poll_mailbox(box.pk)
    assert again.imported == 0 and again.ran
    imap.append(build(subject="N3")[0], folder=folder)
    assert poll_mailbox(box.pk).imported == 1
    assert MailMessage.objects.filter(mailbox=box).count() == 4


def test_a_server_restart_in_the_middle_of_a_poll_loses_and_duplicates_nothing(
    imap, folder, make_mailbox, settings
):
    settings.PERNO_MAIL_FETCH_BATCH = 4  # the poll goes back to the server after each 4
    box = make_mailbox(folder)
    sent = [build(subject=f"R{i}") for i in range(12)]
    imap.append_many([raw for raw, _id in sent], folder=folder)
    restarted = []

    def restart_after_the_fifth(uid: int, outcome: str) -> None:
        if uid == 5 and not restarted:
            restarted.append(uid)
            imap.restart()  # the connection of this poll dies with the old server

    first = poll_mailbox(box.pk, progress=restart_after_the_fifth)

    assert restarted == [5]
    assert first.error == "connect" and first.imported == 8  # two batches, then the fall
    box.refresh_from_db()
    assert box.last_error == "connect" and box.failures == 1
    assert box.next_attempt_at > timezone.now()  # it waits before trying again
    assert "reached" in box.error_message or "closed" in box.error_message
    Mailbox.objects.filter(pk=box.pk).update(next_attempt_at=timezone.now())
    second = poll_mailbox(box.pk)
    assert second.error == "" and first.imported + second.imported == 12
    stored = list(MailMessage.objects.filter(mailbox=box).values_list("message_id", flat=True))
    assert sorted(stored) == sorted(message_id for _raw, message_id in sent)
    box.refresh_from_db()
    assert (box.failures, box.last_error, box.last_uid) == (0, "", 12)


def test_a_server_that_is_down_is_retried_later_and_later(imap, folder, make_mailbox):
    box = make_mailbox(folder)
    imap.stop()
    try:
        waits = []
        for _attempt in range(3):
            Mailbox.objects.filter(pk=box.pk).update(next_attempt_at=None)
            assert poll_mailbox(box.pk).error in {"refused", "connect"}
            box.refresh_from_db()
            waits.append((box.next_attempt_at - box.last_polled_at).total_seconds())
    finally:
        imap.start()
    assert waits[0] < waits[1] < waits[2]  # exponential backoff
    assert box.failures == 3


def test_a_wrong_password_is_shown_on_the_mailbox_and_not_retried_at_once(
    imap, folder, make_mailbox
):
    box = make_mailbox(folder, imap_password="not-the-password")
    imap.append(build(subject="Invisible")[0], folder=folder)

    result = poll_mailbox(box.pk)

    assert result.error == "auth"
    box.refresh_from_db()
    assert box.error_message.startswith("The IMAP server refused the user name or password")
    assert "AUTHENTICATIONFAILED" in box.last_error_detail
    assert (box.next_attempt_at - timezone.now()).total_seconds() > 3600  # no retry storm
    assert not MailMessage.objects.filter(mailbox=box).exists()
    assert poll_mailbox(box.pk).ran is True  # polling it by hand is still safe


def test_a_new_uidvalidity_reads_the_folder_again_without_duplicates(imap, folder, make_mailbox):
    box = make_mailbox(folder)
    messages = [build(subject=f"U{i}") for i in range(3)]
    imap.append_many([raw for raw, _id in messages], folder=folder)
    assert poll_mailbox(box.pk).imported == 3
    old = Mailbox.objects.get(pk=box.pk).uidvalidity
    # The folder is recreated (restored from a backup): new UIDVALIDITY, UIDs from 1.
    imap.delete_folder(folder)
    imap.create_folder(folder)
    new_one, new_id = build(subject="U-new")
    imap.append_many([raw for raw, _id in messages] + [new_one], folder=folder)
    Mailbox.objects.filter(pk=box.pk).update(next_attempt_at=None)

    result = poll_mailbox(box.pk)

    assert result.resynced and (result.imported, result.duplicates) == (1, 3)
    box.refresh_from_db()
    assert box.uidvalidity != old and box.last_uid == 4
    assert MailMessage.objects.filter(mailbox=box).count() == 4
    assert set(MailMessage.objects.filter(mailbox=box).values_list("uidvalidity", flat=True)) == {
        box.uidvalidity
    }
    assert MailMessage.objects.get(message_id=new_id).uid == 4


def test_an_attachment_over_the_limit_is_left_out_with_a_note(imap, folder, make_mailbox, settings):
    box = make_mailbox(folder)
    big = base64.encodebytes(bytes(range(256)) * (50 * 1024 * 1024 // 256))  # 50 MB
    raw = (
        b"From: maria.bianchi@example.com\r\nTo: box@perno.test\r\nSubject: Big\r\n"
        b"Message-ID: <big-1@example.com>\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\n'
        b"Content-Type: text/plain; charset=utf-8\r\n\r\nEcco il file.\r\n--b\r\n"
        b'Content-Type: application/octet-stream\r\nContent-Disposition: attachment; filename="video.bin"\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\n" + big.replace(b"\n", b"\r\n") + b"--b--\r\n"
    )
    imap.append(raw, folder=folder)

    assert poll_mailbox(box.pk).imported == 1

    message = MailMessage.objects.get(mailbox=box)
    assert message.text.strip() == "Ecco il file."
    assert not message.attachments.exists()
    assert message.notes == [
        "The attachment “video.bin” (50.0\xa0MB) was left out: attachments may be at most 25.0\xa0MB."
    ]


def test_malformed_mime_and_wrong_charsets_are_imported_readably(imap, folder, make_mailbox):
    box = make_mailbox(folder)
    broken = (
        b"From: =?x-unknown?q?Ren=E9?= <rene@example.com>\r\n"
        b"Subject: Fattura d\xe9cembre\r\n"
        b"Date: 31 Feb 2025 99:99:99 +9999\r\n"
        b"Message-ID: <broken-1@example.com>\r\n"
        b"MIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="never-closed"\r\n\r\n'
        b"--never-closed\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n\r\n"
        b"Perch\xe8 la fattura \xe8 sbagliata?\r\n"  # cp1252 bytes labelled UTF-8
    )
    latin_as_ascii = (
        b"From: ana@example.ro\r\nSubject: Salut\r\nMessage-ID: <ro-1@example.ro>\r\n"
        b"Content-Type: text/plain; charset=bogus-8\r\n\r\n"
        + "Mulțumesc pentru răspuns, îmi pare rău.".encode("iso-8859-16")
    )
    imap.append_many([broken, latin_as_ascii], folder=folder)

    assert poll_mailbox(box.pk).imported == 2

    first = MailMessage.objects.get(message_id="broken-1@example.com")
    assert first.text.strip() == "Perchè la fattura è sbagliata?"
    assert first.subject == "Fattura décembre"
    assert first.from_address == "rene@example.com"
    assert any("character set" in note for note in first.notes)
    second = MailMessage.objects.get(message_id="ro-1@example.ro")
    assert second.text == "Mulțumesc pentru răspuns, îmi pare rău."
    assert any("“bogus-8”" in note for note in second.notes)


def test_a_certificate_that_does_not_verify_is_never_accepted(imap, folder, make_mailbox, settings):
    box = make_mailbox(folder)
    settings.PERNO_MAIL_CA_FILE = ""  # the test server's own authority is not trusted

    assert poll_mailbox(box.pk).error == "certificate"

    box.refresh_from_db()
    assert box.error_message.startswith("The server's certificate could not be verified")
    assert (box.next_attempt_at - timezone.now()).total_seconds() > 3600
    assert not MailMessage.objects.filter(mailbox=box).exists()
