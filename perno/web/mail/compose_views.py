"""Writing an e-mail from a record (a contact, company, deal, lead or case): from one of
the mailboxes the user may send from, to the record's address to begin with, with a
template in the recipient's language whose merge fields are filled in for checking
("Apply template") before sending. Sending goes through ``perno.mail.outgoing``
(``compose`` then ``send``): on a case the subject carries the case token and the
first response is recorded; when the server refuses, the page says why and nothing is
stored as sent."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext as _

from perno.accounts.permissions import can
from perno.mail import outgoing, selectors, threads
from perno.mail.models import Mailbox, MailMessage, MailTemplate
from perno.records.reads import record_shown
from perno.web.mail.forms import ComposeForm
from perno.web.mail.targets import (
    recipient_address,
    recipient_contact,
    reply_subject,
    target_get,
)

SEND_ERRORS = {"send", "mailbox", "target", "__all__"}


def template_choices(user: Any, language: str) -> list[MailTemplate]:
    """One entry per template (its versions share a name): the version in ``language``
    when there is one, labelled with the languages it has."""
    groups: dict[str, list[MailTemplate]] = {}
    for template in selectors.template_list(user=user):
        groups.setdefault(template.name, []).append(template)
    chosen = []
    for name, versions in groups.items():
        pick = next((t for t in versions if t.language == language), versions[0])
        languages = ", ".join(t.language for t in versions)
        pick.choice_label = f"{name} ({languages})"  # type: ignore[attr-defined]
        chosen.append(pick)
    return chosen


def _reply(request: HttpRequest, value: Any) -> MailMessage | None:
    if value in (None, ""):
        return None
    return selectors.message_get(user=request.user, pk=value)


def _contact(user: Any, target: Any, to: list[str]) -> Any:
    """Whose language and names a template uses: the record's contact, else the
    contact with the first address, when the user may see them."""
    contact = recipient_contact(user, target)
    if contact is None and to:
        found = threads.contact_for(to[0])
        contact = found if found is not None and can(user, "view", found) else None
    return contact


def _mailbox(mailboxes: QuerySet[Mailbox], chosen: Any) -> Mailbox | None:
    """The mailbox chosen (when the user may send from it), else the first one."""
    if chosen not in (None, ""):
        try:
            found = mailboxes.filter(pk=int(chosen)).first()
        except (TypeError, ValueError):
            found = None
        if found is not None:
            return found
    return mailboxes.first()


def _reply_initial(message: MailMessage | None, target: Any, user: Any) -> dict[str, Any]:
    if message is None:
        return {"to": recipient_address(user, target)}
    subject = reply_subject(message.subject)
    to = message.reply_to or message.from_address
    if message.direction == MailMessage.Direction.OUT and message.to:
        to = message.to[0][1]
    return {
        "to": to or recipient_address(user, target),
        "subject": subject,
        "reply_to": message.pk,
        "mailbox": message.mailbox_id,
    }


@login_required
def mail_compose(request: HttpRequest, record_type: str, pk: int) -> HttpResponse:
    user = request.user
    target = record_shown(target_get(user, record_type, pk), user=user)
    mailboxes = selectors.sending_mailboxes(user=user)
    bound = request.method == "POST"
    reply = _reply(request, request.POST.get("reply_to") if bound else request.GET.get("reply"))

    initial = None if bound else _reply_initial(reply, target, user)
    source: Any = request.POST if bound else initial
    box = _mailbox(mailboxes, source.get("mailbox"))
    contact = _contact(user, target, ComposeForm.split(str(source.get("to", ""))))
    language = outgoing.recipient_language(contact, box) if box is not None else "it"
    templates = template_choices(user, language)

    def make(data: Any = None, files: Any = None) -> ComposeForm:
        return ComposeForm(
            data, files, user=user, mailboxes=mailboxes, templates=templates, initial=initial
        )

    if not bound:
        form = make()
        return _page(request, form, target, record_type, reply)
    form = make(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, form, target, record_type, reply, status=400)
    data = form.cleaned_data
    to, cc = ComposeForm.split(data["to"]), ComposeForm.split(data.get("cc", ""))
    if request.POST.get("action") == "preview":
        return _preview(request, make, form, target, record_type, reply, contact)
    subject, body = data.get("subject") or "", data.get("body") or ""
    try:
        if data.get("template") is not None and not (subject.strip() and body.strip()):
            # The template fills what was left empty, with what this user may read.
            rendered = outgoing.render_template(
                template=data["template"],
                mailbox=data["mailbox"],
                target=target,
                contact=contact,
                sender=user,
            )
            subject, body = subject.strip() or rendered[0], body.strip() or rendered[1]
        prepared = outgoing.compose(
            actor=user,
            mailbox=data["mailbox"],
            to=to,
            cc=cc,
            subject=subject,
            body=body,
            template=data.get("template"),
            target=target,
            reply_to=reply,
            uploads=data.get("attachments") or [],
        )
        sent = outgoing.send(prepared, actor=user)
    except ValidationError as exc:
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"send": exc.messages}
        for key, found in errors.items():
            name = "attachments" if key == "files" else key
            for error in found:
                form.add_error(
                    None if name in SEND_ERRORS or name not in form.fields else name, error
                )
        return _page(request, form, target, record_type, reply, status=400)
    messages.success(
        request,
        _("Sent “%(subject)s” to %(to)s.")
        % {"subject": sent.subject, "to": ", ".join(prepared.to)},
    )
    return HttpResponseRedirect(target.get_absolute_url())


def _preview(
    request: HttpRequest,
    make: Callable[..., ComposeForm],
    form: ComposeForm,
    target: Any,
    record_type: str,
    reply: MailMessage | None,
    contact: Any,
) -> HttpResponse:
    """The chosen template with its merge fields filled in, in the subject and text
    fields, for the user to check and change before sending."""
    template = form.cleaned_data.get("template")
    if template is None:
        form.add_error("template", _("Choose the template to apply."))
        return _page(request, form, target, record_type, reply, status=400)
    mailbox = form.cleaned_data["mailbox"]
    version = outgoing.template_for(template, outgoing.recipient_language(contact, mailbox))
    try:
        subject, body = outgoing.render_template(
            template=template, mailbox=mailbox, target=target, contact=contact, sender=request.user
        )
    except ValidationError as exc:
        for error in exc.messages:
            form.add_error("template", error)
        return _page(request, form, target, record_type, reply, status=400)
    data = request.POST.copy()
    data["subject"], data["body"] = subject, body
    filled = make(data)
    filled.is_valid()
    return _page(request, filled, target, record_type, reply, preview=version)


def _page(
    request: HttpRequest,
    form: ComposeForm,
    target: Any,
    record_type: str,
    reply: MailMessage | None,
    *,
    status: int = 200,
    preview: MailTemplate | None = None,
) -> HttpResponse:
    return render(
        request,
        "mail/compose.html",
        {
            "form": form,
            "object": target,
            "record_type": record_type,
            "reply": reply,
            "preview": preview,
            "has_mailbox": form.fields["mailbox"].queryset.exists(),  # type: ignore[attr-defined]
            "can_create_mailbox": can(request.user, "create", "mailbox"),
        },
        status=status,
    )
