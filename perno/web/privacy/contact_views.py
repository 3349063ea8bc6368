"""The privacy panel of every contact page: its consents, data sources and restriction."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from perno.accounts.permissions import can, check, obtain
from perno.contacts.models import Contact
from perno.privacy import selectors, services
from perno.privacy.models import Restriction
from perno.records.reads import record_shown
from perno.web.privacy.common import show_errors
from perno.web.privacy.forms import ConsentForm, RestrictionForm


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
        show_errors(request, exc)
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
        show_errors(request, exc)
    return _contact_redirect(contact)
