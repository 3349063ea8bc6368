"""The CRM health check page.

Who sees what (the aggregates rule of docs/architecture.md): the page is for anyone who
may view contacts or companies. Roles that see every contact, company, deal and activity,
confidential ones included (administrator, DPO, auditor: ``sees_all``), read the stored
snapshot over every record, its history and the score's chart; everyone else (a
manager, a sales user) gets the same figures computed now over the records they may
see, without the history (it covers every record). The privacy figures (retention,
requests, breaches) are shown to who handles personal data. Administrators recompute
the snapshot and choose whether they receive the monthly e-mail."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from perno.accounts.models import User
from perno.accounts.permissions import can, check
from perno.health import figures as health_figures
from perno.health import report, selectors, services
from perno.health.checks import Context
from perno.health.tasks import snapshot_task


def _gate(request: HttpRequest) -> None:
    services.gate(request.user)


@login_required
def page(request: HttpRequest) -> HttpResponse:
    _gate(request)
    user = request.user
    snapshot, figures = services.health_for(user=user)
    history = selectors.history(user=user) if snapshot else []
    previous = selectors.before(snapshot.day, user=user) if snapshot else None
    by_user = health_figures.activities_by_user(Context(), None if snapshot else user)
    names = {u.pk: str(u) for u in User.objects.filter(pk__in=[pk for pk, _n in by_user])}
    context = {
        "snapshot": snapshot,
        "figures": figures,
        "score": figures["score"],
        "areas": figures["areas"],
        "weights": health_figures.WEIGHTS,
        "quality": report.quality(figures),
        "compliance": report.compliance(figures),
        "usage": report.usage(figures, may_manage_users=can(user, "manage", "user")),
        "by_user": [(names.get(pk, "—"), n) for pk, n in by_user],
        "history": history,
        "chart": selectors.chart(history),
        "previous": previous,
        "may_recompute": snapshot is not None and can(user, "manage"),
        "may_get_report": snapshot is not None and services.may_get_report(user),
        "wants_report": services.wants_report(user),
        "stale_months": health_figures.stale_months(),
    }
    return render(request, "health/page.html", context)


@login_required
@require_POST
def recompute(request: HttpRequest) -> HttpResponse:
    _gate(request)
    check(request.user, "manage")
    snapshot_task.delay(request.user.pk)
    messages.success(
        request,
        _(
            "The health check is being computed again; reload the page in a moment to see the new figures."
        ),
    )
    return HttpResponseRedirect(reverse("health:health"))


@login_required
@require_POST
def report_email(request: HttpRequest) -> HttpResponse:
    _gate(request)
    wanted = request.POST.get("wanted") == "1"
    services.report_email_set(actor=request.user, wanted=wanted)
    if wanted:
        messages.success(request, _("You will receive the monthly health report by e-mail."))
    else:
        messages.success(request, _("You will no longer receive the monthly health report."))
    return HttpResponseRedirect(reverse("health:health"))
