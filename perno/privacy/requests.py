"""Data subject requests (Art. 12, 15-21): the register, deadlines and reminders, and
carrying each kind out: the access/portability archive, erasure, restriction,
objection. Every step is audited in its transaction."""

from __future__ import annotations

import datetime
import logging
import traceback
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from perno.accounts.permissions import check
from perno.accounts.selectors import users_handling_privacy
from perno.activities.services import notify
from perno.audit import trail
from perno.audit.models import AuditEvent
from perno.core.pseudonym import subject_ref
from perno.privacy import archive, deadlines
from perno.privacy.erasure import erase_contact
from perno.privacy.models import Channel, SubjectExport, SubjectRequest
from perno.privacy.services import consent_record, restriction_start
from perno.privacy.tasks import build_subject_export_task

logger = logging.getLogger(__name__)

Kind = SubjectRequest.Kind
EDITABLE = ("requester_name", "requester_email", "requester_phone", "identifier", "details")


def _audit(actor: Any, request: SubjectRequest, step: str, **extra: Any) -> None:
    trail.record(
        actor=actor,
        action=AuditEvent.Action.REQUEST,
        obj=request,
        subject=request.subject,
        detail={"request": request.pk, "kind": request.kind, "step": step, **extra},
    )


def request_create(*, actor: Any, data: dict[str, Any], contact: Any = None) -> SubjectRequest:
    """Register a request as received. A person we hold nothing about is registered too:
    the answer is then that no data is held."""
    check(actor, "manage", "privacy")
    errors: dict[str, list[str]] = {}
    kind = data.get("kind")
    if kind not in Kind.values:
        errors["kind"] = [
            _("Choose the kind of request: %(known)s.") % {"known": ", ".join(Kind.values)}
        ]
    received = data.get("received_on") or timezone.localdate()
    if isinstance(received, datetime.datetime):
        received = received.date()
    if not isinstance(received, datetime.date):
        errors["received_on"] = [_("Give the date the request was received (YYYY-MM-DD).")]
    elif received > timezone.localdate():
        errors["received_on"] = [_("A request cannot be received in the future.")]
    if not (data.get("requester_name") or "").strip():
        errors["requester_name"] = [
            _("Write who made the request, as they signed it (their name).")
        ]
    channel = data.get("channel") or Channel.EMAIL
    if channel not in Channel.values:
        errors["channel"] = [_("Unknown channel “%(c)s”.") % {"c": channel}]
    if errors:
        raise ValidationError(errors)
    request = SubjectRequest(
        kind=str(kind),
        received_on=received,
        channel=channel,
        contact=contact,
        subject=subject_ref("contact", contact.pk) if contact else "",
        due_on=deadlines.request_due(received),
        handled_by=actor,
        **{k: (data.get(k) or "").strip() for k in EDITABLE},
    )
    request.full_clean(exclude=["contact", "handled_by"])
    with transaction.atomic():
        trail.lock_chain()  # the audit chain before any row (lock order)
        request.save()
        _audit(actor, request, "received")
    return request


def request_update(
    *,
    actor: Any,
    request: SubjectRequest,
    data: dict[str, Any],
    contact: Any = None,
    unlink: bool = False,
) -> SubjectRequest:
    """Correct the requester's details, record the identity check, link the person."""
    check(actor, "manage", "privacy")
    if request.status != SubjectRequest.Status.OPEN:
        raise ValidationError({"__all__": [_("This request is closed; it can no longer change.")]})
    identity = data.get("identity", request.identity)
    if identity not in SubjectRequest.Identity.values:
        raise ValidationError({"identity": [_("Unknown identity status.")]})
    note = (data.get("identity_note", request.identity_note) or "").strip()
    if identity != SubjectRequest.Identity.UNVERIFIED and not note:
        raise ValidationError(
            {
                "identity_note": [
                    _(
                        "Say how the identity was checked (e.g. the e-mail matches our records, a document was shown)."
                    )
                ]
            }
        )
    with transaction.atomic():
        trail.lock_chain()
        request = SubjectRequest.objects.select_for_update().get(pk=request.pk)
        changed = []
        for key in EDITABLE:
            if key in data and (data[key] or "").strip() != getattr(request, key):
                setattr(request, key, (data[key] or "").strip())
                changed.append(key)
        if identity != request.identity or note != request.identity_note:
            request.identity, request.identity_note = identity, note
            changed.append("identity")
        if contact is not None and contact.pk != request.contact_id:
            request.contact = contact
            request.subject = subject_ref("contact", contact.pk)
            changed.append("contact")
        elif unlink and request.contact_id:
            request.contact, request.subject = None, ""
            changed.append("contact")
        request.full_clean(exclude=["contact", "handled_by"])
        request.save()
        if changed:
            _audit(actor, request, "updated", fields=sorted(changed))
    return request


def request_extend(
    *, actor: Any, request: SubjectRequest, until: datetime.date, reason: str
) -> SubjectRequest:
    """Postpone the answer, at most two months past the first deadline, with a reason."""
    check(actor, "manage", "privacy")
    reason = (reason or "").strip()
    latest = deadlines.latest_extension(request.due_on)
    errors: dict[str, list[str]] = {}
    if not reason:
        errors["extension_reason"] = [
            _(
                "Say why more time is needed (complexity, number of requests); tell the person within the first month."
            )
        ]
    if not isinstance(until, datetime.date) or until <= request.due_on:
        errors["extended_to"] = [_("The new deadline must be after the current one.")]
    elif until > latest:
        errors["extended_to"] = [
            _("An answer may be postponed by at most two months: until %(latest)s.")
            % {"latest": latest.isoformat()}
        ]
    if request.status != SubjectRequest.Status.OPEN:
        errors["__all__"] = [_("This request is closed; it can no longer change.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        trail.lock_chain()
        request = SubjectRequest.objects.select_for_update().get(pk=request.pk)
        request.extended_to, request.extension_reason = until, reason
        request.save(update_fields=["extended_to", "extension_reason", "updated_at"])
        _audit(actor, request, "extended", until=until.isoformat())
    return request


def request_close(
    *, actor: Any, request: SubjectRequest, status: str, outcome: str
) -> SubjectRequest:
    check(actor, "manage", "privacy")
    if status not in (SubjectRequest.Status.DONE, SubjectRequest.Status.REFUSED):
        raise ValidationError({"status": [_("Close the request as done or refused.")]})
    if not (outcome or "").strip():
        raise ValidationError(
            {"outcome": [_("Write the answer given to the person (what was done, or why not).")]}
        )
    with transaction.atomic():
        trail.lock_chain()
        request = SubjectRequest.objects.select_for_update().get(pk=request.pk)
        if request.status != SubjectRequest.Status.OPEN:
            raise ValidationError({"__all__": [_("This request is already closed.")]})
        request.status, request.outcome = status, outcome.strip()
        request.closed_at = timezone.now()
        request.save()
        _audit(actor, request, status)
    return request


def _ready_for_action(request: SubjectRequest, kinds: tuple[str, ...]) -> None:
    if request.kind not in kinds:
        raise ValidationError({"__all__": [_("This action does not answer this kind of request.")]})
    if request.status != SubjectRequest.Status.OPEN:
        raise ValidationError({"__all__": [_("This request is closed.")]})
    if request.identity != SubjectRequest.Identity.VERIFIED:
        raise ValidationError(
            {
                "identity": [
                    _(
                        "Verify the requester's identity first: personal data goes only to the person it is about."
                    )
                ]
            }
        )
    if request.contact_id is None:
        raise ValidationError(
            {
                "contact": [
                    _(
                        "Link the request to the person first (Privacy → Look-up). If we hold nothing about them, close the request saying so."
                    )
                ]
            }
        )


# -- access and portability ------------------------------------------------------------


def export_start(*, actor: Any, request: SubjectRequest) -> SubjectExport:
    check(actor, "manage", "privacy")
    _ready_for_action(request, (Kind.ACCESS, Kind.PORTABILITY))
    with transaction.atomic():
        trail.lock_chain()
        export = SubjectExport.objects.create(request=request, requested_by=actor)
        _audit(actor, request, "export requested", export=export.pk)
        transaction.on_commit(lambda: _queue_export(export.pk))
    return export


def _queue_export(export_id: int) -> None:

    build_subject_export_task.delay(export_id)


def export_run(*, export_id: int) -> bool:
    """Build the archive (the task). Safe to run twice: only a queued export is built."""

    claimed = SubjectExport.objects.filter(pk=export_id, status=SubjectExport.Status.QUEUED).update(
        status=SubjectExport.Status.RUNNING, progress=1
    )
    if not claimed:
        return False
    export = SubjectExport.objects.select_related("request__contact").get(pk=export_id)
    request = export.request

    def progress(percent: int) -> None:
        SubjectExport.objects.filter(pk=export_id).update(progress=max(1, min(percent, 99)))

    try:
        if request.contact is None:
            raise ValidationError(_("The request is no longer linked to a person."))
        with trail.origin(AuditEvent.Channel.TASK):
            path, size, digest = archive.build(
                contact=request.contact, request=request, progress=progress
            )
    except Exception as exc:
        # Where it failed, not the message: it can quote the values being exported.
        logger.error(
            "subject export %s failed (%s)\n%s",
            export_id,
            exc.__class__.__name__,
            "".join(traceback.format_tb(exc.__traceback__)),
        )
        SubjectExport.objects.filter(pk=export_id).update(
            status=SubjectExport.Status.FAILED,
            error=str(getattr(exc, "message", "") or exc.__class__.__name__)[:500],
            finished_at=timezone.now(),
        )
        return False
    done = SubjectExport.objects.filter(pk=export_id, status=SubjectExport.Status.RUNNING).update(
        status=SubjectExport.Status.READY,
        progress=100,
        path=str(path),
        size=size,
        sha256=digest,
        finished_at=timezone.now(),
    )
    if not done:  # erased (or expired) while it was being built: the file goes too
        archive.discard(path)
        return False
    return True


def export_take(*, actor: Any, export: SubjectExport) -> Any:
    """Hand the archive out, once: mark it downloaded and audit it in one transaction,
    and return an open file whose name is already removed from the disk (the data goes
    when the download ends)."""
    check(actor, "manage", "privacy")
    with transaction.atomic():
        trail.lock_chain()  # the audit chain before any row (lock order)
        export = (
            SubjectExport.objects.select_for_update().select_related("request").get(pk=export.pk)
        )
        if export.status == SubjectExport.Status.DOWNLOADED:
            raise ValidationError(
                {
                    "__all__": [
                        _("This archive was already downloaded; prepare a new one if needed.")
                    ]
                }
            )
        if export.status != SubjectExport.Status.READY:
            raise ValidationError({"__all__": [_("This archive is not ready yet.")]})
        path = Path(export.path)
        try:
            handle = path.open("rb")
        except OSError as exc:
            raise ValidationError(
                {"__all__": [_("The archive file is missing; prepare a new one.")]}
            ) from exc
        export.status = SubjectExport.Status.DOWNLOADED
        export.downloaded_at, export.downloaded_by = timezone.now(), actor
        export.path = ""
        export.save()
        trail.record(
            actor=actor,
            action=AuditEvent.Action.EXPORT,
            record_type="contacts.contact",
            object_id=export.request.contact_id,
            subject=export.request.subject,
            detail={"request": export.request_id, "archive": export.pk, "bytes": export.size},
        )
        transaction.on_commit(lambda: archive.discard(path))
    return handle


def exports_purge(*, now: datetime.datetime | None = None) -> int:
    """Delete the archives nobody downloaded within PERNO_EXPORT_HOURS (the row stays,
    as expired, with the request it answered; the file goes), give up builds that ran
    that long, and remove any archive file older than that which no export waits for
    (a crashed build, an export erased while it was built). Return how many went."""

    cutoff = (now or timezone.now()) - datetime.timedelta(hours=settings.PERNO_EXPORT_HOURS)
    Status = SubjectExport.Status
    count = 0
    for export in SubjectExport.objects.filter(status=Status.READY, finished_at__lt=cutoff):
        with transaction.atomic():
            trail.lock_chain()
            expired = SubjectExport.objects.filter(pk=export.pk, status=Status.READY).update(
                status=Status.FAILED, path="", error="expired before download"
            )
            if expired:
                archive.discard(export.path)
                count += 1
    SubjectExport.objects.filter(
        status__in=(Status.QUEUED, Status.RUNNING), created_at__lt=cutoff
    ).update(status=Status.FAILED, error="interrupted", finished_at=cutoff)
    waiting = set(SubjectExport.objects.filter(status=Status.READY).values_list("path", flat=True))
    return count + archive.sweep(older_than=cutoff, keep=waiting)


# -- erasure, restriction, objection -----------------------------------------------------


def erasure_execute(*, actor: Any, request: SubjectRequest) -> dict[str, int]:
    """Erase the person of an erasure request and close it with what was done."""

    check(actor, "manage", "privacy")
    _ready_for_action(request, (Kind.ERASURE,))
    with transaction.atomic():  # erased and closed together, or neither
        counts = erase_contact(actor=actor, contact=request.contact, request=request)
        outcome = _("Erased on %(date)s: %(rows)s rows deleted or anonymized.") % {
            "date": timezone.localdate().isoformat(),
            "rows": sum(counts.values()),
        }
        request.refresh_from_db()
        request_close(
            actor=actor, request=request, status=SubjectRequest.Status.DONE, outcome=outcome
        )
    return dict(counts)


def restriction_execute(*, actor: Any, request: SubjectRequest) -> None:

    _ready_for_action(request, (Kind.RESTRICTION,))
    restriction_start(
        actor=actor,
        contact=request.contact,
        reason=_("Request #%(n)s: %(details)s") % {"n": request.pk, "details": request.details},
    )


def objection_execute(*, actor: Any, request: SubjectRequest, purpose: Any = None) -> None:
    """Record the objection (to one purpose, or without one to all direct marketing)."""

    _ready_for_action(request, (Kind.OBJECTION,))
    consent_record(
        actor=actor,
        contact=request.contact,
        purpose=purpose,
        kind="objected",
        channel=request.channel,
        note=_("Request #%(n)s") % {"n": request.pk},
    )


# -- reminders ----------------------------------------------------------------------------

REMIND_DAYS = (7, 2, 0)


def reminders_send(*, today: datetime.date | None = None) -> int:
    """Tell the people who handle personal data about requests due in 7 days, in 2 days,
    today, and overdue (once a day). Safe to run many times a day."""

    today = today or timezone.localdate()
    handlers = list(users_handling_privacy())
    sent = 0
    for request in SubjectRequest.objects.filter(status=SubjectRequest.Status.OPEN):
        left = (request.deadline - today).days
        if left < 0:
            mark = f"overdue:{today.isoformat()}"
        elif left in REMIND_DAYS:
            mark = f"{left}:{request.deadline.isoformat()}"
        else:
            continue
        with transaction.atomic():
            trail.lock_chain()
            locked = SubjectRequest.objects.select_for_update().get(pk=request.pk)
            if mark in locked.reminded:
                continue
            locked.reminded = [*locked.reminded, mark]
            locked.save(update_fields=["reminded"])
            for user in handlers:
                with translation.override(user.language or None):
                    if left < 0:
                        title = _(
                            "Overdue: data subject request #%(n)s (%(kind)s), due %(due)s"
                        ) % {
                            "n": locked.pk,
                            "kind": locked.get_kind_display(),
                            "due": date_format(locked.deadline, "SHORT_DATE_FORMAT"),
                        }
                    else:
                        title = _("Data subject request #%(n)s (%(kind)s) is due on %(due)s") % {
                            "n": locked.pk,
                            "kind": locked.get_kind_display(),
                            "due": date_format(locked.deadline, "SHORT_DATE_FORMAT"),
                        }
                notify(
                    user=user,
                    title=title,
                    url=reverse("privacy:request_detail", args=[locked.pk]),
                )
                sent += 1
    return sent
