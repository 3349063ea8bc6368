"""Data subject requests: the list, registering one, its page with every step (identity,
extension, export, erasure, restriction, objection, closing) and the archive download."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from perno.accounts.permissions import check
from perno.contacts.models import Contact
from perno.core.pagination import paginate
from perno.health.checks import Context
from perno.health.figures import requests_due
from perno.privacy import deadlines, requests, selectors
from perno.privacy.erasure import ErasureError
from perno.privacy.models import Purpose, SubjectExport, SubjectRequest
from perno.web.accounts.forms import add_errors
from perno.web.privacy.common import int_or_none, show_errors
from perno.web.privacy.forms import CloseForm, ExtendForm, IdentityForm, RequestForm


@login_required
def request_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "open")
    rows = selectors.requests_list(user=request.user, status=status)
    if request.GET.get("due") == "soon":  # the health check's figure links here
        rows = rows.filter(requests_due(Context()))
    page = paginate(rows, max(1, int_or_none(request.GET.get("page")) or 1), 50, with_count=False)
    return render(
        request,
        "privacy/request_list.html",
        {
            "page": page,
            "status": status,
            "statuses": SubjectRequest.Status.choices,
            "today": timezone.localdate(),
        },
    )


@login_required
def request_create(request: HttpRequest) -> HttpResponse:
    check(request.user, "manage", "privacy")
    contact_id = int_or_none(request.GET.get("contact") or request.POST.get("contact"))
    contact = Contact.objects.filter(pk=contact_id).first() if contact_id else None
    initial: dict[str, Any] = {"received_on": timezone.localdate(), "channel": "email"}
    if contact is not None:
        initial.update(
            requester_name=contact.full_name,
            requester_email=contact.email,
            requester_phone=contact.phone or contact.mobile,
        )
    form = RequestForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            created = requests.request_create(
                actor=request.user, data=form.cleaned_data, contact=contact
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(
                request,
                _("Request #%(n)s registered; it is due on %(due)s.")
                % {"n": created.pk, "due": date_format(created.due_on, "SHORT_DATE_FORMAT")},
            )
            return HttpResponseRedirect(reverse("privacy:request_detail", args=[created.pk]))
    return render(
        request,
        "privacy/request_form.html",
        {"form": form, "contact": contact},
        status=400 if form.errors else 200,
    )


@login_required
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    check(request.user, "manage", "privacy")
    subject_request = get_object_or_404(SubjectRequest.objects.select_related("contact"), pk=pk)
    forms_by_name: dict[str, Any] = {
        "identity_form": IdentityForm(
            initial={
                "identity": subject_request.identity,
                "identity_note": subject_request.identity_note,
            }
        ),
        "extend_form": ExtendForm(),
        "close_form": CloseForm(),
    }
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            status = _request_action(request, subject_request, action, forms_by_name)
        except ValidationError as exc:
            show_errors(request, exc)
            status = 400
        if status == 302:
            return HttpResponseRedirect(reverse("privacy:request_detail", args=[pk]))
        subject_request.refresh_from_db()
    exports = list(subject_request.exports.order_by("-created_at")[:5])
    return render(
        request,
        "privacy/request_detail.html",
        {
            "req": subject_request,
            "exports": exports,
            "today": timezone.localdate(),
            "latest_extension": deadlines.latest_extension(subject_request.due_on),
            "purposes": Purpose.objects.filter(is_active=True, is_direct_marketing=False),
            "working": any(e.status in ("queued", "running") for e in exports),
            **forms_by_name,
        },
        status=status,
    )


def _request_action(
    request: HttpRequest, subject_request: SubjectRequest, action: str, forms: dict[str, Any]
) -> int:
    """Carry out one button of the request page; 302 when done, 400 with the form's
    errors shown otherwise."""
    user = request.user
    if action == "identity":
        form: Any = IdentityForm(request.POST)
        forms["identity_form"] = form
        if not form.is_valid():
            return 400
        requests.request_update(actor=user, request=subject_request, data=form.cleaned_data)
    elif action == "link":
        contact = Contact.objects.filter(pk=int_or_none(request.POST.get("contact")) or 0).first()
        if contact is None:
            raise ValidationError(_("Choose the person from the look-up."))
        requests.request_update(actor=user, request=subject_request, data={}, contact=contact)
    elif action == "unlink":
        requests.request_update(actor=user, request=subject_request, data={}, unlink=True)
    elif action == "extend":
        form = ExtendForm(request.POST)
        forms["extend_form"] = form
        if not form.is_valid():
            return 400
        try:
            requests.request_extend(
                actor=user,
                request=subject_request,
                until=form.cleaned_data["extended_to"],
                reason=form.cleaned_data["extension_reason"],
            )
        except ValidationError as exc:
            add_errors(form, exc)
            return 400
    elif action == "close":
        form = CloseForm(request.POST)
        forms["close_form"] = form
        if not form.is_valid():
            return 400
        try:
            requests.request_close(
                actor=user,
                request=subject_request,
                status=form.cleaned_data["status"],
                outcome=form.cleaned_data["outcome"],
            )
        except ValidationError as exc:
            add_errors(form, exc)
            return 400
    elif action == "export":
        requests.export_start(actor=user, request=subject_request)
        messages.success(request, _("The archive is being prepared."))
    elif action == "erase":
        if request.POST.get("confirm") != "erase":
            raise ValidationError(_("Tick the confirmation to erase: it cannot be undone."))
        try:
            counts = requests.erasure_execute(actor=user, request=subject_request)
        except ErasureError as exc:
            raise ValidationError(
                _("Nothing was erased: %(reason)s. The person's data is intact; try again.")
                % {"reason": exc}
            ) from exc
        messages.success(
            request,
            _("The person is erased: %(rows)s rows deleted or anonymized.")
            % {"rows": sum(counts.values())},
        )
    elif action == "restrict":
        requests.restriction_execute(actor=user, request=subject_request)
        messages.success(
            request, _("Processing of this contact is restricted: only storage is allowed.")
        )
    elif action == "object":
        purpose = Purpose.objects.filter(pk=int_or_none(request.POST.get("purpose")) or 0).first()
        requests.objection_execute(actor=user, request=subject_request, purpose=purpose)
        messages.success(request, _("The objection is recorded."))
    else:
        raise ValidationError(_("Unknown action."))
    return 302


@login_required
def export_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The archive's progress (polled by the request page while it is prepared)."""
    check(request.user, "manage", "privacy")
    export = get_object_or_404(SubjectExport, pk=pk)
    return render(request, "privacy/partials/_export.html", {"export": export})


@login_required
@require_POST
def export_download(request: HttpRequest, pk: int) -> HttpResponse | FileResponse:
    check(request.user, "manage", "privacy")
    export = get_object_or_404(SubjectExport, pk=pk)
    try:
        handle = requests.export_take(actor=request.user, export=export)
    except ValidationError as exc:
        show_errors(request, exc)
        return HttpResponseRedirect(reverse("privacy:request_detail", args=[export.request_id]))
    return FileResponse(
        handle,
        as_attachment=True,
        filename=f"personal-data-request-{export.request_id}.zip",
        content_type="application/zip",
    )
