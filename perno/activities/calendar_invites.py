"""Invitations to meetings by e-mail (iMIP, RFC 6047).

From a meeting the user invites its contact, or other contacts they may see (picked, or
named by an e-mail address of such a contact). Each invitee gets an e-mail of their own
(in their language): a text body, the invitation as a ``text/calendar; method=REQUEST``
alternative and the same as an ``invite.ics`` attachment. The ORGANIZER is the user; the
ATTENDEE is the recipient alone, with PARTSTAT=NEEDS-ACTION (one invitee never learns
another's address). Who was invited, where, when it was last sent and with which
SEQUENCE is recorded (``CalendarInvitation``, declared in ``privacy.py``).

When an invited meeting moves or changes (from any door: the calendar, the edit page,
the API, a bulk edit) ``services.activity_update`` calls ``invitations_follow``: the
invitees get an update (SEQUENCE = version - 1, one more with every saved change);
cancelled or deleted, they get ``METHOD:CANCEL``. Messages leave after the commit."""

from __future__ import annotations

import email.policy
import logging
import smtplib
from collections.abc import Iterable
from dataclasses import dataclass
from email.utils import formataddr
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from perno.accounts.confidential import hidden_fields
from perno.accounts.permissions import check, restrict
from perno.activities.calendar_ics import imip_ics, sequence_of
from perno.activities.calendar_time import calendar_zone
from perno.activities.models import Activity, CalendarInvitation
from perno.audit.models import ChangeEntry
from perno.audit.services import change_record
from perno.audit.trail import lock_chain
from perno.contacts.models import Contact

logger = logging.getLogger(__name__)

MAX_INVITEES = 50
MAX_NOTE = 2000
LANGUAGES = {"it", "ro", "en"}


class CalendarMessage(EmailMultiAlternatives):
    """An e-mail whose ``text/calendar`` alternative carries the iTIP method
    (``text/calendar; method=REQUEST``), as RFC 6047 requires."""

    def __init__(self, *args: Any, method: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.method = method

    def message(self, *, policy: Any = email.policy.default) -> Any:
        msg = super().message(policy=policy)
        for part in msg.walk():
            if part.get_content_type() == "text/calendar" and not part.is_attachment():
                # Quoted-printable keeps iCalendar's CRLF line ends as text on the wire
                # (base64 would carry the bare line ends Python writes).
                part.set_content(
                    part.get_content(),
                    subtype="calendar",
                    charset="utf-8",
                    cte="quoted-printable",
                    params={"method": self.method},
                )
        return msg


@dataclass
class Outgoing:
    invitation_id: int | None
    message: CalendarMessage


def meeting_state(activity: Activity) -> tuple[Any, ...]:
    """What invitees are told about: kind, time, length, subject and status."""
    return (
        activity.kind,
        activity.due_at,
        activity.duration_minutes,
        activity.subject,
        activity.status,
    )


def _is_on(activity: Activity) -> bool:
    return (
        activity.kind == Activity.Kind.MEETING
        and activity.due_at is not None
        and activity.status != Activity.Status.CANCELLED
    )


# --- Reading -----------------------------------------------------------------------------


def invitation_list(*, user: Any, activity: Activity) -> QuerySet[CalendarInvitation]:
    """The invitees of a meeting the user may see (the caller obtained it through the
    gate); which of them the user may open is the page's and the API's to show."""
    check(user, "view", activity)
    return activity.invitations.select_related("contact", "invited_by").order_by("created_at", "id")


def email_hidden(user: Any) -> bool:
    """Whether contacts' e-mail addresses are confidential to the user."""
    return "email" in hidden_fields(user, "contact")


# --- Inviting ----------------------------------------------------------------------------


def _invitees(
    actor: Any, activity: Activity, contact_ids: Iterable[Any], emails: Iterable[str]
) -> list[Contact]:
    """The contacts to invite: those picked and those named by an address, all of them
    contacts the user may see, with an address the user may read; without either, the
    meeting's own contact. Every problem is a field error."""
    errors: dict[str, list[str]] = {}
    visible = restrict(Contact.objects.all(), actor, "view")
    found: dict[int, Contact] = {}
    ids = []
    for raw in contact_ids:
        try:
            ids.append(int(raw))
        except (TypeError, ValueError):
            errors.setdefault("contacts", []).append(
                _("“%(id)s” is not a contact id.") % {"id": str(raw)[:20]}
            )
    rows = {c.pk: c for c in visible.filter(pk__in=ids)} if ids else {}
    for pk in ids:
        if pk in rows:
            found[pk] = rows[pk]
        else:
            errors.setdefault("contacts", []).append(
                _("No contact with id %(id)s (or you may not see it).") % {"id": pk}
            )
    addresses = [a.strip() for a in emails if a and a.strip()]
    if addresses and email_hidden(actor):
        errors.setdefault("emails", []).append(
            _(
                "Contacts' e-mail addresses are confidential to your roles: pick the contacts instead."
            )
        )
        addresses = []
    for text in addresses:
        try:
            validate_email(text)
        except ValidationError:
            errors.setdefault("emails", []).append(
                _("“%(email)s” is not an e-mail address.") % {"email": text[:80]}
            )
            continue
        contact = visible.filter(email__iexact=text).order_by("id").first()
        if contact is None:
            errors.setdefault("emails", []).append(
                _(
                    "No contact you may see has the address %(email)s: add the person as a contact first, then invite them."
                )
                % {"email": text[:80]}
            )
        else:
            found[contact.pk] = contact
    if not ids and not addresses and not errors.get("emails"):
        if activity.contact_id and visible.filter(pk=activity.contact_id).exists():
            contact = visible.get(pk=activity.contact_id)
            found[contact.pk] = contact
        else:
            errors.setdefault("contacts", []).append(
                _("Pick the contacts to invite: this meeting has no contact of its own.")
            )
    hidden = email_hidden(actor)
    for contact in found.values():
        if hidden or not contact.email:
            errors.setdefault("contacts", []).append(
                _("%(name)s has no e-mail address you may use; add one to the contact first.")
                % {"name": contact}
            )
    if len(found) > MAX_INVITEES:
        errors.setdefault("contacts", []).append(
            _("Invite at most %(max)s people to a meeting.") % {"max": MAX_INVITEES}
        )
    if errors:
        raise ValidationError(errors)
    return list(found.values())


def _check_meeting(activity: Activity) -> None:
    if activity.kind != Activity.Kind.MEETING:
        raise ValidationError(
            {
                "kind": [
                    _(
                        "Only meetings can be sent as invitations; make this activity a meeting first."
                    )
                ]
            }
        )
    if activity.due_at is None:
        raise ValidationError({"due_at": [_("Give the meeting a date and time first.")]})
    if activity.status != Activity.Status.OPEN:
        raise ValidationError(
            {"status": [_("This meeting is done or cancelled: there is nothing to invite to.")]}
        )
    if activity.due_at < timezone.now():
        raise ValidationError(
            {"due_at": [_("This meeting is in the past: move it to a future time first.")]}
        )


def invitations_send(
    *,
    actor: Any,
    activity: Activity,
    contact_ids: Iterable[Any] = (),
    emails: Iterable[str] = (),
    note: str = "",
) -> list[CalendarInvitation]:
    """Invite contacts to a meeting the user may edit: record them and send each an
    invitation after the commit (again to whoever was invited already)."""
    check(actor, "edit", activity)
    _check_meeting(activity)
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise ValidationError(
            {"note": [_("A message may be at most %(max)s characters.") % {"max": MAX_NOTE}]}
        )
    contacts = _invitees(actor, activity, contact_ids, emails)
    with transaction.atomic():
        lock_chain()  # the audit chain before any row (see audit.trail.lock_chain)
        locked = Activity.objects.select_for_update().get(pk=activity.pk)
        _check_meeting(locked)
        before = locked.invitations.filter(cancelled_at__isnull=True).count()
        sequence = sequence_of(locked)
        invited = []
        for contact in contacts:
            invitation, _created = CalendarInvitation.objects.update_or_create(
                activity=locked,
                contact=contact,
                defaults={
                    "email": contact.email,
                    "name": str(contact)[:200],
                    "invited_by": actor,
                    "sequence": sequence,
                    "cancelled_at": None,
                    "error": "",
                },
            )
            invited.append(invitation)
        after = locked.invitations.filter(cancelled_at__isnull=True).count()
        change_record(
            actor=actor,
            instance=locked,
            action=ChangeEntry.Action.UPDATE,
            changes={"invitees": [before, after]},
        )
        outgoing = [
            Outgoing(i.pk, _message(i, locked, actor, "REQUEST", sequence, note=note))
            for i in invited
        ]
        transaction.on_commit(lambda: deliver(outgoing))
    return invited


# --- Following changes -------------------------------------------------------------------


def invitations_follow(*, actor: Any, activity: Activity, before: tuple[Any, ...]) -> int:
    """Called by ``activity_update`` inside its transaction, with ``meeting_state`` from
    before the change: the invitees of a meeting that moved or changed get an update; of
    one cancelled (or no longer a meeting with a time) a cancellation. Done is no news.
    Returns how many messages will be sent."""
    now = meeting_state(activity)
    if now == before or Activity.Kind.MEETING not in (now[0], before[0]):
        return 0
    active = list(activity.invitations.filter(cancelled_at__isnull=True).select_related("contact"))
    if not active:
        return 0
    cancelled = not _is_on(activity)
    if not cancelled and before[:4] == now[:4]:
        return 0  # only open <-> done
    method = "CANCEL" if cancelled else "REQUEST"
    sequence = sequence_of(activity)
    ids = [i.pk for i in active]
    changes: dict[str, Any] = {"sequence": sequence}
    if cancelled:
        changes["cancelled_at"] = timezone.now()
    CalendarInvitation.objects.filter(pk__in=ids).update(**changes)
    outgoing = [Outgoing(i.pk, _message(i, activity, actor, method, sequence)) for i in active]
    transaction.on_commit(lambda: deliver(outgoing))
    return len(outgoing)


def invitations_cancel_deleted(*, actor: Any, activity: Activity) -> int:
    """Called by ``activity_delete`` inside its transaction, before the row goes (its
    invitations go with it): each invitee gets a cancellation after the commit."""
    if activity.due_at is None or activity.kind != Activity.Kind.MEETING:
        return 0
    active = list(activity.invitations.filter(cancelled_at__isnull=True).select_related("contact"))
    sequence = sequence_of(activity) + 1
    outgoing = [Outgoing(None, _message(i, activity, actor, "CANCEL", sequence)) for i in active]
    if outgoing:
        transaction.on_commit(lambda: deliver(outgoing))
    return len(outgoing)


# --- Messages ----------------------------------------------------------------------------


def _organizer(actor: Any) -> tuple[str, str, str]:
    """(organizer address, name, sender address): the user, sent by Perno's address."""
    sender = str(settings.DEFAULT_FROM_EMAIL)
    sender_address = sender.rpartition("<")[2].strip(" >") or sender
    name = str(actor) if actor is not None else ""
    own = (getattr(actor, "email", "") or "").strip()
    return (own or sender_address), name, sender_address


def _message(
    invitation: CalendarInvitation,
    activity: Activity,
    actor: Any,
    method: str,
    sequence: int,
    *,
    note: str = "",
) -> CalendarMessage:
    """The e-mail to one invitee, written in their language now (inside the
    transaction, while the data is there) and sent after the commit."""
    organizer, name, sender = _organizer(actor)
    zone = calendar_zone(actor)
    language = getattr(invitation.contact, "language", "") or ""
    language = language if language in LANGUAGES else settings.LANGUAGE_CODE
    ics = imip_ics(
        activity=activity,
        method=method,
        organizer=(organizer, name),
        sent_by=sender,
        attendees=[(invitation.email, invitation.name)],
        sequence=sequence,
        description=note or None,
    )
    with translation.override(language), timezone.override(zone):
        when = date_format(timezone.localtime(activity.due_at), "DATETIME_FORMAT")
        facts = {"subject": activity.subject, "when": when, "zone": str(zone), "organizer": name}
        if method == "CANCEL":
            subject = _("Cancelled: %(subject)s, %(when)s") % facts
            lines = [
                _("%(organizer)s has cancelled the meeting “%(subject)s” of %(when)s (%(zone)s).")
                % facts
            ]
        elif invitation.sent_at is not None:
            subject = _("Updated invitation: %(subject)s, %(when)s") % facts
            lines = [
                _(
                    "%(organizer)s has changed the meeting “%(subject)s”: it is now on %(when)s (%(zone)s)."
                )
                % facts
            ]
        else:
            subject = _("Invitation: %(subject)s, %(when)s") % facts
            lines = [
                _("%(organizer)s invites you to the meeting “%(subject)s” on %(when)s (%(zone)s).")
                % facts
            ]
        if activity.duration_minutes and method != "CANCEL":
            lines.append(
                _("It lasts %(minutes)s minutes.") % {"minutes": activity.duration_minutes}
            )
        if note:
            lines += ["", note]
        if method != "CANCEL":
            lines += [
                "",
                _("Accept or decline it from your calendar app (the invitation is attached)."),
            ]
    message = CalendarMessage(
        subject=subject,
        body="\n".join(lines),
        from_email=formataddr((name, sender)) if name else sender,
        to=[formataddr((invitation.name, invitation.email))],
        reply_to=[organizer],
        method=method,
    )
    text = ics.decode()
    message.attach_alternative(text, "text/calendar")
    message.attach("invite.ics", ics, "application/ics")
    return message


def deliver(outgoing: list[Outgoing]) -> int:
    """Send the messages (after the commit); note on each invitation when it was sent,
    or why it was not (shown on the meeting's invitation page). Returns how many left."""
    sent = 0
    for item in outgoing:
        try:
            item.message.send()
        except (OSError, smtplib.SMTPException) as exc:
            logger.warning(
                "calendar invitation %s not sent: %s", item.invitation_id, type(exc).__name__
            )
            if item.invitation_id is not None:
                CalendarInvitation.objects.filter(pk=item.invitation_id).update(
                    error=(_("Not sent: %(reason)s") % {"reason": type(exc).__name__})[:300]
                )
            continue
        sent += 1
        if item.invitation_id is not None:
            CalendarInvitation.objects.filter(pk=item.invitation_id).update(
                sent_at=timezone.now(), error=""
            )
    return sent
