"""The analytics settings, starting a refresh and its progress."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from perno.accounts.permissions import check
from perno.analytics import refresh, selectors
from perno.analytics.models import AnalyticsSettings, Snapshot
from perno.analytics.tasks import refresh_task
from perno.audit import trail
from perno.audit.models import AuditEvent
from perno.core.inputs import moment_problem
from perno.web.analytics.common import gate


class SettingsForm(forms.ModelForm):
    class Meta:
        model = AnalyticsSettings
        fields = [
            "clv_months",
            "discount_rate",
            "min_history_days",
            "profit_days",
            "loyalty_split",
            "alive_split",
            "profit_split",
            "active_days",
            "fan_satisfaction",
            "fan_bond",
            "sympathizer_bond",
            "fan_recent_days",
            "keep_scores",
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        fan, sympathizer = data.get("fan_bond"), data.get("sympathizer_bond")
        if fan is not None and sympathizer is not None and sympathizer > fan:
            self.add_error(
                "sympathizer_bond",
                _("The sympathizer threshold must not be above the fan threshold (%(fan)s).")
                % {"fan": fan},
            )
        return data


@login_required
def settings_edit(request: HttpRequest) -> HttpResponse:
    check(request.user, "manage")
    config = AnalyticsSettings.current()
    form = SettingsForm(request.POST or None, instance=config)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            form.save()
            trail.record(
                actor=request.user,
                action=AuditEvent.Action.UPDATE,
                obj=config,
                subject="",
                fields=form.changed_data,
            )
        messages.success(request, _("Saved. The next refresh uses the new settings."))
        return HttpResponseRedirect(reverse("analytics:settings"))
    return render(
        request,
        "analytics/settings.html",
        {"form": form, "page": "settings"},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def refresh_start(request: HttpRequest) -> HttpResponse:
    check(request.user, "manage")

    raw = request.POST.get("as_of", "").strip()
    as_of = None
    if raw:
        try:
            as_of = date.fromisoformat(raw)
        except ValueError:
            messages.error(
                request, _("“%(value)s” is not a date: use YYYY-MM-DD.") % {"value": raw}
            )
            return HttpResponseRedirect(reverse("analytics:overview"))
        problem = moment_problem(as_of)
        if problem:
            messages.error(request, problem)
            return HttpResponseRedirect(reverse("analytics:overview"))
    try:
        snapshot = refresh.start(as_of, actor=request.user)
    except refresh.RefreshRefused as exc:
        messages.error(request, str(exc))
        return HttpResponseRedirect(reverse("analytics:overview"))
    transaction.on_commit(lambda: refresh_task.delay(snapshot.pk, request.user.pk))
    messages.info(request, _("The refresh has started; this page shows its progress."))
    return HttpResponseRedirect(reverse("analytics:overview"))


@login_required
def status(request: HttpRequest) -> HttpResponse:
    """The progress of the running refresh, polled by the page."""
    gate(request)
    return render(
        request,
        "analytics/partials/status.html",
        {
            "running": selectors.running(),
            "last_failed": Snapshot.objects.filter(status=Snapshot.Status.FAILED).first(),
            "snapshot": selectors.chosen(),
        },
    )
