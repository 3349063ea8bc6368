"""The privacy office (people who handle personal data): the register of processing
activities with its printable document, notices, retention rules, the audit trail; and
on every contact page, its consents, data sources and restriction."""

from __future__ import annotations

import io
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import F
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST
from docx import Document

from perno.accounts.models import User
from perno.accounts.permissions import can, check, obtain
from perno.audit.trail import record_read
from perno.contacts.models import Contact
from perno.core.pagination import paginate
from perno.core.privacy import CATEGORIES
from perno.privacy import breaches, deadlines, requests, selectors, services
from perno.privacy import retention as retention_module
from perno.privacy.erasure import ErasureError
from perno.privacy.models import (
    Breach,
    LegalBasis,
    Purpose,
    Restriction,
    RetentionRun,
    SubjectExport,
    SubjectRequest,
)
from perno.records.reads import record_shown
from perno.web.accounts.forms import add_errors
from perno.web.privacy.forms import (
    AuditFilterForm,
    BreachForm,
    CloseForm,
    ConsentForm,
    ControllerForm,
    ExtendForm,
    IdentityForm,
    NoticeForm,
    PurposeForm,
    RequestForm,
    RestrictionForm,
)


def _show_errors(request: HttpRequest, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


def _contact_redirect(contact: Contact) -> HttpResponseRedirect:
    return HttpResponseRedirect(contact.get_absolute_url() + "#privacy")


@login_required
def contact_panel(request: HttpRequest, pk: int) -> HttpResponse:
    contact = record_shown(obtain(Contact.objects.all(), request.user, pk), user=request.user)
    context = selectors.contact_privacy(user=request.user, contact=contact)
    context.update(
        {
            "contact": contact,
            "consent_form": ConsentForm(),
            "restriction_form": RestrictionForm(),
            "can_edit": can(request.user, "edit", contact),
            "handles_privacy": can(request.user, "manage", "privacy"),
        }
    )
    return render(request, "privacy/partials/_contact_privacy.html", context)


@login_required
@require_POST
def consent_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a consent step for a contact: the full form, or the one-click buttons
    (withdraw a purpose; object to all direct marketing)."""
    contact = record_shown(
        obtain(Contact.objects.all(), request.user, pk, "edit"), user=request.user, purpose="edit"
    )
    form = ConsentForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            text = " ".join(str(e) for e in errors)
            messages.error(request, f"{label}: {text}" if label else text)
        return _contact_redirect(contact)
    data = form.cleaned_data
    try:
        services.consent_record(
            actor=request.user,
            contact=contact,
            purpose=data["purpose"],
            kind=data["kind"],
            channel=data["channel"],
            occurred_at=data["occurred_at"],
            source=data["source"],
            note=data["note"],
        )
    except ValidationError as exc:
        _show_errors(request, exc)
    else:
        messages.success(request, _("The consent step is recorded."))
    return _contact_redirect(contact)


@login_required
@require_POST
def restriction(request: HttpRequest, pk: int) -> HttpResponse:
    contact = record_shown(obtain(Contact.objects.all(), request.user, pk), user=request.user)
    check(request.user, "manage", "privacy")
    try:
        if "lift" in request.POST:
            current = get_object_or_404(Restriction, contact=contact, lifted_at__isnull=True)
            services.restriction_lift(actor=request.user, restriction=current)
            messages.success(request, _("The restriction is lifted."))
        else:
            form = RestrictionForm(request.POST)
            if not form.is_valid():
                raise ValidationError(list(form.errors.get("reason") or [_("Give a reason.")]))
            services.restriction_start(
                actor=request.user, contact=contact, reason=form.cleaned_data["reason"]
            )
            messages.success(
                request, _("Processing of this contact is restricted: only storage is allowed.")
            )
    except ValidationError as exc:
        _show_errors(request, exc)
    return _contact_redirect(contact)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The register of processing activities, as configured now."""
    context = selectors.register(user=request.user)
    return render(request, "privacy/register.html", context)


@login_required
def register_print(request: HttpRequest) -> HttpResponse:
    context = selectors.register(user=request.user)
    return render(request, "privacy/register_print.html", context)


@login_required
def register_document(request: HttpRequest) -> HttpResponse:
    """The register as a Word document (DOCX), generated from the live configuration."""

    context = selectors.register(user=request.user)
    controller = context["controller"]
    doc = Document()
    doc.add_heading(_("Register of processing activities (Art. 30 GDPR)"), level=0)
    doc.add_paragraph(
        _("Generated on %(when)s from Perno's configuration.")
        % {"when": context["generated_at"].strftime("%Y-%m-%d %H:%M")}
    )
    doc.add_heading(_("Controller"), level=1)
    for label, value in (
        (_("Controller"), controller.name),
        (_("Address"), controller.address),
        (_("E-mail"), controller.email),
        (_("Phone"), controller.phone),
        (_("Representative in the EU"), controller.representative),
        (_("Data protection officer"), f"{controller.dpo_name} {controller.dpo_email}".strip()),
        (_("Supervisory authority"), controller.supervisory_authority),
    ):
        doc.add_paragraph(f"{label}: {value or '—'}")
    for purpose in context["purposes"]:
        doc.add_heading(
            f"{purpose.name}{'' if purpose.is_active else ' (' + _('inactive') + ')'}", level=1
        )
        table = doc.add_table(rows=0, cols=2)
        table.style = "Table Grid"
        rows = [
            (_("Code"), purpose.code),
            (_("Description"), purpose.description),
            (_("Legal basis"), purpose.get_legal_basis_display()),
            (_("Basis detail"), purpose.basis_detail),
            (_("Direct marketing"), _("yes") if purpose.is_direct_marketing else _("no")),
            (_("Data subjects"), purpose.data_subjects),
            (
                _("Data categories"),
                ", ".join(str(CATEGORIES.get(c, c)) for c in purpose.data_categories),
            ),
            (_("Recipients"), purpose.recipients),
            (_("Transfers outside the EU"), purpose.transfers or _("none")),
            (_("Security measures"), purpose.security_measures),
        ]
        for label, value in rows:
            cells = table.add_row().cells
            cells[0].text, cells[1].text = str(label), str(value or "—")
    doc.add_heading(_("Retention periods"), level=1)
    table = doc.add_table(rows=1, cols=3)
    table.style = "Table Grid"
    header = table.rows[0].cells
    header[0].text, header[1].text, header[2].text = (
        _("Data category"),
        _("Kept for"),
        _("Justification"),
    )
    for _code, label, rule in context["retention"]:
        cells = table.add_row().cells
        cells[0].text = str(label)
        cells[1].text = (
            ngettext("%(days)s day", "%(days)s days", rule.days) % {"days": rule.days}
            if rule and rule.days
            else _("no automatic limit")
        )
        cells[2].text = rule.justification if rule else ""
    buffer = io.BytesIO()
    doc.save(buffer)
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    response["Content-Disposition"] = 'attachment; filename="register-of-processing.docx"'
    return response


@login_required
def controller_edit(request: HttpRequest) -> HttpResponse:
    check(request.user, "manage", "privacy")
    controller = services.controller_get()
    form = ControllerForm(request.POST or None, instance=controller)
    if request.method == "POST" and form.is_valid():
        try:
            services.controller_save(
                actor=request.user, data={k: form.cleaned_data[k] for k in form.fields}
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return HttpResponseRedirect(reverse("privacy:home"))
    return render(
        request,
        "web/record_form.html",
        {"form": form, "title": _("Controller"), "cancel_url": reverse("privacy:home")},
        status=400 if form.errors else 200,
    )


@login_required
def purpose_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    check(request.user, "manage", "privacy")
    purpose = get_object_or_404(Purpose, pk=pk) if pk else None
    form = PurposeForm(request.POST or None, instance=purpose)
    notice_form = NoticeForm(initial={"language": "it"})
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.purpose_save(
                actor=request.user,
                purpose=Purpose.objects.get(pk=purpose.pk) if purpose else None,
                data={k: form.cleaned_data[k] for k in form.fields},
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return HttpResponseRedirect(reverse("privacy:purpose_edit", args=[saved.pk]))
    return render(
        request,
        "privacy/purpose_form.html",
        {
            "form": form,
            "purpose": purpose,
            "notice_form": notice_form,
            "notices": list(purpose.notices.order_by("-published_at", "-id")) if purpose else [],
            "bases": LegalBasis,
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def notice_publish(request: HttpRequest, pk: int) -> HttpResponse:
    check(request.user, "manage", "privacy")
    purpose = get_object_or_404(Purpose, pk=pk)
    form = NoticeForm(request.POST)
    if form.is_valid():
        try:
            services.notice_publish(
                actor=request.user,
                purpose=purpose,
                version=form.cleaned_data["version"],
                language=form.cleaned_data["language"],
                text=form.cleaned_data["text"],
            )
        except ValidationError as exc:
            add_errors(form, exc)
    if form.errors:
        return render(
            request,
            "privacy/purpose_form.html",
            {
                "form": PurposeForm(instance=purpose),
                "purpose": purpose,
                "notice_form": form,
                "notices": list(purpose.notices.order_by("-published_at", "-id")),
            },
            status=400,
        )
    messages.success(request, _("The notice is published."))
    return HttpResponseRedirect(reverse("privacy:purpose_edit", args=[purpose.pk]))


@login_required
def retention(request: HttpRequest) -> HttpResponse:
    check(request.user, "manage", "privacy")
    errors: dict[str, str] = {}
    if request.method == "POST":
        for code in CATEGORIES:
            raw = request.POST.get(f"days_{code}", "").strip()
            why = request.POST.get(f"why_{code}", "")
            try:
                days = int(raw) if raw else None
            except ValueError:
                errors[code] = _("“%(value)s” is not a number of days.") % {"value": raw}
                continue
            try:
                services.retention_rule_save(
                    actor=request.user, category=code, days=days, justification=why
                )
            except ValidationError as exc:
                errors[code] = " ".join(exc.messages)
        if not errors:
            messages.success(request, _("Saved."))
            return HttpResponseRedirect(reverse("privacy:home") + "#retention")
    context = selectors.register(user=request.user)
    posted = request.method == "POST"
    context["rows"] = [
        {
            "code": code,
            "label": label,
            "days": request.POST.get(f"days_{code}", "")
            if posted
            else (rule.days if rule and rule.days else ""),
            "why": request.POST.get(f"why_{code}", "")
            if posted
            else (rule.justification if rule else ""),
            "error": errors.get(code, ""),
        }
        for code, label, rule in context["retention"]
    ]
    context["errors"] = errors
    context["runs"] = list(RetentionRun.objects.select_related("actor")[:10])
    return render(request, "privacy/retention_form.html", context, status=400 if errors else 200)


@login_required
@require_POST
def retention_run(request: HttpRequest) -> HttpResponse:
    """Run the retention job now, or only report what it would do (dry run)."""
    check(request.user, "manage", "privacy")
    dry_run = request.POST.get("mode") != "apply"
    done = retention_module.run(dry_run=dry_run, actor=request.user)
    if done.error:
        messages.error(request, _("The retention run stopped: %(error)s") % {"error": done.error})
    elif dry_run:
        messages.info(
            request,
            _("Dry run: %(n)s rows are past retention; nothing was changed.") % {"n": done.total},
        )
    else:
        messages.success(
            request, _("Retention applied: %(n)s rows deleted or anonymized.") % {"n": done.total}
        )
    return HttpResponseRedirect(reverse("privacy:retention") + f"#run-{done.pk}")


@login_required
def audit(request: HttpRequest) -> HttpResponse:
    """The audit trail, searchable: by user, action, record type, contact, search words
    and dates."""
    check(request.user, "view", "auditevent")
    form = AuditFilterForm(request.GET or None)
    filters: dict[str, Any] = form.cleaned_data if form.is_valid() else {}
    entries = selectors.audit_search(user=request.user, filters=filters)
    try:
        number = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        number = 1
    page = paginate(entries, number, 50, with_count=False)
    actors = {
        u.pk: u for u in User.objects.filter(pk__in={e.actor_id for e in page.items if e.actor_id})
    }
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "privacy/audit.html",
        {
            "form": form,
            "page": page,
            "rows": [(e, actors.get(e.actor_id)) for e in page.items],
            "query": query.urlencode(),
        },
        status=400 if form.errors else 200,
    )


# -- data subject requests ------------------------------------------------------------


@login_required
def request_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "open")
    rows = selectors.requests_list(user=request.user, status=status)
    page = paginate(rows, max(1, _int(request.GET.get("page")) or 1), 50, with_count=False)
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


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


@login_required
def request_create(request: HttpRequest) -> HttpResponse:
    check(request.user, "manage", "privacy")
    contact_id = _int(request.GET.get("contact") or request.POST.get("contact"))
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
                % {"n": created.pk, "due": created.due_on.isoformat()},
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
            _show_errors(request, exc)
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
        contact = Contact.objects.filter(pk=_int(request.POST.get("contact")) or 0).first()
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
        purpose = Purpose.objects.filter(pk=_int(request.POST.get("purpose")) or 0).first()
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
        _show_errors(request, exc)
        return HttpResponseRedirect(reverse("privacy:request_detail", args=[export.request_id]))
    return FileResponse(
        handle,
        as_attachment=True,
        filename=f"personal-data-request-{export.request_id}.zip",
        content_type="application/zip",
    )


@login_required
def lookup(request: HttpRequest) -> HttpResponse:
    """Find a person by name, e-mail, phone, tax code or VAT number across all records."""
    query = request.GET.get("q", "")[:200]
    found = selectors.lookup(user=request.user, query=query)
    return render(
        request,
        "privacy/lookup.html",
        {"q": query, "found": found, "request_id": _int(request.GET.get("request"))},
    )


@login_required
def dossier(request: HttpRequest, pk: int) -> HttpResponse:
    """Everything held about one contact, from which a request can be started."""
    contact = get_object_or_404(Contact, pk=pk)
    tables = selectors.dossier(user=request.user, contact=contact)
    record_read(actor=request.user, obj=contact, purpose="privacy look-up")
    return render(
        request,
        "privacy/dossier.html",
        {
            "contact": contact,
            "tables": tables,
            "requests": SubjectRequest.objects.filter(contact=contact).order_by("-received_on"),
            "linking": SubjectRequest.objects.filter(
                pk=_int(request.GET.get("request")) or 0, status=SubjectRequest.Status.OPEN
            ).first(),
        },
    )


# -- breaches -----------------------------------------------------------------------------


@login_required
def breach_list(request: HttpRequest) -> HttpResponse:
    check(request.user, "manage", "privacy")
    rows = Breach.objects.order_by(F("closed_at").asc(nulls_first=True), "-discovered_at")
    page = paginate(rows, max(1, _int(request.GET.get("page")) or 1), 50, with_count=False)
    return render(
        request,
        "privacy/breach_list.html",
        {"page": page},
    )


@login_required
def breach_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    check(request.user, "manage", "privacy")
    breach = get_object_or_404(Breach, pk=pk) if pk else None
    form = BreachForm(
        request.POST or None,
        instance=breach,
        initial=None if breach else {"discovered_at": timezone.localtime().replace(second=0)},
    )
    if request.method == "POST" and "close" in request.POST and breach:
        try:
            breaches.breach_close(actor=request.user, breach=breach)
        except ValidationError as exc:
            _show_errors(request, exc)
        else:
            messages.success(request, _("The breach is closed."))
        return HttpResponseRedirect(reverse("privacy:breach_edit", args=[breach.pk]))
    if request.method == "POST" and form.is_valid():
        try:
            saved = breaches.breach_save(
                actor=request.user,
                breach=Breach.objects.get(pk=breach.pk) if breach else None,
                data={k: form.cleaned_data[k] for k in form.fields},
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return HttpResponseRedirect(reverse("privacy:breach_edit", args=[saved.pk]))
    return render(
        request,
        "privacy/breach_form.html",
        {
            "form": form,
            "breach": breach,
            "clock": breaches.clock(breach) if breach and breach.awaiting_authority else None,
        },
        status=400 if form.errors else 200,
    )
