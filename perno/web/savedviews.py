"""Saving, sharing and deleting list views from a list page (``records.savedviews``)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from perno.records.savedviews import (
    filter_checker,
    saved_view_create,
    saved_view_delete,
    saved_view_get,
)
from perno.web.lists import LISTS


def _back(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return target.split("?")[0]
    return fallback


@login_required
@require_POST
def view_save(request: HttpRequest, list_key: str) -> HttpResponse:
    """Save the list as it is shown (its filters, sort and columns) under a name."""
    config = LISTS.get(list_key)
    if config is None:
        raise Http404
    query = QueryDict(request.POST.get("query", ""))
    keys = set(config.filterset_class.base_filters)
    known_columns = {c.key for c in config.columns}
    data = {
        "name": request.POST.get("name", ""),
        "filters": {k: v for k, v in query.items() if k in keys and k != "sort" and v},
        "sort": query.get("sort", ""),
        "columns": [c for c in request.POST.getlist("columns") if c in known_columns],
        "is_default": request.POST.get("is_default") == "1",
        "shared": request.POST.get("shared") == "1",
    }
    back = _back(request, reverse("web:dashboard"))
    try:
        view = saved_view_create(
            actor=request.user,
            list_key=list_key,
            data=data,
            check_filters=filter_checker(config.filterset_class, request.user),
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return HttpResponseRedirect(back)
    messages.success(request, _("The view “%(name)s” was saved.") % {"name": view.name})
    return HttpResponseRedirect(f"{back}?view={view.pk}")


@login_required
@require_POST
def view_delete(request: HttpRequest, pk: int) -> HttpResponse:
    back = _back(request, reverse("web:dashboard"))
    try:
        view = saved_view_get(user=request.user, pk=pk, action="delete")
        saved_view_delete(actor=request.user, view=view)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
        return HttpResponseRedirect(back)
    messages.success(request, _("The view “%(name)s” was deleted.") % {"name": view.name})
    return HttpResponseRedirect(f"{back}?view=0")
