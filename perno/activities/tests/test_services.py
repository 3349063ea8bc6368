import datetime
import io

import docx
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from perno.activities import selectors, services
from perno.activities.models import Activity, Attachment, Comment, Notification
from perno.contacts.services import company_create, contact_create
from perno.sales.services import deal_create

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def docx_bytes(text: str) -> bytes:
    document = docx.Document()
    document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_comment_with_attachments_is_stored_with_checked_types(user):
    company = company_create(actor=user, data={"name": "Alfa"})
    comment = services.comment_create(
        actor=user,
        target=company,
        body="Offerta inviata",
        files=[
            SimpleUploadedFile("offerta.pdf", PDF),
            SimpleUploadedFile("contratto.docx", docx_bytes("Contratto")),
            SimpleUploadedFile("note.txt", b"Consegna a marzo"),
        ],
    )
    types = sorted(a.content_type for a in comment.attachments.all())
    assert types == [
        "application/pdf",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "text/plain",
    ]
    attachment = comment.attachments.get(original_name="note.txt")
    assert attachment.file.read() == b"Consegna a marzo"
    assert len(attachment.sha256) == 64


@pytest.mark.parametrize(
    ("name", "content", "fragment"),
    [
        ("virus.pdf", b"MZ\x90\x00\x03" + b"\x00" * 100, "not an accepted file type"),
        ("report.docx", b"\x1f\x8b\x08\x00" + b"\x00" * 60, "not an accepted"),
        ("script.exe", b"#!/bin/sh\necho hi\n", "not an accepted"),
        ("empty.txt", b"", "empty"),
    ],
)
def test_bad_files_are_refused_by_content_and_nothing_is_saved(user, name, content, fragment):
    company = company_create(actor=user, data={"name": "Alfa"})
    with pytest.raises(ValidationError) as info:
        services.comment_create(
            actor=user, target=company, body="ciao", files=[SimpleUploadedFile(name, content)]
        )
    assert fragment in " ".join(info.value.message_dict["files"])
    assert Comment.objects.count() == Attachment.objects.count() == 0


def test_files_over_the_limit_are_refused(user, settings):
    settings.PERNO_ATTACHMENT_MAX_BYTES = 100
    company = company_create(actor=user, data={"name": "Alfa"})
    with pytest.raises(ValidationError) as info:
        services.comment_create(
            actor=user, target=company, body="", files=[SimpleUploadedFile("big.txt", b"a" * 101)]
        )
    assert "at most 100" in info.value.message_dict["files"][0]
    assert Comment.objects.count() == 0


def test_empty_comment_is_refused(user):
    company = company_create(actor=user, data={"name": "Alfa"})
    with pytest.raises(ValidationError) as info:
        services.comment_create(actor=user, target=company, body="   ")
    assert "body" in info.value.message_dict


def test_replies_must_belong_to_the_same_record(user):
    alfa = company_create(actor=user, data={"name": "Alfa"})
    beta = company_create(actor=user, data={"name": "Beta"})
    parent = services.comment_create(actor=user, target=alfa, body="Domanda")
    reply = services.comment_create(actor=user, target=alfa, body="Risposta", parent=parent)
    assert reply.parent == parent
    with pytest.raises(ValidationError):
        services.comment_create(actor=user, target=beta, body="Altrove", parent=parent)


def test_company_timeline_rolls_up_contacts_and_deals_newest_first(user, pipeline):
    company = company_create(actor=user, data={"name": "Alfa"})
    other = company_create(actor=user, data={"name": "Altra"})
    contact = contact_create(
        actor=user, data={"first_name": "Ana", "last_name": "Pop"}, companies=[(company, "")]
    )
    deal = deal_create(actor=user, data={"title": "Licenze", "company": company})
    now = timezone.now()
    entries = [
        services.activity_create(
            actor=user, data={"kind": "call", "subject": "on company", "company": company}
        ),
        services.activity_create(
            actor=user, data={"kind": "meeting", "subject": "on contact", "contact": contact}
        ),
        services.activity_create(
            actor=user, data={"kind": "task", "subject": "on deal", "deal": deal}
        ),
        services.comment_create(actor=user, target=contact, body="comment on contact"),
        services.activity_create(
            actor=user, data={"kind": "note", "subject": "elsewhere", "company": other}
        ),
    ]
    for minutes, entry in enumerate(entries):
        type(entry).objects.filter(pk=entry.pk).update(
            created_at=now - datetime.timedelta(minutes=10 - minutes)
        )
    items, has_more = selectors.timeline(user=user, target=company)
    labels = [getattr(e.item, "subject", None) or e.item.body for e in items]
    assert labels == ["comment on contact", "on deal", "on contact", "on company"]
    assert not has_more
    calls, _ = selectors.timeline(user=user, target=company, kinds=["call", "comment"])
    assert [e.kind for e in calls] == ["comment", "call"]
    contact_items, _ = selectors.timeline(user=user, target=contact)
    assert [e.kind for e in contact_items] == ["comment", "meeting"]
    deal_items, _ = selectors.timeline(user=user, target=deal)
    assert [e.kind for e in deal_items] == ["task"]


def test_timeline_pages_on_with_before(user):
    company = company_create(actor=user, data={"name": "Alfa"})
    now = timezone.now()
    for i in range(5):
        a = services.activity_create(
            actor=user, data={"kind": "note", "subject": f"n{i}", "company": company}
        )
        Activity.objects.filter(pk=a.pk).update(created_at=now - datetime.timedelta(minutes=i))
    first, more = selectors.timeline(user=user, target=company, limit=3)
    assert [e.item.subject for e in first] == ["n0", "n1", "n2"] and more
    rest, more = selectors.timeline(user=user, target=company, limit=3, before=first[-1].at)
    assert [e.item.subject for e in rest] == ["n3", "n4"] and not more


def test_completing_a_task_sets_completed_at(user):
    task = services.activity_create(actor=user, data={"subject": "Richiamare"})
    assert task.assignee == user
    done = services.activity_complete(actor=user, activity=task, expected_version=task.version)
    assert done.status == "done" and done.completed_at is not None
    reopened = services.activity_reopen(actor=user, activity=done)
    assert reopened.completed_at is None


def test_reminders_become_notifications_once(user, make_user):
    other = make_user("andrei")
    past = timezone.now() - datetime.timedelta(minutes=1)
    due = services.activity_create(
        actor=user, data={"subject": "Chiamare", "assignee": other, "remind_at": past}
    )
    services.activity_create(
        actor=user, data={"subject": "Futuro", "remind_at": past + datetime.timedelta(days=1)}
    )
    done = services.activity_create(actor=user, data={"subject": "Fatto", "remind_at": past})
    services.activity_complete(actor=user, activity=done)
    assert services.reminders_send() == 1
    assert services.reminders_send() == 0
    # Andrei was told when the task was given to him, and is reminded once.
    given, notification = Notification.objects.order_by("id")
    assert given.title == "Giulia Romano gave you a task: Chiamare"
    assert (notification.user, notification.activity) == (other, due)
    assert notification.title == "Reminder: Chiamare"
    assert selectors.notification_unread_count(user=other) == 2
    services.notification_mark_read(actor=other, notification=notification)
    assert selectors.notification_unread_count(user=other) == 1


def test_reminders_are_e_mailed_through_a_real_smtp_server(
    user, smtp_inbox, django_capture_on_commit_callbacks
):
    services.activity_create(
        actor=user,
        data={
            "subject": "Inviare preventivo",
            "remind_at": timezone.now() - datetime.timedelta(minutes=1),
        },
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert services.reminders_send() == 1
    inbox = smtp_inbox
    inbox.wait()
    [message] = inbox.messages
    assert message.rcpt_tos == [user.email]
    assert b"Reminder: Inviare preventivo" in message.content
    assert Notification.objects.get().emailed_at is not None


def test_reminders_speak_the_recipients_language(make_user):
    maria = make_user("maria")
    maria.language = "it"
    maria.save()
    services.activity_create(actor=maria, data={"subject": "Chiamare", "remind_at": timezone.now()})
    services.reminders_send()
    assert Notification.objects.get().title == "Promemoria: Chiamare"


def test_only_the_author_or_an_editor_of_the_record_adds_files_to_a_comment(user, make_user):
    # Same team: the colleague may read (and comment on) Giulia's company, not edit it.
    colleague = make_user("marco", team="Vendite Nord")
    company = company_create(actor=user, data={"name": "Alfa"})
    giulias = services.comment_create(actor=user, target=company, body="Offerta", files=[])
    marcos = services.comment_create(actor=colleague, target=company, body="Visto", files=[])

    with pytest.raises(PermissionDenied):
        services.attachments_add(
            actor=colleague, comment=giulias, files=[SimpleUploadedFile("x.pdf", PDF)]
        )
    assert not Attachment.objects.filter(comment=giulias).exists()

    services.attachments_add(
        actor=colleague, comment=marcos, files=[SimpleUploadedFile("mine.pdf", PDF)]
    )
    services.attachments_add(
        actor=user, comment=marcos, files=[SimpleUploadedFile("owner.pdf", PDF)]
    )
    assert sorted(a.original_name for a in marcos.attachments.all()) == ["mine.pdf", "owner.pdf"]
