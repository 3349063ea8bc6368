"""Personal data breaches: the list and the page of one, with the 72-hour clock."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import F
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from perno.accounts.permissions import check
from perno.core.pagination import paginate
from perno.health.figures import breaches_waiting
from perno.privacy import breaches
from perno.privacy.models import Breach
from perno.web.accounts.forms import add_errors
from perno.web.privacy.common import int_or_none, show_errors
from perno.web.privacy.forms import BreachForm


@login_required
def breach_list(request: HttpRequest) -> HttpResponse:
    check(request.user, "manage", "privacy")
    rows = Breach.objects.order_by(F("closed_at").asc(nulls_first=True), "-discovered_at")
    if request.GET.get("open") == "1":  # the health check's figure links here
        rows = rows.filter(breaches_waiting())
    page = paginate(rows, max(1, int_or_none(request.GET.get("page")) or 1), 50, with_count=False)
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
            show_errors(request, exc)
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
