"""Every write to activities, comments, attachments and notifications."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from perno.accounts.permissions import can, check
from perno.activities.calendar_invites import (
    invitations_cancel_deleted,
    invitations_follow,
    meeting_state,
)
from perno.activities.files import check_upload
from perno.activities.models import Activity, Attachment, Comment, Notification
from perno.activities.tasks import email_notification_task
from perno.audit.models import ChangeEntry
from perno.audit.services import change_record
from perno.audit.trail import lock_chain
from perno.records.services import (
    record_create,
    record_delete,
    record_update,
    reject_unknown_fields,
    tags_from_names,
)
from perno.search import indexer, indexing

logger = logging.getLogger(__name__)

ACTIVITY_FIELDS = {
    "is_confidential",
    "kind",
    "subject",
    "description",
    "assignee",
    "due_at",
    "duration_minutes",
    "remind_at",
    "priority",
    "status",
    "moment",
    "company",
    "contact",
    "deal",
    "lead",
    "owner",
    "team",
}
MAX_ATTACHMENTS = 10


def _check_links(actor: Any, data: dict[str, Any]) -> None:
    for name in ("company", "contact", "deal", "lead"):
        if data.get(name) is not None:
            check(actor, "view", data[name])


def _status_fields(activity: Activity, data: dict[str, Any]) -> dict[str, Any]:
    status = data.get("status", activity.status)
    if status == Activity.Status.DONE and activity.completed_at is None:
        data["completed_at"] = timezone.now()
    elif status != Activity.Status.DONE:
        data["completed_at"] = None
    if "remind_at" in data and data["remind_at"] != activity.remind_at:
        data["reminded_at"] = None
    return data


def activity_create(
    *, actor: Any, data: dict[str, Any], tags: Iterable[str] | None = None
) -> Activity:
    """Create an activity; a task without an assignee is assigned to its creator."""
    reject_unknown_fields(data, ACTIVITY_FIELDS)
    _check_links(actor, data)
    activity = Activity(**{k: v for k, v in data.items() if v is not None})
    if (
        activity.kind == Activity.Kind.TASK
        and activity.assignee_id is None
        and getattr(actor, "pk", None)
    ):
        activity.assignee = actor
    for key, value in _status_fields(Activity(), {"status": activity.status}).items():
        setattr(activity, key, value)
    with transaction.atomic():
        created = record_create(actor=actor, instance=activity, tags=tags_from_names(tags or []))
        _notify_assignee(actor, created)
        return created


def _notify_assignee(actor: Any, activity: Activity) -> None:
    """Tell the person a to-do was given to (not who gave it to themselves), when they
    may see it; in their language (see ``notify``)."""
    assignee = activity.assignee
    if (
        assignee is None
        or assignee.pk == getattr(actor, "pk", None)
        or activity.kind not in Activity.TODO_KINDS
        or activity.status != Activity.Status.OPEN
        or not can(assignee, "view", activity)
    ):
        return
    notify(
        user=assignee,
        title=lambda: (
            _("%(actor)s gave you a %(kind)s: %(subject)s")
            % {
                "actor": actor,
                "kind": activity.get_kind_display().lower(),
                "subject": activity.subject,
            }
        ),
        url=activity.get_absolute_url(),
        activity=activity,
    )


def activity_update(
    *,
    actor: Any,
    activity: Activity,
    data: dict[str, Any],
    expected_version: int | None,
    tags: Iterable[str] | None = None,
) -> Activity:
    reject_unknown_fields(data, ACTIVITY_FIELDS)
    _check_links(actor, data)
    data = _status_fields(activity, dict(data))
    previous_assignee = activity.assignee_id
    before = meeting_state(activity)
    with transaction.atomic():
        updated = record_update(
            actor=actor,
            instance=activity,
            data=data,
            expected_version=expected_version,
            tags=tags_from_names(tags) if tags is not None else None,
        )
        if updated.assignee_id != previous_assignee:
            _notify_assignee(actor, updated)
        # A meeting's invitees hear of a move or a cancellation (docs/calendar.md).
        invitations_follow(actor=actor, activity=updated, before=before)
        return updated


def activity_complete(
    *, actor: Any, activity: Activity, expected_version: int | None = None
) -> Activity:
    return activity_update(
        actor=actor,
        activity=activity,
        data={"status": Activity.Status.DONE},
        expected_version=expected_version,
    )


def activity_reopen(
    *, actor: Any, activity: Activity, expected_version: int | None = None
) -> Activity:
    return activity_update(
        actor=actor,
        activity=activity,
        data={"status": Activity.Status.OPEN},
        expected_version=expected_version,
    )


def activity_delete(*, actor: Any, activity: Activity) -> None:
    with transaction.atomic():
        invitations_cancel_deleted(actor=actor, activity=activity)  # after the commit
        record_delete(actor=actor, instance=activity)


def activities_relink_lead(
    *, actor: Any, source: Any, contact: Any, company: Any, deal: Any
) -> int:
    """After a lead conversion its activities and comments show on what it became
    (registered as the lead relinker: ``records.extensions.relink``)."""
    lead = source
    activity_ids = list(Activity.objects.filter(lead=lead).values_list("pk", flat=True))
    comment_ids = list(Comment.objects.filter(lead=lead).values_list("pk", flat=True))
    moved = Activity.objects.filter(lead=lead).update(contact=contact, company=company, deal=deal)
    Comment.objects.filter(lead=lead).update(contact=contact)
    # Bulk updates: the moved records are indexed again; the moved comments (and their
    # files) now follow the rights of the contact.
    indexer.reindex("activity", activity_ids)
    indexer.reindex("comment", comment_ids)
    return moved


# Comments and attachments ------------------------------------------------------------


def comment_create(
    *,
    actor: Any,
    target: Any,
    body: str,
    parent: Comment | None = None,
    files: Iterable[UploadedFile] = (),
) -> Comment:
    """Add a comment (optionally a reply) with attachments to a record. Every file is
    checked before anything is written, so a bad file leaves no comment behind."""
    check(actor, "view", target)
    body = (body or "").strip()
    files = list(files)
    errors: dict[str, list[str]] = {}
    if not body and not files:
        errors["body"] = [_("Write a comment or attach a file.")]
    if len(body) > 20_000:
        errors["body"] = [_("A comment may be at most 20,000 characters.")]
    if len(files) > MAX_ATTACHMENTS:
        errors["files"] = [_("At most %(n)s files per comment.") % {"n": MAX_ATTACHMENTS}]
    checked = []
    for upload in files[:MAX_ATTACHMENTS]:
        try:
            checked.append((upload, check_upload(upload)))
        except ValidationError as exc:
            errors.setdefault("files", []).extend(exc.messages)
    target_name = target._meta.model_name
    if target_name not in Comment.TARGETS:
        errors["target"] = [_("Comments cannot be added to this kind of record.")]
    if parent is not None and getattr(parent, f"{target_name}_id", None) != target.pk:
        errors["parent"] = [_("The comment you reply to belongs to another record.")]
    if errors:
        raise ValidationError(errors)
    stored: list[str | None] = []
    try:
        with transaction.atomic():
            lock_chain()  # the audit chain before any row (see audit.trail.lock_chain)
            comment = Comment.objects.create(
                author=actor, body=body, parent=parent, **{target_name: target}
            )
            indexing.saved(comment)
            _store_attachments(actor=actor, comment=comment, checked=checked, stored=stored)
            change_record(
                actor=actor,
                instance=target,
                action=ChangeEntry.Action.UPDATE,
                changes={"comment": [None, body[:200] or ", ".join(u.name or "" for u in files)]},
            )
    except Exception:
        # A failed write must not leave stored files behind.
        _delete_files(stored)
        raise
    return comment


def _store_attachments(
    *,
    actor: Any,
    comment: Comment,
    checked: list[tuple[UploadedFile, Any]],
    stored: list[str | None],
) -> list[Attachment]:
    """Save checked uploads under random names; ``stored`` collects the paths so the
    caller can delete them if its transaction fails."""
    created = []
    for upload, info in checked:
        attachment = Attachment(
            comment=comment,
            original_name=(upload.name or "file")[:255],
            content_type=info.content_type,
            size=info.size,
            sha256=info.sha256,
            uploaded_by=actor,
        )
        attachment.file.save(upload.name or "file", upload, save=False)
        stored.append(attachment.file.name)
        attachment.save()
        indexing.attachment_added(attachment)
        created.append(attachment)
    return created


@transaction.atomic
def comment_update(*, actor: Any, comment: Comment, body: str) -> Comment:
    """Authors edit their own comments; administrators any. The change is in the history."""
    if comment.author_id != getattr(actor, "pk", None):
        check(actor, "manage", comment)
    body = (body or "").strip()
    if not body and not comment.attachments.exists():
        raise ValidationError({"body": [_("Write a comment or attach a file.")]})
    if len(body) > 20_000:
        raise ValidationError({"body": [_("A comment may be at most 20,000 characters.")]})
    before = comment.body
    lock_chain()
    Comment.objects.filter(pk=comment.pk).update(body=body)
    comment.body = body
    indexer.reindex("comment", [comment.pk])
    target = comment.target
    if target is not None and before != body:
        change_record(
            actor=actor,
            instance=target,
            action=ChangeEntry.Action.UPDATE,
            changes={"comment": [before[:200], body[:200]]},
        )
    return comment


@transaction.atomic
def comment_delete(*, actor: Any, comment: Comment) -> None:
    if comment.author_id != getattr(actor, "pk", None):
        check(actor, "manage", comment)
    paths: list[str | None] = [a.file.name for a in comment.attachments.all()]
    indexing.delete(comment)
    transaction.on_commit(lambda: _delete_files(paths))


def _delete_files(paths: list[str | None]) -> None:

    for path in paths:
        if path:
            default_storage.delete(path)


# Reminders and notifications ----------------------------------------------------------


def reminders_send(*, now: Any = None, batch: int = 500) -> int:
    """Turn due reminders into notifications (and e-mails when SMTP is configured).
    Safe to run twice or in parallel: each reminder is claimed by a conditional update."""
    now = now or timezone.now()
    due = list(
        Activity.objects.filter(
            status=Activity.Status.OPEN, remind_at__lte=now, reminded_at__isnull=True
        )
        .select_related("assignee", "owner")
        .order_by("remind_at")[:batch]
    )
    sent = 0
    for activity in due:
        recipient = activity.assignee or activity.owner
        with transaction.atomic():
            claimed = Activity.objects.filter(pk=activity.pk, reminded_at__isnull=True).update(
                reminded_at=now
            )
            if not claimed or recipient is None:
                continue
            with translation.override(recipient_language(recipient)):
                title = _("Reminder: %(subject)s") % {"subject": activity.subject}
            notification = Notification.objects.create(
                user=recipient,
                title=title,
                body=activity.description[:500],
                url=activity.get_absolute_url(),
                activity=activity,
            )
            sent += 1
            if settings.PERNO_EMAIL_ENABLED and recipient.email:
                transaction.on_commit(lambda n=notification.pk: _queue_email(n))  # type: ignore[misc]
    return sent


def notify(
    *,
    user: Any,
    title: str | Callable[[], str],
    body: str = "",
    url: str = "",
    activity: Activity | None = None,
) -> Notification:
    """Tell a user something (the bell, and an e-mail when e-mail is configured); call
    inside the caller's transaction. ``title`` is best a function returning the
    translated text: it is called in the recipient's language, whatever the language of
    whoever caused the notification (the e-mail is written in it too)."""
    with translation.override(recipient_language(user)):
        text = title() if callable(title) else title
    notification = Notification.objects.create(
        user=user, title=text[:200], body=body[:2000], url=url[:300], activity=activity
    )
    if settings.PERNO_EMAIL_ENABLED and user.email:
        transaction.on_commit(lambda n=notification.pk: _queue_email(n))  # type: ignore[misc]
    return notification


def recipient_language(user: Any) -> str:
    """The language a user reads messages in: theirs, or the site's."""
    return getattr(user, "language", "") or settings.LANGUAGE_CODE


def _queue_email(notification_id: int) -> None:

    email_notification_task.delay(notification_id)


def notification_email(*, notification_id: int) -> bool:
    """E-mail a notification once; returns True when sent now."""
    notification = (
        Notification.objects.select_related("user", "activity").filter(pk=notification_id).first()
    )
    if notification is None or notification.emailed_at is not None or not notification.user.email:
        return False
    activity = notification.activity
    lines = [notification.title, ""]
    if activity is not None and activity.due_at:
        with translation.override(recipient_language(notification.user)):
            lines.append(
                _("Due: %(due)s")
                % {"due": date_format(timezone.localtime(activity.due_at), "SHORT_DATETIME_FORMAT")}
            )
    if notification.body:
        lines += ["", notification.body]
    send_mail(notification.title, "\n".join(lines), None, [notification.user.email])
    Notification.objects.filter(pk=notification.pk).update(emailed_at=timezone.now())
    return True


def notification_mark_read(*, actor: Any, notification: Notification) -> None:
    if notification.user_id != actor.pk:
        check(actor, "manage", notification)
    Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def notifications_mark_all_read(*, actor: Any) -> int:
    return Notification.objects.filter(user=actor, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def attachments_add(
    *, actor: Any, comment: Comment, files: Iterable[UploadedFile]
) -> list[Attachment]:
    """Attach more files to an existing comment; all are checked before any is stored.
    Only the comment's author, or someone who may edit the record it is on, adds files to
    it: a reader of the record may comment, not put files under someone else's name."""
    target = comment.target
    assert target is not None
    check(actor, "view", target)
    if comment.author_id != getattr(actor, "pk", None):
        check(actor, "edit", target)
    files = list(files)
    if not files:
        raise ValidationError({"files": [_("Choose at least one file.")]})
    if comment.attachments.count() + len(files) > MAX_ATTACHMENTS:
        raise ValidationError(
            {"files": [_("At most %(n)s files per comment.") % {"n": MAX_ATTACHMENTS}]}
        )
    errors: list[str] = []
    checked = []
    for upload in files:
        try:
            checked.append((upload, check_upload(upload)))
        except ValidationError as exc:
            errors.extend(exc.messages)
    if errors:
        raise ValidationError({"files": errors})
    stored: list[str | None] = []
    try:
        with transaction.atomic():
            lock_chain()
            created = _store_attachments(
                actor=actor, comment=comment, checked=checked, stored=stored
            )
            change_record(
                actor=actor,
                instance=target,
                action=ChangeEntry.Action.UPDATE,  # type: ignore[arg-type]
                changes={"attachments": [None, ", ".join(a.original_name for a in created)]},
            )
    except Exception:
        _delete_files(stored)
        raise
    return created


@transaction.atomic
def attachment_delete(*, actor: Any, attachment: Attachment) -> None:
    comment = attachment.comment
    target = comment.target
    assert target is not None
    if comment.author_id != getattr(actor, "pk", None):
        check(actor, "manage", attachment)
    path = attachment.file.name
    change_record(
        actor=actor,
        instance=target,
        action=ChangeEntry.Action.UPDATE,  # type: ignore[arg-type]
        changes={"attachments": [attachment.original_name, None]},
    )
    indexing.delete(attachment)
    transaction.on_commit(lambda: _delete_files([path]))
