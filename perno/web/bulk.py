"""Bulk edit and bulk delete from a list page: the form under the filters, the
confirmation of a delete, and the progress page of a change running in the background.
The work is ``records.bulkedit`` / ``records.bulkjobs``; this module reads the request."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from perno.accounts.permissions import check
from perno.records.bulkedit import Selection, count_selected, resolve
from perno.records.bulkjobs import bulk_job_get, bulk_job_progress, bulk_start
from perno.records.models import BulkJob
from perno.web.bulkforms import BulkForm
from perno.web.lists import LISTS, ListConfig


def _int_list(values: list[str], name: str) -> list[int]:
    try:
        return [int(v) for v in values if v]
    except ValueError:
        raise ValidationError({name: [_("Record ids are whole numbers.")]}) from None


def selection_from(request: HttpRequest, config: ListConfig) -> Selection:
    """The selection a list page posts: ticked ids, or every record matching the page's
    filter (``everything=1``, ``query``) except the unticked ones (``exclude``)."""
    post = request.POST
    keys = set(config.filterset_class.base_filters)
    query = QueryDict(post.get("query", ""))
    filters = {k: v for k, v in query.items() if k in keys and v}
    as_of = None
    if post.get("as_of"):
        try:
            as_of = datetime.datetime.fromisoformat(post["as_of"])
        except ValueError:
            raise ValidationError({"as_of": [_("Reload the list and select again.")]}) from None
        if as_of.tzinfo is None:
            raise ValidationError({"as_of": [_("Reload the list and select again.")]})
    return Selection(
        ids=_int_list(post.getlist("ids"), "ids"),
        everything=post.get("everything") == "1",
        filters=filters,
        exclude=_int_list(post.getlist("exclude"), "exclude"),
        as_of=as_of,
    )


def _back(request: HttpRequest) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return target
    return reverse("web:dashboard")


def _config(list_key: str) -> ListConfig:
    config = LISTS.get(list_key)
    if config is None or not config.bulk:
        raise Http404
    return config


@login_required
@require_POST
def bulk(request: HttpRequest, list_key: str) -> HttpResponse:
    """Apply a bulk change (a delete after its confirmation)."""
    config = _config(list_key)
    form = BulkForm(
        request.POST, subject=config.bulk, user=request.user, exports=tuple(config.exporters)
    )
    context: dict[str, Any] = {"config": config, "back": _back(request), "form": form}
    try:
        if not form.is_valid():
            raise ValidationError({k: [str(m) for m in v] for k, v in form.errors.items()})
        selection = selection_from(request, config)
        action = form.cleaned_data["action"]
        if action.startswith("export-"):
            queryset = resolve(config.bulk, selection, request.user)
            return config.exporters[action.removeprefix("export-")](
                request, queryset, selection.as_json()
            )
        if action == "delete" and request.POST.get("confirm") != "1":
            context["count"] = count_selected(config.bulk, selection, request.user)
            if not context["count"]:
                raise ValidationError(
                    {"selection": [_("None of the selected records is there for you to delete.")]}
                )
            check(request.user, "delete", config.bulk)
            context["post"] = [
                (k, v)
                for k in request.POST
                for v in request.POST.getlist(k)
                if k not in {"csrfmiddlewaretoken", "confirm"}
            ]
            return render(request, "web/bulk_confirm.html", context)
        started = bulk_start(
            actor=request.user,
            subject=config.bulk,
            action=action,
            selection=selection,
            changes=form.changes() if action == "edit" else None,
        )
    except ValidationError as exc:
        context["errors"] = _messages(exc)
        return render(request, "web/bulk_error.html", context, status=400)
    except PermissionDenied as exc:
        context["errors"] = [str(exc)]
        return render(request, "web/bulk_error.html", context, status=403)
    if started.job is not None:
        return HttpResponseRedirect(reverse("web:bulk_job", args=[started.job.pk]))
    assert started.result is not None
    summary = started.result.summary(deleted=action == "delete")
    (messages.success if started.result.changed else messages.warning)(request, summary)
    return HttpResponseRedirect(context["back"])


def _messages(exc: ValidationError) -> list[str]:
    if not hasattr(exc, "error_dict"):
        return list(exc.messages)
    out = []
    for key, errors in exc.message_dict.items():
        for message in errors:
            out.append(
                message if key in {"__all__", "selection", "changes"} else f"{key}: {message}"
            )
    return out


@login_required
def bulk_fields(request: HttpRequest, list_key: str) -> HttpResponse:
    """The fields of a list's bulk form, loaded when the first row is ticked (empty for
    a user who may change nothing of this type)."""
    config = _config(list_key)
    form = BulkForm(subject=config.bulk, user=request.user, exports=tuple(config.exporters))
    choices = form.fields["action"].choices  # type: ignore[attr-defined]
    return render(request, "web/partials/_bulk_fields.html", {"form": form if choices else None})


@login_required
def bulk_job(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress of a bulk change running in the background (polled while it runs)."""
    job = bulk_job_get(user=request.user, pk=pk)
    context = {
        "job": job,
        "progress": bulk_job_progress(job),
        "running": job.status == BulkJob.Status.RUNNING,
    }
    htmx = getattr(request, "htmx", None)
    template = "web/bulk_job.html#progress" if htmx else "web/bulk_job.html"
    return render(request, template, context)
