"""Settings → Service levels: business calendars and SLA policies. Administrators only
(the gate's "manage"); every write goes through ``perno.sla.services``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from perno.accounts.permissions import check
from perno.records.history import change_history
from perno.sla import schedule, selectors, services
from perno.sla.models import CALENDARS, POLICIES, BusinessCalendar
from perno.web.accounts.forms import add_errors
from perno.web.sla.forms import CalendarForm, PolicyForm


@login_required
def sla_settings(request: HttpRequest) -> HttpResponse:
    check(request.user, "manage", POLICIES)
    return render(
        request,
        "sla/settings.html",
        {
            "policies": selectors.policy_list(user=request.user),
            "calendars": selectors.calendar_list(user=request.user),
        },
    )


def _years(calendar: BusinessCalendar) -> list[dict[str, object]]:
    this_year = timezone.localdate().year
    language = get_language()
    return [
        {"year": year, "days": schedule.year_closures(calendar, year, language)}
        for year in (this_year, this_year + 1)
    ]


@login_required
def calendar_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    check(request.user, "manage", CALENDARS)
    calendar = selectors.calendar_get(user=request.user, pk=pk) if pk else None
    form = CalendarForm(request.POST or None, calendar=calendar)
    if request.method == "POST" and form.is_valid():
        try:
            if calendar is None:
                saved = services.calendar_create(actor=request.user, data=form.values())
            else:
                saved = services.calendar_update(
                    actor=request.user, calendar=calendar, data=form.values()
                )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return HttpResponseRedirect(reverse("sla:sla_calendar_edit", args=[saved.pk]))
    return render(
        request,
        "sla/calendar_form.html",
        {
            "form": form,
            "calendar": calendar,
            "years": _years(calendar) if calendar else [],
            "subdivisions": schedule.subdivision_choices("IT"),
            "history": change_history(user=request.user, instance=calendar) if calendar else [],
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def calendar_delete(request: HttpRequest, pk: int) -> HttpResponse:
    check(request.user, "manage", CALENDARS)
    calendar = selectors.calendar_get(user=request.user, pk=pk)
    try:
        services.calendar_delete(actor=request.user, calendar=calendar)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return HttpResponseRedirect(reverse("sla:sla_calendar_edit", args=[calendar.pk]))
    messages.success(request, _("The calendar “%(name)s” was deleted.") % {"name": calendar.name})
    return HttpResponseRedirect(reverse("sla:sla_settings"))


@login_required
def policy_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    check(request.user, "manage", POLICIES)
    policy = selectors.policy_get(user=request.user, pk=pk) if pk else None
    form = PolicyForm(request.POST or None, instance=policy, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            if policy is None:
                saved = services.policy_create(actor=request.user, data=form.values())
            else:
                saved = services.policy_update(
                    actor=request.user, policy=policy, data=form.values()
                )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return HttpResponseRedirect(reverse("sla:sla_policy_edit", args=[saved.pk]))
    return render(
        request,
        "sla/policy_form.html",
        {
            "form": form,
            "policy": policy,
            "history": change_history(user=request.user, instance=policy) if policy else [],
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def policy_delete(request: HttpRequest, pk: int) -> HttpResponse:
    check(request.user, "manage", POLICIES)
    policy = selectors.policy_get(user=request.user, pk=pk)
    try:
        services.policy_delete(actor=request.user, policy=policy)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return HttpResponseRedirect(reverse("sla:sla_policy_edit", args=[policy.pk]))
    messages.success(request, _("The policy “%(name)s” was deleted.") % {"name": policy.name})
    return HttpResponseRedirect(reverse("sla:sla_settings"))
