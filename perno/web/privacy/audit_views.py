"""Searching what is held: the audit trail, and the look-up of a person across all
records with everything held about them."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from perno.accounts.models import User
from perno.accounts.permissions import check
from perno.audit.trail import record_read
from perno.contacts.models import Contact
from perno.core.pagination import paginate
from perno.privacy import selectors
from perno.privacy.models import SubjectRequest
from perno.web.privacy.common import int_or_none
from perno.web.privacy.forms import AuditFilterForm


@login_required
def audit(request: HttpRequest) -> HttpResponse:
    """The audit trail, searchable: by user, action, record type, contact, search words
    and dates."""
    check(request.user, "view", "auditevent")
    form = AuditFilterForm(request.GET or None, user=request.user)
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


@login_required
def lookup(request: HttpRequest) -> HttpResponse:
    """Find a person by name, e-mail, phone, tax code or VAT number across all records."""
    query = request.GET.get("q", "")[:200]
    found = selectors.lookup(user=request.user, query=query)
    return render(
        request,
        "privacy/lookup.html",
        {"q": query, "found": found, "request_id": int_or_none(request.GET.get("request"))},
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
                pk=int_or_none(request.GET.get("request")) or 0, status=SubjectRequest.Status.OPEN
            ).first(),
        },
    )
