from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from perno.accounts.confidential import redact
from perno.accounts.permissions import can
from perno.accounts.selectors import user_list
from perno.contacts import selectors, services
from perno.contacts.models import Company, Contact
from perno.merging.selectors import merges_of
from perno.records.history import change_history
from perno.records.reads import record_shown
from perno.sales.selectors import deal_list
from perno.web.contacts.forms import AddressForm, AffiliationForm, CompanyForm, ContactForm
from perno.web.contacts.tables import COMPANIES, CONTACTS
from perno.web.editing import RecordFormView
from perno.web.lists import RecordListView
from perno.web.merging.views import follows_merges


class CompanyListView(RecordListView):
    config = COMPANIES


class ContactListView(RecordListView):
    config = CONTACTS


def _detail_context(request: HttpRequest, obj: Any, record_type: str) -> dict[str, Any]:
    shown = redact(request.user, obj)
    return {
        "object": shown,
        "record_type": record_type,
        "users": user_list(user=request.user),
        "history": change_history(user=request.user, instance=obj),
        "address_form": AddressForm(record=shown, user=request.user),
    }


@login_required
@follows_merges("company")
def company_detail(request: HttpRequest, pk: int) -> HttpResponse:
    company = record_shown(selectors.company_get(user=request.user, pk=pk), user=request.user)
    context = _detail_context(request, company, "company")
    context["merges"] = merges_of(user=request.user, kind="company", survivor=company)
    affiliations = list(selectors.company_contacts(user=request.user, company=company)[:200])
    for affiliation in affiliations:
        redact(request.user, affiliation.contact)
    context["affiliations"] = affiliations
    context["deals"] = deal_list(
        user=request.user, filters={"company": str(company.pk), "sort": "-created"}
    )[:50]
    return render(request, "contacts/company_detail.html", context)


@login_required
@follows_merges("contact")
def contact_detail(request: HttpRequest, pk: int) -> HttpResponse:
    contact = record_shown(selectors.contact_get(user=request.user, pk=pk), user=request.user)
    context = _detail_context(request, contact, "contact")
    context["merges"] = merges_of(user=request.user, kind="contact", survivor=contact)
    context["affiliation_form"] = AffiliationForm(user=request.user)
    context["can_export"] = can(request.user, "export", "contact")
    context["deals"] = deal_list(
        user=request.user, filters={"contact": str(contact.pk), "sort": "-created"}
    )[:50]
    return render(request, "contacts/contact_detail.html", context)


@login_required
def company_lookup(request: HttpRequest) -> HttpResponse:
    """Options for a company select, searched as the user types (at most 20)."""
    companies = selectors.company_list(
        user=request.user, filters={"q": request.GET.get("q", ""), "sort": "name"}
    )[:20]
    return render(
        request, "web/partials/_options.html", {"options": [(c.pk, str(c)) for c in companies]}
    )


@login_required
def contact_lookup(request: HttpRequest) -> HttpResponse:
    """Options for a contact select, searched as the user types (at most 20)."""
    contacts = selectors.contact_list(
        user=request.user, filters={"q": request.GET.get("q", ""), "sort": "name"}
    )[:20]
    return render(
        request, "web/partials/_options.html", {"options": [(c.pk, str(c)) for c in contacts]}
    )


class CompanyCreateView(RecordFormView):
    template_name = "duplicates/company_create.html"  # shows possible duplicates as you type
    form_class = CompanyForm
    model = Company
    title = gettext_lazy("New company")

    def save(self, request: HttpRequest, form: Any, obj: Any) -> Any:
        return services.company_create(
            actor=request.user,
            data=form.record_data(),
            custom_fields=form.custom_values(),
            tags=form.tag_names(),
        )


class CompanyUpdateView(RecordFormView):
    form_class = CompanyForm
    get_object = selectors.company_get
    title = gettext_lazy("Edit company")

    def save(self, request: HttpRequest, form: Any, obj: Any) -> Any:
        return services.company_update(
            actor=request.user,
            company=obj,
            data=form.record_data(),
            expected_version=form.cleaned_data.get("version"),
            custom_fields=form.custom_values(),
            tags=form.tag_names(),
        )


class ContactCreateView(RecordFormView):
    template_name = "duplicates/contact_create.html"  # shows possible duplicates as you type
    form_class = ContactForm
    model = Contact
    title = gettext_lazy("New contact")

    def initial(self, request: HttpRequest) -> dict[str, Any]:
        return {"company": request.GET.get("company")} if request.GET.get("company") else {}

    def save(self, request: HttpRequest, form: Any, obj: Any) -> Any:
        company = form.cleaned_data.get("company")
        companies = []
        if company is not None:
            companies = [
                (
                    record_shown(
                        selectors.company_get(user=request.user, pk=company.pk), user=request.user
                    ),
                    form.cleaned_data.get("job_title", ""),
                )
            ]
        return services.contact_create(
            actor=request.user,
            data=form.record_data(),
            companies=companies,
            custom_fields=form.custom_values(),
            tags=form.tag_names(),
        )


class ContactUpdateView(RecordFormView):
    form_class = ContactForm
    get_object = selectors.contact_get
    title = gettext_lazy("Edit contact")

    def save(self, request: HttpRequest, form: Any, obj: Any) -> Any:
        return services.contact_update(
            actor=request.user,
            contact=obj,
            data=form.record_data(),
            expected_version=form.cleaned_data.get("version"),
            custom_fields=form.custom_values(),
            tags=form.tag_names(),
        )


@login_required
@require_POST
def company_delete(request: HttpRequest, pk: int) -> HttpResponse:
    company = record_shown(
        selectors.company_get(user=request.user, pk=pk, action="delete"),
        user=request.user,
        purpose="delete",
    )
    services.company_delete(actor=request.user, company=company)
    return HttpResponseRedirect("/companies/")


@login_required
@require_POST
def contact_delete(request: HttpRequest, pk: int) -> HttpResponse:
    contact = record_shown(
        selectors.contact_get(user=request.user, pk=pk, action="delete"),
        user=request.user,
        purpose="delete",
    )
    services.contact_delete(actor=request.user, contact=contact)
    return HttpResponseRedirect("/contacts/")


@login_required
@require_POST
def address_add(request: HttpRequest, record_type: str, pk: int) -> HttpResponse:
    record = record_shown(
        (selectors.company_get if record_type == "company" else selectors.contact_get)(
            user=request.user, pk=pk, action="edit"
        ),
        user=request.user,
        purpose="edit",
    )
    form = AddressForm(request.POST)
    if form.is_valid():
        try:
            services.address_add(actor=request.user, record=record, data=form.cleaned_data)
            form = AddressForm(record=redact(request.user, record), user=request.user)
        except ValidationError as exc:
            for key, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(key if key in form.fields else None, error)
    record = record_shown(
        (selectors.company_get if record_type == "company" else selectors.contact_get)(
            user=request.user, pk=pk
        ),
        user=request.user,
    )
    return render(
        request,
        "contacts/partials/_addresses.html",
        {"object": record, "record_type": record_type, "address_form": form},
        status=200 if not form.errors else 400,
    )


@login_required
@require_POST
def address_remove(request: HttpRequest, pk: int) -> HttpResponse:
    address = selectors.address_get(user=request.user, pk=pk)
    record_type = "company" if address.company_id else "contact"
    record_pk = address.company_id or address.contact_id
    services.address_remove(actor=request.user, address=address)
    record = record_shown(
        (selectors.company_get if record_type == "company" else selectors.contact_get)(
            user=request.user, pk=record_pk
        ),
        user=request.user,
    )
    return render(
        request,
        "contacts/partials/_addresses.html",
        {
            "object": record,
            "record_type": record_type,
            "address_form": AddressForm(record=redact(request.user, record), user=request.user),
        },
    )


@login_required
@require_POST
def contact_link_company(request: HttpRequest, pk: int) -> HttpResponse:
    contact = record_shown(
        selectors.contact_get(user=request.user, pk=pk, action="edit"),
        user=request.user,
        purpose="edit",
    )
    form = AffiliationForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            company = record_shown(
                selectors.company_get(user=request.user, pk=form.cleaned_data["company"]),
                user=request.user,
            )
        except Http404:
            company = None
        if company is None:
            form.add_error(
                "company", _("This company does not exist or you may not see it: choose another.")
            )
        else:
            services.contact_link_company(
                actor=request.user,
                contact=contact,
                company=company,
                job_title=form.cleaned_data["job_title"],
            )
            form = AffiliationForm(user=request.user)
    contact = record_shown(selectors.contact_get(user=request.user, pk=pk), user=request.user)
    return render(
        request,
        "contacts/partials/_affiliations.html",
        {"object": contact, "affiliation_form": form},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def contact_unlink_company(request: HttpRequest, pk: int, company_pk: int) -> HttpResponse:
    contact = record_shown(
        selectors.contact_get(user=request.user, pk=pk, action="edit"),
        user=request.user,
        purpose="edit",
    )
    company = record_shown(
        selectors.company_get(user=request.user, pk=company_pk), user=request.user
    )
    services.contact_unlink_company(actor=request.user, contact=contact, company=company)
    contact = record_shown(selectors.contact_get(user=request.user, pk=pk), user=request.user)
    return render(
        request,
        "contacts/partials/_affiliations.html",
        {"object": contact, "affiliation_form": AffiliationForm()},
    )
