"""Merge pages: pick the other record (from a record's page), compare the two side by side
and choose a value per field, merge; a merge's page with its undo. A merged record's
old page redirects (302, not 301: an undo within 30 days brings the page back) to the
record it went into, for users who may see that record (``follows_merges``)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django import forms
from django.apps import apps
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from perno.core.exceptions import ConflictError
from perno.merging import selectors, services
from perno.merging.models import Kind
from perno.records.reads import record_shown
from perno.web.pickers import record_picker

LOOKUPS: dict[str, str] = {
    Kind.CONTACT: "contacts:contact_lookup",
    Kind.COMPANY: "contacts:company_lookup",
}
DETAIL: dict[str, str] = {
    Kind.CONTACT: "contacts:contact_detail",
    Kind.COMPANY: "contacts:company_detail",
}


def follows_merges(kind: str) -> Callable[..., Any]:
    """A record page that answers a merged record's id with a redirect to the survivor."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, pk: int, *args: Any, **kwargs: Any) -> HttpResponse:
            try:
                return view(request, pk, *args, **kwargs)
            except Http404:
                target = selectors.redirect_target(user=request.user, kind=kind, pk=pk)
                if target is None:
                    raise
                return HttpResponseRedirect(reverse(DETAIL[kind], args=[target]))

        return wrapper

    return decorate


def compare_url(kind: str, survivor_pk: int, merged_pk: int) -> str:
    """The comparison page of two records (the duplicate queue links here)."""
    return reverse(
        "merging:merge_compare",
        kwargs={"kind": kind, "survivor_pk": survivor_pk, "merged_pk": merged_pk},
    )


class PickForm(forms.Form):
    other = forms.IntegerField(label=gettext_lazy("The other record"))
    keep = forms.ChoiceField(
        label=gettext_lazy("Which record stays"),
        choices=[
            ("this", gettext_lazy("This one (the other goes into it)")),
            ("other", gettext_lazy("The other one (this one goes into it)")),
        ],
        initial="this",
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: Any, kind: str, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model = selectors.MODELS[kind]
        self.fields["other"].label = (
            _("The contact to merge with")
            if kind == Kind.CONTACT
            else _("The company to merge with")
        )
        self.fields["other"].widget = record_picker(
            model, self.data.get("other"), LOOKUPS[kind], user
        )


@login_required
def merge_start(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """From a record's page: choose the record to merge with and which one stays."""
    record = selectors.record_get(user=request.user, kind=kind, pk=pk)
    form = PickForm(request.GET or None, kind=kind, user=request.user)
    if form.is_bound and form.is_valid():
        other = form.cleaned_data["other"]
        if other == record.pk:
            form.add_error(
                "other", _("Choose another record: a record cannot be merged with itself.")
            )
        elif not selectors.visible(user=request.user, kind=kind, pk=other):
            form.add_error("other", _("No such record, or you may not see it."))
        else:
            pair = (record.pk, other) if form.cleaned_data["keep"] == "this" else (other, record.pk)
            return HttpResponseRedirect(compare_url(kind, *pair))
    return render(
        request,
        "merging/start.html",
        {"form": form, "object": record, "kind": kind, "cancel_url": record.get_absolute_url()},
    )


def _named(counts: dict[str, int]) -> list[tuple[str, int]]:
    return sorted(
        (str(apps.get_model(label)._meta.verbose_name_plural), count)
        for label, count in counts.items()
    )


@login_required
def merge_compare(
    request: HttpRequest, kind: str, survivor_pk: int, merged_pk: int
) -> HttpResponse:
    """The two records side by side: one radio per field, what will move; merge."""
    survivor, merged = selectors.record_pair(
        user=request.user, kind=kind, survivor_id=survivor_pk, merged_id=merged_pk
    )
    if survivor.pk == merged.pk:
        raise Http404
    record_shown(survivor, user=request.user, purpose="edit")
    record_shown(merged, user=request.user, purpose="delete")
    denied = None
    try:
        services.ensure_may_merge(actor=request.user, survivor=survivor, merged=merged)
    except PermissionDenied as exc:
        denied = str(exc)
    rows = selectors.compare(user=request.user, kind=kind, survivor=survivor, merged=merged)
    errors: dict[str, list[str]] = {}
    conflict = ""
    status = 200
    if request.method == "POST":
        if denied:
            raise PermissionDenied(denied)
        for row in rows:
            row.choice = request.POST.get(f"pick_{row.name}", row.choice)
        try:
            merge = services.record_merge(
                actor=request.user,
                kind=kind,
                survivor=survivor,
                merged=merged,
                choices={row.name: {"from": row.choice} for row in rows if not row.hidden},
                survivor_version=_int(request.POST.get("survivor_version")),
                merged_version=_int(request.POST.get("merged_version")),
            )
        except ValidationError as exc:
            errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
            status = 400
        except ConflictError as exc:
            conflict = exc.message
            status = 409
            survivor.refresh_from_db()
            merged.refresh_from_db()
            rows = selectors.compare(user=request.user, kind=kind, survivor=survivor, merged=merged)
        else:
            messages.success(
                request,
                _(
                    "Merged. Everything linked to the other record is now here; you can undo the merge for 30 days from its page."
                ),
            )
            return HttpResponseRedirect(reverse("merging:merge_detail", args=[merge.pk]))
    context = {
        "kind": kind,
        "survivor": survivor,
        "merged": merged,
        "rows": rows,
        "moving": selectors.moving_counts(kind, merged),
        "denied": denied,
        "errors": errors,
        "conflict": conflict,
        "swap_url": compare_url(kind, merged.pk, survivor.pk),
    }
    return render(request, "merging/compare.html", context, status=status)


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@login_required
def merge_detail(request: HttpRequest, pk: int) -> HttpResponse:
    merge = selectors.merge_get(user=request.user, pk=pk)
    survivor = selectors.MODELS[merge.kind]._default_manager.get(pk=merge.survivor_id)
    return render(
        request,
        "merging/detail.html",
        {
            "merge": selectors.merged_shown(request.user, merge),
            "survivor": survivor,
            "moved": _named(services.moved_counts(merge.journal or {})),
            "may_undo": merge.undoable,
        },
    )


@login_required
@require_POST
def merge_undo(request: HttpRequest, pk: int) -> HttpResponse:
    merge = selectors.merge_get(user=request.user, pk=pk)
    try:
        merge = services.merge_undo(actor=request.user, merge=merge)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return HttpResponseRedirect(reverse("merging:merge_detail", args=[merge.pk]))
    messages.success(request, _("The merge was undone: both records are back."))
    for line in merge.not_restored:
        messages.warning(request, line)
    return HttpResponseRedirect(reverse(DETAIL[merge.kind], args=[merge.merged_id]))
