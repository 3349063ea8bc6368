"""The privacy office (people who handle personal data): the register of processing
activities with its printable document, notices, retention rules, the audit trail; and
on every contact page, its consents, data sources and restriction."""

from __future__ import annotations

import io
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from perno.accounts.forms import add_errors
from perno.accounts.models import User
from perno.accounts.permissions import can, check, obtain
from perno.contacts.models import Contact
from perno.core.pagination import paginate
from perno.core.privacy import CATEGORIES
from perno.privacy import selectors, services
from perno.privacy.forms import (
    AuditFilterForm,
    ConsentForm,
    ControllerForm,
    NoticeForm,
    PurposeForm,
    RestrictionForm,
)
from perno.privacy.models import LegalBasis, Purpose, Restriction


def _contact_redirect(contact: Contact) -> HttpResponseRedirect:
    return HttpResponseRedirect(contact.get_absolute_url() + "#privacy")


@login_required
def contact_panel(request: HttpRequest, pk: int) -> HttpResponse:
    contact = obtain(Contact.objects.all(), request.user, pk)
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
    contact = obtain(Contact.objects.all(), request.user, pk, "edit")
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
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The consent step is recorded."))
    return _contact_redirect(contact)


@login_required
@require_POST
def restriction(request: HttpRequest, pk: int) -> HttpResponse:
    contact = obtain(Contact.objects.all(), request.user, pk)
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
        for message in exc.messages:
            messages.error(request, message)
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
    from docx import Document

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
    return render(request, "privacy/retention_form.html", context, status=400 if errors else 200)


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
