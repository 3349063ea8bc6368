from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from perno.accounts.confidential import redact
from perno.accounts.selectors import user_list
from perno.activities import selectors, services
from perno.activities.models import Activity
from perno.core.exceptions import ConflictError
from perno.core.inputs import moment_problem
from perno.records.history import change_history
from perno.records.reads import record_shown
from perno.web.activities.forms import ActivityForm, CommentForm
from perno.web.activities.tables import ACTIVITIES
from perno.web.editing import RecordFormView
from perno.web.lists import RecordListView
from perno.web.records import record_get

TIMELINE_TARGETS = {"company", "contact", "deal", "lead", "product"}


class ActivityListView(RecordListView):
    config = ACTIVITIES


@login_required
def activity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    activity = record_shown(selectors.activity_get(user=request.user, pk=pk), user=request.user)
    return render(
        request,
        "activities/activity_detail.html",
        {
            "object": redact(request.user, activity),
            "record_type": "activity",
            "users": user_list(user=request.user),
            "history": change_history(user=request.user, instance=activity),
            "comments": selectors.comments_for(user=request.user, target=activity).filter(
                parent__isnull=True
            ),
            "comment_form": CommentForm(),
        },
    )


class ActivityCreateView(RecordFormView):
    form_class = ActivityForm
    model = Activity
    title = gettext_lazy("New activity")

    def initial(self, request: HttpRequest) -> dict[str, Any]:
        initial: dict[str, Any] = {"kind": request.GET.get("kind", "task")}
        for name in ("company", "contact", "deal", "lead"):
            if request.GET.get(name, "").isdecimal():
                initial[name] = request.GET[name]
        return initial

    def save(self, request: HttpRequest, form: Any, obj: Any) -> Any:
        return services.activity_create(
            actor=request.user, data=form.record_data(), tags=form.tag_names()
        )


class ActivityUpdateView(RecordFormView):
    form_class = ActivityForm
    get_object = selectors.activity_get
    title = gettext_lazy("Edit activity")

    def save(self, request: HttpRequest, form: Any, obj: Any) -> Any:
        return services.activity_update(
            actor=request.user,
            activity=obj,
            data=form.record_data(),
            expected_version=form.cleaned_data.get("version"),
            tags=form.tag_names(),
        )


@login_required
@require_POST
def activity_complete(request: HttpRequest, pk: int) -> HttpResponse:
    """Inline (htmx): tick a task done, or open again; returns the task's row."""
    activity = record_shown(
        selectors.activity_get(user=request.user, pk=pk, action="edit"),
        user=request.user,
        purpose="edit",
    )
    error = ""
    try:
        if activity.status == Activity.Status.DONE:
            activity = services.activity_reopen(actor=request.user, activity=activity)
        else:
            activity = services.activity_complete(actor=request.user, activity=activity)
    except (ConflictError, ValidationError) as exc:
        error = getattr(exc, "message", None) or "; ".join(getattr(exc, "messages", []))
    return render(
        request,
        "activities/partials/_task_row.html",
        {"task": activity, "task_error": error},
        status=400 if error else 200,
    )


def _moment(text: str) -> datetime.datetime | None:
    """The timeline's "older than" point; one that is no moment, or out of range, is none."""
    try:
        moment = parse_datetime(text) if text else None
    except ValueError:  # well formed but impossible, e.g. month 13
        return None
    return None if moment_problem(moment) else moment


def _timeline_context(request: HttpRequest, record_type: str, pk: int) -> dict[str, Any]:
    target = record_get(request.user, record_type, pk)
    kinds = [k for k in request.GET.getlist("kind") if k in selectors.timeline_kinds()] or None
    before = _moment(request.GET.get("before", ""))
    entries, has_more = selectors.timeline(
        user=request.user, target=target, kinds=kinds, before=before
    )
    return {
        "object": target,
        "record_type": record_type,
        "entries": entries,
        "has_more": has_more,
        "kinds": kinds or [],
        "all_kinds": selectors.timeline_filters(),
        "before": before,
        "next_before": entries[-1].at.isoformat() if entries else "",
    }


@login_required
def timeline(request: HttpRequest, record_type: str, pk: int) -> HttpResponse:
    if record_type not in TIMELINE_TARGETS:
        raise Http404
    return render(
        request, "activities/partials/_timeline.html", _timeline_context(request, record_type, pk)
    )


@login_required
@require_POST
def comment_add(request: HttpRequest, record_type: str, pk: int) -> HttpResponse:
    """Inline (htmx): add a comment with attachments and return the refreshed timeline."""
    target = record_get(request.user, record_type, pk)
    form = CommentForm(request.POST, request.FILES)
    status = 200
    if form.is_valid():
        parent = (
            selectors.comment_get(user=request.user, pk=form.cleaned_data["parent"])
            if form.cleaned_data.get("parent")
            else None
        )
        try:
            services.comment_create(
                actor=request.user,
                target=target,
                body=form.cleaned_data["body"],
                parent=parent,
                files=form.cleaned_data["attachments"],
            )
            form = CommentForm()
        except ValidationError as exc:
            for key, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(key if key in form.fields else None, error)
    if form.errors:
        status = 400
    if record_type == "activity":
        return render(
            request,
            "activities/partials/_comments.html",
            {
                "object": target,
                "record_type": record_type,
                "comment_form": form,
                "comments": selectors.comments_for(user=request.user, target=target).filter(
                    parent__isnull=True
                ),
            },
            status=status,
        )
    context = _timeline_context(request, record_type, pk)
    context["comment_form"] = form
    return render(request, "activities/partials/_timeline.html", context, status=status)


@login_required
def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    attachment = selectors.attachment_get(user=request.user, pk=pk)
    return FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
