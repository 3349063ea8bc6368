"""The search pages: suggestions under the search box on every page, and the full
results page with filters, sorting, pagination and saved searches."""

from __future__ import annotations

import datetime
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from perno.accounts.models import Team, User
from perno.core.inputs import moment_problem
from perno.records.models import Tag
from perno.search import engine, services
from perno.search.models import SavedSearch
from perno.search.registry import KINDS, sources
from perno.search.services import audit_search

PAGE_SIZE = 20


def _int(value: str | None) -> int | None:
    try:
        number = int(value or "")
    except ValueError:
        return None
    return number if 0 < number < 2**31 else None


def _date(value: str | None) -> datetime.date | None:
    """A date filter; one that is no date, or out of range, is no filter."""
    try:
        day = datetime.date.fromisoformat(value or "")
    except ValueError:
        return None
    return None if moment_problem(day) else day


@login_required
def suggest(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")[:2000]
    labels = {kind: source.label for kind, source in sources().items()}
    groups = [(kind, labels[kind], hits) for kind, hits in engine.suggest(request.user, query)]
    audit_search(user=request.user, query=query, hits=[h for _k, _l, hits in groups for h in hits])
    return render(
        request,
        "search/_suggestions.html",
        {"groups": groups, "q": query.strip(), "too_short": 0 < len(query.strip()) < 2},
    )


@login_required
def results(request: HttpRequest) -> HttpResponse:
    get = request.GET
    query = get.get("q", "")[:2000]
    kinds = [k for k in get.getlist("type") if k in KINDS]
    filters = engine.Filters(
        kinds=kinds,
        owner=_int(get.get("owner")),
        team=_int(get.get("team")),
        tag=_int(get.get("tag")),
        date_from=_date(get.get("from")),
        date_to=_date(get.get("to")),
    )
    problems = []
    for key in ("from", "to"):
        if get.get(key) and _date(get.get(key)) is None:
            problems.append(
                _("“%(value)s” is not a date; use the date picker (YYYY-MM-DD).")
                % {"value": get.get(key)}
            )
    sort = get.get("sort", "relevance")
    sort = sort if sort in engine.SORTS else "relevance"
    page = _int(get.get("page")) or 1
    page = min(page, 500)
    found = engine.search(
        request.user,
        query,
        filters=filters,
        sort=sort,
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
    )
    audit_search(user=request.user, query=query, hits=found.hits, total=found.total)
    base_qs = urlencode([(k, v) for k, values in get.lists() if k != "page" for v in values])
    total = found.total or 0
    last_page = max(1, (total + PAGE_SIZE - 1) // PAGE_SIZE)
    labels = {kind: source.label for kind, source in sources().items()}
    context: dict[str, Any] = {
        "q": query,
        "found": found,
        "kinds": [(k, labels[k], found.by_kind.get(k, 0), k in kinds) for k in KINDS],
        "filters": filters,
        "date_from": get.get("from", ""),
        "date_to": get.get("to", ""),
        "sort": sort,
        "sorts": [
            ("relevance", _("Best match")),
            ("recent", _("Recently changed")),
            ("title", _("Title A–Z")),
        ],
        "page": page,
        "last_page": last_page,
        "has_next": page < last_page,
        "base_qs": base_qs,
        "labels": labels,
        "owners": User.objects.filter(is_active=True)
        .order_by("username")
        .only("id", "username", "first_name", "last_name"),
        "teams": Team.objects.order_by("name"),
        "tags": Tag.objects.order_by("name"),
        "saved": [
            (s, saved_url(s)) for s in SavedSearch.objects.filter(user_id=int(request.user.pk or 0))
        ],
        "problems": problems,
        "params_qs": base_qs,
    }
    return render(request, "search/results.html", context)


@login_required
@require_POST
def saved_create(request: HttpRequest) -> HttpResponse:
    params_qs = request.POST.get("params", "")

    params_dict = QueryDict(params_qs[:2000])
    params = {
        "types": params_dict.getlist("type"),
        "owner": params_dict.get("owner"),
        "team": params_dict.get("team"),
        "tag": params_dict.get("tag"),
        "date_from": params_dict.get("from"),
        "date_to": params_dict.get("to"),
        "sort": params_dict.get("sort"),
    }
    back = reverse("search:results") + ("?" + params_qs if params_qs else "")
    try:
        services.saved_search_create(
            actor=request.user,
            name=request.POST.get("name", ""),
            query=params_dict.get("q", ""),
            params=params,
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return HttpResponseRedirect(back)
    messages.success(request, _("Search saved."))
    return HttpResponseRedirect(back)


@login_required
@require_POST
def saved_delete(request: HttpRequest, pk: int) -> HttpResponse:
    saved = SavedSearch.objects.filter(pk=pk, user_id=int(request.user.pk or 0)).first()
    if saved is None:
        raise Http404
    services.saved_search_delete(actor=request.user, saved=saved)
    messages.success(request, _("Saved search deleted."))
    return HttpResponseRedirect(reverse("search:results"))


def saved_url(saved: SavedSearch) -> str:
    pairs: list[tuple[str, str]] = [("q", saved.query)] if saved.query else []
    params = saved.params or {}
    pairs += [("type", t) for t in params.get("types", [])]
    names = {"date_from": "from", "date_to": "to"}
    for key in ("owner", "team", "tag", "date_from", "date_to", "sort"):
        if params.get(key):
            pairs.append((names.get(key, key), str(params[key])))
    return reverse("search:results") + "?" + urlencode(pairs)
