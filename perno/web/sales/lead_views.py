"""Lead pages: list, detail, create, edit, convert into a contact (and deal), delete."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from perno.contacts.selectors import company_get
from perno.core.exceptions import ConflictError
from perno.records.reads import record_shown
from perno.sales import selectors, services
from perno.sales.models import Lead
from perno.web.editing import RecordFormView
from perno.web.lists import RecordListView
from perno.web.sales.common import detail_page
from perno.web.sales.forms import DealConvertForm, LeadForm
from perno.web.sales.tables import LEADS


class LeadListView(RecordListView):
    config = LEADS


@login_required
def lead_detail(request: HttpRequest, pk: int) -> HttpResponse:
    lead = record_shown(selectors.lead_get(user=request.user, pk=pk), user=request.user)
    return detail_page(request, lead, "lead", "sales/lead_detail.html")


class LeadCreateView(RecordFormView):
    form_class = LeadForm
    model = Lead
    title = gettext_lazy("New lead")

    def save(self, request: HttpRequest, form: Any, obj: Any) -> Any:
        return services.lead_create(
            actor=request.user, data=form.record_data(), tags=form.tag_names()
        )


class LeadUpdateView(RecordFormView):
    form_class = LeadForm
    get_object = selectors.lead_get
    title = gettext_lazy("Edit lead")

    def save(self, request: HttpRequest, form: Any, obj: Any) -> Any:
        return services.lead_update(
            actor=request.user,
            lead=obj,
            data=form.record_data(),
            expected_version=form.cleaned_data.get("version"),
            tags=form.tag_names(),
        )


@login_required
def lead_convert(request: HttpRequest, pk: int) -> HttpResponse:
    lead = record_shown(
        selectors.lead_get(user=request.user, pk=pk, action="edit"),
        user=request.user,
        purpose="edit",
    )
    form = DealConvertForm(
        request.POST or None,
        initial={"deal_title": lead.company_name or str(lead)},
        user=request.user,
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                company = (
                    record_shown(
                        company_get(user=request.user, pk=data["company"]), user=request.user
                    )
                    if data.get("company")
                    else None
                )
                contact, company, deal = services.lead_convert(
                    actor=request.user,
                    lead=lead,
                    company=company,
                    create_deal=data["create_deal"],
                    deal_title=data["deal_title"],
                    amount=data["amount"],
                    currency=data["currency"],
                    pipeline=data["pipeline"],
                )
            except ValidationError as exc:
                for key, errors in exc.message_dict.items():
                    for error in errors:
                        form.add_error(key if key in form.fields else None, error)
            except ConflictError as exc:
                form.add_error(None, exc.message)
            except Http404:
                form.add_error(
                    "company",
                    _("This company does not exist or you may not see it: choose another."),
                )
            else:
                messages.success(
                    request, _("Lead converted into %(contact)s.") % {"contact": contact}
                )
                return HttpResponseRedirect((deal or contact).get_absolute_url())
        status = 400
    return render(request, "sales/lead_convert.html", {"object": lead, "form": form}, status=status)


@login_required
@require_POST
def lead_delete(request: HttpRequest, pk: int) -> HttpResponse:
    services.lead_delete(
        actor=request.user,
        lead=record_shown(
            selectors.lead_get(user=request.user, pk=pk, action="delete"),
            user=request.user,
            purpose="delete",
        ),
    )
    return HttpResponseRedirect("/leads/")
