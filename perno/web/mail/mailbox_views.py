"""Mailboxes: the list with each one's state (last check, the last failure in words,
messages imported), its page, the form (passwords write-only), the connection test,
pausing and deleting. Shared mailboxes are managed by who has the "mailbox" rights
over them; a personal mailbox by its owner (reached from the account page)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from perno.accounts.permissions import can, check
from perno.core.exceptions import ConflictError
from perno.core.pagination import paginate
from perno.mail import selectors, services
from perno.mail.models import Mailbox, MailMessage
from perno.records.history import change_history
from perno.records.reads import record_shown
from perno.web.accounts.forms import add_errors
from perno.web.mail.forms import MailboxForm

RECENT = 25  # messages per page, the newest first


def _imported(user: Any, boxes: list[Mailbox]) -> dict[int, int]:
    """Per mailbox, the messages read from it that the user may see."""
    rows = (
        selectors.message_list(user=user)
        .filter(mailbox__in=[b.pk for b in boxes], source=MailMessage.Source.IMAP)
        .order_by()
        .values("mailbox_id")
        .annotate(n=Count("id"))
    )
    return {row["mailbox_id"]: row["n"] for row in rows}


@login_required
def mailbox_list(request: HttpRequest) -> HttpResponse:
    boxes = list(selectors.mailbox_list(user=request.user))
    counts = _imported(request.user, boxes)
    for box in boxes:
        box.imported = counts.get(box.pk, 0)  # type: ignore[attr-defined]
    personal = [b for b in boxes if b.kind == Mailbox.Kind.PERSONAL]
    return render(
        request,
        "mail/mailbox_list.html",
        {
            "own": [b for b in personal if b.owner_id == request.user.pk],
            "personal": [b for b in personal if b.owner_id != request.user.pk],
            "shared": [b for b in boxes if b.kind == Mailbox.Kind.SHARED],
            "can_create": can(request.user, "create", "mailbox"),
            "can_templates": can(request.user, "manage", "mailtemplate"),
        },
    )


def _page_number(value: str | None) -> int:
    """The page asked for: a whole number from 1 to 10,000, else the first."""
    return int(value) if value and value.isdecimal() and 0 < int(value) <= 10_000 else 1


def _detail_context(request: HttpRequest, box: Mailbox) -> dict[str, Any]:
    box.imported = _imported(request.user, [box]).get(box.pk, 0)  # type: ignore[attr-defined]
    return {
        "box": box,
        "page": paginate(
            selectors.message_list(user=request.user, mailbox=box),
            _page_number(request.GET.get("page")),
            RECENT,
            with_count=False,
        ),
        "can_edit": can(request.user, "edit", box),
        "can_delete": can(request.user, "delete", box),
        "history": change_history(user=request.user, instance=box),
    }


@login_required
def mailbox_detail(request: HttpRequest, pk: int) -> HttpResponse:
    box = record_shown(selectors.mailbox_get(user=request.user, pk=pk), user=request.user)
    return render(request, "mail/mailbox_detail.html", _detail_context(request, box))


def _form_page(
    request: HttpRequest, form: MailboxForm, box: Mailbox | None, status: int = 200
) -> HttpResponse:
    return render(request, "mail/mailbox_form.html", {"form": form, "box": box}, status=status)


@login_required
def mailbox_create(request: HttpRequest) -> HttpResponse:
    check(request.user, "create", "mailbox")
    if request.method != "POST":
        initial = {"kind": request.GET.get("kind", Mailbox.Kind.PERSONAL)}
        return _form_page(request, MailboxForm(user=request.user, initial=initial), None)
    form = MailboxForm(request.POST, user=request.user)
    if form.is_valid():
        passwords = form.passwords()
        try:
            box = services.mailbox_create(
                actor=request.user,
                data=form.data_for_service(),
                imap_password=passwords["imap_password"] or "",
                smtp_password=passwords["smtp_password"] or "",
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(
                request,
                _("Saved “%(name)s”. Use “Test connection” to check the settings.")
                % {"name": box.name},
            )
            return HttpResponseRedirect(reverse("mail:mailbox_detail", args=[box.pk]))
    return _form_page(request, form, None, status=400)


@login_required
def mailbox_edit(request: HttpRequest, pk: int) -> HttpResponse:
    box = record_shown(
        selectors.mailbox_get(user=request.user, pk=pk, action="edit"),
        user=request.user,
        purpose="edit",
    )
    if request.method != "POST":
        return _form_page(request, MailboxForm(instance=box, user=request.user), box)
    form = MailboxForm(request.POST, instance=box, user=request.user)
    status = 400
    if form.is_valid():
        passwords = form.passwords()
        try:
            saved = services.mailbox_update(
                actor=request.user,
                mailbox=box,
                data=form.data_for_service(),
                expected_version=form.cleaned_data.get("version"),
                imap_password=passwords["imap_password"],
                smtp_password=passwords["smtp_password"],
            )
        except ValidationError as exc:
            add_errors(form, exc)
        except ConflictError as exc:
            form.add_error(None, exc.message)
            status = 409
        else:
            messages.success(request, _("Saved “%(name)s”.") % {"name": saved.name})
            return HttpResponseRedirect(reverse("mail:mailbox_detail", args=[saved.pk]))
    return _form_page(request, form, box, status=status)


@login_required
@require_POST
def mailbox_test(request: HttpRequest, pk: int) -> HttpResponse:
    """Try the saved settings (log in over IMAP and SMTP); changes nothing."""
    box = selectors.mailbox_get(user=request.user, pk=pk)
    results = services.mailbox_test(actor=request.user, mailbox=box)
    context = _detail_context(request, box)
    context["results"] = results
    return render(request, "mail/mailbox_detail.html", context)


@login_required
@require_POST
def mailbox_active(request: HttpRequest, pk: int) -> HttpResponse:
    """Pause (``active=0``) or resume (``active=1``) reading a mailbox."""
    box = selectors.mailbox_get(user=request.user, pk=pk, action="edit")
    active = request.POST.get("active") == "1"
    try:
        services.mailbox_update(
            actor=request.user, mailbox=box, data={"is_active": active}, expected_version=None
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if active:
            messages.success(request, _("“%(name)s” is read again.") % {"name": box.name})
        else:
            messages.success(
                request,
                _("“%(name)s” is paused: no mail is read from it until you resume it.")
                % {"name": box.name},
            )
    return HttpResponseRedirect(reverse("mail:mailbox_detail", args=[box.pk]))


@login_required
def mailbox_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """A confirmation page, then the deletion (its mail goes with it, except the
    messages of cases, which stay with their case)."""
    box = selectors.mailbox_get(user=request.user, pk=pk, action="delete")
    if request.method != "POST":
        kept = selectors.message_list(user=request.user, mailbox=box).filter(case__isnull=False)
        return render(
            request,
            "mail/mailbox_confirm_delete.html",
            {
                "box": box,
                "messages_count": selectors.message_list(user=request.user, mailbox=box).count(),
                "kept_count": kept.count(),
            },
        )
    services.mailbox_delete(actor=request.user, mailbox=box)
    messages.success(request, _("The mailbox “%(name)s” was deleted.") % {"name": box.name})
    return HttpResponseRedirect(reverse("mail:mailbox_list"))
