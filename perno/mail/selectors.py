"""Every read of mail, with the user.

A message is governed by one record (``governing``): its case when it has one, else
its mailbox (a personal mailbox is its owner's alone, a shared one its team's), else,
for a message dropped on a record as .eml, that record (a deal, a lead, a contact, a
company, in that order). Who may see that record sees the message, its attachments and
its place in the timelines; to anyone else it does not exist (404)."""

from __future__ import annotations

import datetime
import re
from typing import Any

from django.db.models import Model, Q, QuerySet
from django.http import Http404

from perno.accounts.permissions import can, check, obtain, restrict
from perno.activities.selectors import TimelineEntry
from perno.cases.models import Case
from perno.contacts.models import Affiliation, Company, Contact
from perno.mail.models import MailAttachment, Mailbox, MailMessage, MailTemplate, MailThread
from perno.sales.models import Deal, Lead

# Records a message dropped as .eml may belong to, in the order that governs it.
RECORD_LINKS: tuple[tuple[str, type[Model]], ...] = (
    ("deal", Deal),
    ("lead", Lead),
    ("contact", Contact),
    ("company", Company),
)
TARGETS = {"contact", "company", "deal", "lead", "case"}


# --- mailboxes --------------------------------------------------------------------------


def mailbox_list(*, user: Any, active: bool | None = None) -> QuerySet[Mailbox]:
    qs = restrict(Mailbox.objects.all(), user, "view").select_related("queue", "owner", "team")
    if active is not None:
        qs = qs.filter(is_active=active)
    return qs.order_by("name", "id")


def mailbox_get(*, user: Any, pk: Any, action: str = "view") -> Mailbox:
    return obtain(
        Mailbox.objects.select_related("queue", "owner", "team", "acknowledgement"),
        user,
        pk,
        action,
    )


def sending_mailboxes(*, user: Any) -> QuerySet[Mailbox]:
    """The mailboxes the user may send from (active ones they may see)."""
    return mailbox_list(user=user, active=True)


# --- who sees a message --------------------------------------------------------------


def visible(user: Any) -> Q:
    """The condition (in SQL) for the messages ``user`` may see."""
    cases = restrict(Case.objects.all(), user, "view").values("pk")
    boxes = restrict(Mailbox.objects.all(), user, "view").values("pk")
    condition = Q(case__in=cases) | Q(case__isnull=True, mailbox__in=boxes)
    earlier: dict[str, bool] = {"case__isnull": True, "mailbox__isnull": True}
    for name, model in RECORD_LINKS:
        allowed = restrict(model._default_manager.all(), user, "view").values("pk")
        condition |= Q(**earlier, **{f"{name}__in": allowed})
        earlier[f"{name}__isnull"] = True
    return condition


def can_see(user: Any, message: MailMessage) -> bool:
    record = message.governing
    return record is not None and can(user, "view", record)


def message_list(
    *,
    user: Any,
    mailbox: Mailbox | None = None,
    direction: str | None = None,
    thread: MailThread | None = None,
) -> QuerySet[MailMessage]:
    """The messages ``user`` may see, newest first (narrowed to a mailbox, direction
    or conversation)."""
    qs = MailMessage.objects.filter(visible(user))
    if mailbox is not None:
        qs = qs.filter(mailbox=mailbox)
    if direction:
        qs = qs.filter(direction=direction)
    if thread is not None:
        qs = qs.filter(thread=thread)
    return qs.select_related("mailbox", "contact", "company", "case").order_by("-sent_at", "-id")


def message_get(*, user: Any, pk: Any) -> MailMessage:
    """One message, with its attachments; 404 when the user may not see it."""
    try:
        message = (
            MailMessage.objects.select_related(
                "mailbox", "thread", "contact", "company", "case", "deal", "lead", "created_by"
            )
            .prefetch_related("attachments")
            .filter(pk=pk)
            .first()
        )
    except (TypeError, ValueError):
        message = None
    if message is None or not can_see(user, message):
        raise Http404
    return message


def thread_messages(*, user: Any, message: MailMessage) -> list[MailMessage]:
    """The conversation of ``message`` (already obtained), oldest first, as far as
    the user may see it."""
    return list(
        MailMessage.objects.filter(visible(user), thread_id=message.thread_id)
        .select_related("contact", "case")
        .prefetch_related("attachments")
        .order_by("sent_at", "id")[:500]
    )


def attachment_get(*, user: Any, pk: Any) -> MailAttachment:
    try:
        attachment = MailAttachment.objects.select_related("message").filter(pk=pk).first()
    except (TypeError, ValueError):
        attachment = None
    if attachment is None or not can_see(user, attachment.message):
        raise Http404
    return attachment


def _about(user: Any, target: Any) -> Q | None:
    """The messages linked to ``target`` (a company: also its contacts' that the user
    may see)."""
    name = target._meta.model_name
    if name not in TARGETS:
        return None
    if name == "company":
        contacts = Affiliation.objects.filter(
            company=target, contact__in=restrict(Contact.objects.all(), user, "view")
        ).values("contact_id")
        return Q(company=target) | Q(contact__in=contacts)
    return Q(**{name: target})


def messages_for(*, user: Any, target: Any) -> QuerySet[MailMessage]:
    """The messages on a record's page (a contact, company, deal, lead or case),
    newest first."""
    check(user, "view", target)
    about = _about(user, target)
    if about is None:
        return MailMessage.objects.none()
    return (
        MailMessage.objects.filter(about)
        .filter(visible(user))
        .select_related("mailbox", "contact", "case")
        .order_by("-sent_at", "-id")
    )


def mail_timeline(
    *, user: Any, target: Any, before: datetime.datetime | None, limit: int
) -> list[TimelineEntry]:
    """The timeline source "mail" (``activities.selectors.register_timeline_source``)."""
    if target._meta.model_name not in TARGETS:
        return []
    rows = messages_for(user=user, target=target)
    if before is not None:
        rows = rows.filter(sent_at__lt=before)
    return [
        TimelineEntry("mail", m.sent_at, m) for m in rows.prefetch_related("attachments")[:limit]
    ]


_CID = re.compile(r'src="cid:([^"]+)"', re.IGNORECASE)


def message_html(message: MailMessage, *, show_images: bool = False) -> str:
    """The message's sanitised HTML for a page ("" when it has none): without remote
    images unless asked, and images inside the message pointing at their download."""
    html = message.html_with_images if show_images and message.html_with_images else message.html
    if not html or "cid:" not in html.lower():
        return html
    urls = {a.content_id: a.get_absolute_url() for a in message.attachments.all() if a.content_id}

    def source(match: re.Match[str]) -> str:
        url = urls.get(match.group(1))
        return f'src="{url}"' if url else ""

    return _CID.sub(source, html)


# --- templates ----------------------------------------------------------------------------


def template_list(*, user: Any, language: str | None = None) -> QuerySet[MailTemplate]:
    """Templates are for everyone who may use a mailbox."""
    if not can(user, "view", "mailbox"):
        return MailTemplate.objects.none()
    qs = MailTemplate.objects.all()
    if language:
        qs = qs.filter(language=language)
    return qs.order_by("name", "language", "id")


def template_get(*, user: Any, pk: Any) -> MailTemplate:
    try:
        found = template_list(user=user).filter(pk=pk).first()
    except (TypeError, ValueError):
        found = None
    if found is None:
        raise Http404
    return found
