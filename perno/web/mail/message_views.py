"""A message's page (headers, the sanitised HTML without remote images unless asked,
the text, attachments, the conversation, the records it belongs to), attachment
downloads, deleting a message, a forwarded .eml dropped on a record, and a case's
conversation (the fragment the case page loads)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.csp import CSP
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from perno.accounts.permissions import can
from perno.mail import files, selectors, services
from perno.mail.models import MailMessage
from perno.records.reads import record_shown
from perno.web.mail.forms import ComposeForm, EmlForm
from perno.web.mail.targets import recipient_address, reply_subject, target_get

# The records a message may be answered from, in the order that is preferred.
REPLY_TARGETS = ("case", "deal", "lead", "contact", "company")


def reply_target(user: Any, message: MailMessage) -> tuple[str, Any] | None:
    """(record type, record) a reply to ``message`` is written from: the first record
    it belongs to that the user may see."""
    for name in REPLY_TARGETS:
        record = getattr(message, name)
        if record is not None and can(user, "view", record):
            return name, record
    return None


def _with_remote_images(response: HttpResponse) -> HttpResponse:
    """This page's policy, with images from anywhere (only where a user asked)."""
    policy = dict(settings.SECURE_CSP)
    policy["img-src"] = [CSP.SELF, "data:", "https:", "http:"]
    response._csp_config = policy  # type: ignore[attr-defined]
    return response


@login_required
def message_detail(request: HttpRequest, pk: int) -> HttpResponse:
    message = record_shown(selectors.message_get(user=request.user, pk=pk), user=request.user)
    show_images = request.GET.get("images") == "1" and message.remote_images > 0
    governing = message.governing
    reply = reply_target(request.user, message)
    response = render(
        request,
        "mail/message_detail.html",
        {
            "message": message,
            "html": selectors.message_html(message, show_images=show_images),
            "show_images": show_images,
            "thread": selectors.thread_messages(user=request.user, message=message),
            "attachments": list(message.attachments.all()),
            "reply": reply,
            "can_delete": governing is not None and can(request.user, "edit", governing),
        },
    )
    return _with_remote_images(response) if show_images else response


@login_required
def mail_attachment(request: HttpRequest, pk: int) -> FileResponse:
    """An attachment, always as a download of its checked type (never shown inline)."""
    attachment = selectors.attachment_get(user=request.user, pk=pk)
    return files.download(attachment, user=request.user)


@login_required
@require_POST
def message_delete(request: HttpRequest, pk: int) -> HttpResponse:
    message = selectors.message_get(user=request.user, pk=pk)
    back = reply_target(request.user, message)
    services.message_delete(actor=request.user, message=message)
    messages.success(
        request, _("The message “%(subject)s” was deleted.") % {"subject": message.subject or "—"}
    )
    if back is not None:
        return HttpResponseRedirect(back[1].get_absolute_url())
    if message.mailbox_id:
        return HttpResponseRedirect(reverse("mail:mailbox_detail", args=[message.mailbox_id]))
    return HttpResponseRedirect(reverse("mail:mailbox_list"))


@login_required
@require_POST
def mail_eml(request: HttpRequest, record_type: str, pk: int) -> HttpResponse:
    """A forwarded message (an .eml file) dropped on a record."""
    target = target_get(request.user, record_type, pk)
    form = EmlForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            message = services.eml_attach(
                actor=request.user, target=target, upload=form.cleaned_data["file"]
            )
        except ValidationError as exc:
            for key, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error("file" if key in ("file", "target") else None, error)
        else:
            messages.success(
                request,
                _("The e-mail “%(subject)s” was added to this record.")
                % {"subject": message.subject or _("(no subject)")},
            )
            return HttpResponseRedirect(target.get_absolute_url())
    return render(
        request,
        "mail/eml_error.html",
        {"form": form, "object": target, "record_type": record_type},
        status=400,
    )


@login_required
def case_mail(request: HttpRequest, pk: int) -> HttpResponse:
    """The conversation of a case with a reply form (loaded into the case page)."""
    case = target_get(request.user, "case", pk)
    thread = list(
        selectors.messages_for(user=request.user, target=case).prefetch_related("attachments")[:200]
    )
    thread.reverse()  # oldest first, as a conversation reads
    answered = next((m for m in reversed(thread) if m.direction == MailMessage.Direction.IN), None)
    mailboxes = selectors.sending_mailboxes(user=request.user)
    to = (answered.reply_to or answered.from_address) if answered else ""
    form = ComposeForm(
        user=request.user,
        mailboxes=mailboxes,
        templates=[],
        initial={
            "to": to or recipient_address(request.user, case),
            "subject": reply_subject(answered.subject) if answered else case.subject,
            "reply_to": answered.pk if answered else None,
            "mailbox": answered.mailbox_id if answered and answered.mailbox_id else None,
        },
    )
    return render(
        request,
        "mail/partials/_case_conversation.html",
        {
            "object": case,
            "case": case,
            "thread": thread,
            "form": form,
            "has_mailbox": mailboxes.exists(),
            "eml_form": EmlForm(),
        },
    )
