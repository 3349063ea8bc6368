"""The register of processing activities with its printable and Word documents, the
controller, purposes and their notices, retention rules and runs."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from perno.accounts.permissions import check
from perno.core.privacy import CATEGORIES
from perno.privacy import retention as retention_module
from perno.privacy import selectors, services
from perno.privacy.models import LegalBasis, Purpose, RetentionRun
from perno.privacy.register_document import CONTENT_TYPE, register_docx
from perno.web.accounts.forms import add_errors
from perno.web.privacy.forms import ControllerForm, NoticeForm, PurposeForm


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
    response = HttpResponse(register_docx(context), content_type=CONTENT_TYPE)
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
