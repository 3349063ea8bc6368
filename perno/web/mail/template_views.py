"""Settings → E-mail templates: each template in Italian, Romanian and English (versions
sharing a name), with the merge fields it may use. For administrators; every write
goes through ``perno.mail.services``, which checks the merge fields."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from perno.accounts.permissions import check
from perno.mail import merge, selectors, services
from perno.mail.models import LANGUAGES, MailTemplate
from perno.web.accounts.forms import add_errors
from perno.web.mail.forms import TemplateForm


@login_required
def mail_templates(request: HttpRequest) -> HttpResponse:
    check(request.user, "manage", "mailtemplate")
    groups: dict[str, dict[str, MailTemplate]] = {}
    for template in selectors.template_list(user=request.user):
        groups.setdefault(template.name, {})[template.language] = template
    rows = [
        {"name": name, "versions": [(code, label, versions.get(code)) for code, label in LANGUAGES]}
        for name, versions in groups.items()
    ]
    return render(request, "mail/template_list.html", {"rows": rows})


def _form_page(
    request: HttpRequest, form: TemplateForm, template: MailTemplate | None, status: int = 200
) -> HttpResponse:
    siblings: list[Any] = []
    if template is not None:
        siblings = [
            t
            for t in selectors.template_list(user=request.user)
            if t.name == template.name and t.pk != template.pk
        ]
    return render(
        request,
        "mail/template_form.html",
        {
            "form": form,
            "template": template,
            "fields": merge.available(),
            "siblings": siblings,
        },
        status=status,
    )


@login_required
def mail_template_create(request: HttpRequest) -> HttpResponse:
    check(request.user, "manage", "mailtemplate")
    if request.method != "POST":
        initial = {
            key: request.GET[key][:100] for key in ("name", "language") if request.GET.get(key)
        }
        return _form_page(request, TemplateForm(initial=initial), None)
    form = TemplateForm(request.POST)
    if form.is_valid():
        try:
            saved = services.template_create(actor=request.user, data=form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Saved “%(name)s”.") % {"name": saved})
            return HttpResponseRedirect(reverse("mail:mail_template_edit", args=[saved.pk]))
    return _form_page(request, form, None, status=400)


@login_required
def mail_template_edit(request: HttpRequest, pk: int) -> HttpResponse:
    check(request.user, "manage", "mailtemplate")
    template = selectors.template_get(user=request.user, pk=pk)
    if request.method != "POST":
        return _form_page(request, TemplateForm(instance=template), template)
    form = TemplateForm(request.POST, instance=template)
    if form.is_valid():
        try:
            saved = services.template_update(
                actor=request.user, template=template, data=form.cleaned_data
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Saved “%(name)s”.") % {"name": saved})
            return HttpResponseRedirect(reverse("mail:mail_template_edit", args=[saved.pk]))
    return _form_page(request, form, template, status=400)


@login_required
@require_POST
def mail_template_delete(request: HttpRequest, pk: int) -> HttpResponse:
    check(request.user, "manage", "mailtemplate")
    template = selectors.template_get(user=request.user, pk=pk)
    services.template_delete(actor=request.user, template=template)
    messages.success(request, _("The template “%(name)s” was deleted.") % {"name": template})
    return HttpResponseRedirect(reverse("mail:mail_templates"))
