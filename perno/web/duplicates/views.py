"""The duplicate review queue, its runs and settings, and the as-you-type check of the
contact and company create forms."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from perno.accounts.confidential import redact, reference
from perno.accounts.permissions import check
from perno.audit import trail
from perno.contacts import matching
from perno.contacts.models import Company, Contact
from perno.core.pagination import paginate
from perno.duplicates import reasons, selectors, services
from perno.duplicates.models import DuplicatePair, FinderSettings, Kind
from perno.duplicates.tasks import find_task

PAGE_SIZE = 25


def merge_url(pair: DuplicatePair) -> str:
    """The merge page of the two records (perno.web.merging): the higher id is merged
    into the lower, older one."""
    try:
        return reverse(
            "merging:merge_compare",
            kwargs={"kind": pair.kind, "merged_pk": pair.high_id, "survivor_pk": pair.low_id},
        )
    except NoReverseMatch:
        return ""


def _values(user: Any, record: Contact | Company) -> list[tuple[str, str, str]]:
    """(field key, label, value) of what the queue shows side by side, as the record's
    page shows it to ``user``: fields hidden from them read "(confidential)", a linked
    company they may not open is a placeholder."""
    record = redact(user, record)
    address = next(iter(record.addresses.all()), None)
    place = str(address) if address is not None else ""
    if isinstance(record, Contact):
        link = next(iter(record.affiliations.all()), None)
        phones = (record.phone, record.mobile)  # both "(confidential)": said once
        return [
            ("name", _("Name"), record.full_name),
            ("email", _("E-mail"), record.email),
            ("phone", _("Phone"), " · ".join(dict.fromkeys(p for p in phones if p))),
            ("address", _("Address"), place),
            ("company", _("Company"), str(reference(user, link.company)) if link else ""),
        ]
    return [
        ("name", _("Name"), record.name),
        ("vat_number", _("VAT number"), record.vat_number),
        ("email", _("E-mail"), record.email),
        ("phone", _("Phone"), record.phone),
        ("website", _("Website"), record.website),
        ("address", _("Address"), place),
    ]


def _shown(user: Any, pair: DuplicatePair) -> dict[str, Any]:
    low, high = pair.low, pair.high
    assert low is not None and high is not None
    left, right = _values(user, low), _values(user, high)
    # No reason about a field hidden from the user (nor its row marked as matching).
    told = matching.told_reasons(user, pair.kind, pair.reasons, (low, high))
    marked = reasons.highlighted(told)
    return {
        "pair": pair,
        "low": low,
        "high": high,
        "rows": [
            {"key": key, "label": label, "left": a, "right": b, "matched": key in marked}
            for (key, label, a), (_k, _l, b) in zip(left, right, strict=True)
        ],
        "why": reasons.describe(told, (str(low), str(high))),
        "merge_url": merge_url(pair),
    }


def _kinds(request: HttpRequest) -> list[str]:
    kinds = selectors.reviewable_kinds(request.user)
    if not kinds:
        raise PermissionDenied(
            _("The duplicate queue is for people who may edit contacts or companies.")
        )
    return kinds


def _score(raw: str) -> float | None:
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 1:
        raise ValidationError(_("The lowest score is a number from 0 to 1, such as 0.9."))
    return value


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    kinds = _kinds(request)
    kind = request.GET.get("kind") or kinds[0]
    status = request.GET.get("status") or DuplicatePair.Status.OPEN
    problems = []
    if kind not in kinds:
        problems.append(_("Choose contacts or companies."))
        kind = kinds[0]
    if status not in DuplicatePair.Status.values:
        problems.append(_("Choose pairs to review or pairs marked “not a duplicate”."))
        status = DuplicatePair.Status.OPEN
    try:
        min_score = _score(request.GET.get("min_score", "").strip())
    except ValidationError as exc:
        problems.extend(exc.messages)
        min_score = None
    try:
        number = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        number = 1
    pairs = selectors.pair_list(
        user=request.user, kind=kind, min_score=min_score, status=status
    ).prefetch_related(
        *(f"{kind}_{side}__addresses" for side in ("low", "high")),
        *(
            f"contact_{side}__affiliations__company"
            for side in ("low", "high")
            if kind == Kind.CONTACT
        ),
    )
    page = paginate(pairs, number, PAGE_SIZE)
    shown = [_shown(request.user, pair) for pair in page.items]
    model = Contact if kind == Kind.CONTACT else Company
    trail.record_list(
        actor=request.user,
        model=model,
        ids=sorted({i for p in page.items for i in (p.low_id, p.high_id) if i is not None}),
    )
    return render(
        request,
        "duplicates/queue.html",
        {
            "kinds": [(k, Kind(k).label) for k in kinds],
            "kind": kind,
            "status": status,
            "statuses": DuplicatePair.Status.choices,
            "min_score": request.GET.get("min_score", ""),
            "problems": problems,
            "page": page,
            "shown": shown,
            "run": selectors.latest_run(),
            "running": services.running(),
            "is_admin": _may_manage(request),
        },
        status=400 if problems else 200,
    )


def _may_manage(request: HttpRequest) -> bool:
    try:
        check(request.user, "manage")
    except PermissionDenied:
        return False
    return True


@login_required
def pair_detail(request: HttpRequest, pk: int) -> HttpResponse:
    pair = selectors.pair_get(user=request.user, pk=pk)
    trail.record_list(
        actor=request.user,
        model=Contact if pair.kind == Kind.CONTACT else Company,
        ids=[pair.low_id, pair.high_id],
    )
    return render(request, "duplicates/pair.html", _shown(request.user, pair))


@login_required
@require_POST
def pair_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    services.pair_dismiss(actor=request.user, pk=pk)
    messages.success(request, _("Marked “not a duplicate”: this pair will not be shown again."))
    return HttpResponseRedirect(_back(request))


@login_required
@require_POST
def pair_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    services.pair_reopen(actor=request.user, pk=pk)
    messages.success(request, _("The pair is back in the queue."))
    return HttpResponseRedirect(_back(request))


def _back(request: HttpRequest) -> str:
    back = request.POST.get("next", "")
    return back if back.startswith("/duplicates/") else reverse("duplicates:duplicate_queue")


@login_required
@require_POST
def run_start(request: HttpRequest) -> HttpResponse:
    _kinds(request)
    try:
        run = services.run_start(actor=request.user)
    except services.RunRefused as exc:
        messages.error(request, str(exc))
        return HttpResponseRedirect(reverse("duplicates:duplicate_queue"))
    transaction.on_commit(lambda: find_task.delay(run.pk))
    messages.info(
        request, _("The search for duplicates has started; this page shows its progress.")
    )
    return HttpResponseRedirect(reverse("duplicates:duplicate_queue"))


@login_required
def status(request: HttpRequest) -> HttpResponse:
    """The progress of the running search, polled by the queue page."""
    _kinds(request)
    return render(
        request,
        "duplicates/partials/status.html",
        {"run": selectors.latest_run(), "running": services.running()},
    )


class SettingsForm(forms.ModelForm):
    class Meta:
        model = FinderSettings
        fields = ["contact_threshold", "company_threshold"]


@login_required
def settings_edit(request: HttpRequest) -> HttpResponse:
    check(request.user, "manage")
    form = SettingsForm(request.POST or None, instance=FinderSettings.current())
    if request.method == "POST" and form.is_valid():
        services.settings_update(actor=request.user, **form.cleaned_data)
        messages.success(request, _("Saved. The next search for duplicates uses these thresholds."))
        return HttpResponseRedirect(reverse("duplicates:duplicate_settings"))
    return render(
        request,
        "duplicates/settings.html",
        {"form": form},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def check_new(request: HttpRequest, kind: str) -> HttpResponse:
    """The possible duplicates of a record being typed into the create form (htmx)."""
    if kind not in Kind.values:
        raise Http404
    check(request.user, "create", kind)
    candidates = matching.candidates(user=request.user, kind=kind, values=request.GET)
    return render(
        request,
        "duplicates/partials/candidates.html",
        {"candidates": candidates, "kind": kind},
    )
