"""Settings of customer care, for administrators: queues (team, assignment mode,
escalation contact, members with their availability, category rules) and case
categories. Writes go through ``cases.config``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from perno.accounts.permissions import check
from perno.cases import config, selectors
from perno.cases.models import Queue
from perno.core.integrity import explain
from perno.web.accounts.forms import add_errors
from perno.web.cases.forms import CategoryForm, QueueForm, active_users


def _admin(request: HttpRequest) -> None:
    check(request.user, "manage", "queue")


def _write(form: forms.BaseForm, write: Callable[[], Any]) -> Any:
    """``write()``, or None with the refusal on the form (a taken name on top)."""
    try:
        return write()
    except ValidationError as exc:
        add_errors(form, exc)
    except IntegrityError as exc:
        form.add_error(None, explain(exc).message)
    return None


# --- categories ------------------------------------------------------------------------


@login_required
def categories(request: HttpRequest) -> HttpResponse:
    """The categories, and a new one."""
    _admin(request)
    form = CategoryForm(request.POST or None, prefix="new")
    status = 200
    if request.method == "POST":
        if form.is_valid():
            category = _write(
                form, lambda: config.category_create(actor=request.user, data=form.cleaned_data)
            )
            if category is not None:
                messages.success(request, _("Category “%(name)s” added.") % {"name": category})
                return HttpResponseRedirect(reverse("cases:category_settings"))
        status = 400
    return render(
        request,
        "cases/pages/categories.html",
        {"form": form, "categories": list(selectors.category_list())},
        status=status,
    )


@login_required
def category_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _admin(request)
    category = selectors.category_get(pk=pk)
    form = CategoryForm(request.POST or None, instance=category)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            saved = _write(
                form,
                lambda: config.category_update(
                    actor=request.user, category=category, data=form.cleaned_data
                ),
            )
            if saved is not None:
                messages.success(
                    request, _("Saved “%(name)s”.") % {"name": form.cleaned_data["name"]}
                )
                return HttpResponseRedirect(reverse("cases:category_settings"))
        status = 400
    return render(
        request,
        "cases/pages/category_form.html",
        {"form": form, "category": category},
        status=status,
    )


@login_required
@require_POST
def category_delete(request: HttpRequest, pk: int) -> HttpResponse:
    _admin(request)
    category = selectors.category_get(pk=pk)
    config.category_delete(actor=request.user, category=category)
    messages.success(request, _("Deleted the category “%(name)s”.") % {"name": category})
    return HttpResponseRedirect(reverse("cases:category_settings"))


# --- queues ----------------------------------------------------------------------------


@login_required
def queues(request: HttpRequest) -> HttpResponse:
    """The queues with their teams, modes and members, and a new queue."""
    _admin(request)
    form = QueueForm(request.POST or None, prefix="new")
    status = 200
    if request.method == "POST":
        if form.is_valid():
            queue = _write(
                form, lambda: config.queue_create(actor=request.user, data=form.cleaned_data)
            )
            if queue is not None:
                messages.success(
                    request,
                    _("Queue “%(name)s” added: now choose its members.") % {"name": queue},
                )
                return HttpResponseRedirect(reverse("cases:queue_edit", args=[queue.pk]))
        status = 400
    return render(
        request,
        "cases/pages/queues.html",
        {"form": form, "queues": list(selectors.queue_list())},
        status=status,
    )


def _members_from(request: HttpRequest, users: list[Any]) -> list[tuple[Any, bool]]:
    """The members ticked on the queue page (``member`` ids) with their availability
    (``available`` ids)."""
    ticked = set(request.POST.getlist("member"))
    available = set(request.POST.getlist("available"))
    return [(u, str(u.pk) in available) for u in users if str(u.pk) in ticked]


def _rules_from(
    request: HttpRequest, categories: list[Any], users: dict[str, Any]
) -> tuple[list[tuple[Any, Any]], list[str]]:
    """The category rules chosen on the queue page (``rule-<category id>`` = user id)."""
    rules, errors = [], []
    for category in categories:
        chosen = request.POST.get(f"rule-{category.pk}", "")
        if not chosen:
            continue
        user = users.get(chosen)
        if user is None:
            errors.append(
                _("The user chosen for “%(category)s” does not exist or is inactive.")
                % {"category": category}
            )
            continue
        rules.append((category, user))
    return rules, errors


def _queue_context(
    queue: Queue,
    form: QueueForm,
    users: list[Any],
    categories: list[Any],
    posted: HttpRequest | None = None,
) -> dict[str, Any]:
    """The queue page: its members and rules as stored, or as just posted when the
    post was refused (so nothing the administrator ticked is lost)."""
    if posted is not None:
        ticked = {int(v) for v in posted.POST.getlist("member") if v.isdecimal()}
        free = {int(v) for v in posted.POST.getlist("available") if v.isdecimal()}
        member = {u.pk: u.pk in free for u in users if u.pk in ticked}
        chosen = {
            c.pk: int(posted.POST.get(f"rule-{c.pk}", ""))
            for c in categories
            if posted.POST.get(f"rule-{c.pk}", "").isdecimal()
        }
    else:
        member = {m.user_id: m.available for m in queue.memberships.all()}
        chosen = {r.category_id: r.user_id for r in queue.category_rules.all()}
    return {
        "queue": queue,
        "form": form,
        "rows": [
            {"user": u, "member": u.pk in member, "available": member.get(u.pk, True)}
            for u in users
        ],
        "categories": [{"category": c, "user_id": chosen.get(c.pk)} for c in categories],
        "case_count": queue.cases.count(),
    }


@login_required
def queue_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """A queue: its fields, its members (each available or away) and, for assignment
    by category, which member takes which category."""
    _admin(request)
    queue = selectors.queue_get(pk=pk)
    users = list(active_users())
    categories = list(selectors.category_list(active_only=True))
    form = QueueForm(request.POST or None, instance=queue)
    status = 200
    if request.method == "POST":
        by_id = {str(u.pk): u for u in users}
        members = _members_from(request, users)
        rules, rule_errors = _rules_from(request, categories, by_id)
        for error in rule_errors:
            form.add_error(None, error)
        if form.is_valid() and not rule_errors:
            saved = _write(
                form,
                lambda: config.queue_update(
                    actor=request.user,
                    queue=queue,
                    data=form.cleaned_data,
                    members=members,
                    rules=rules,
                ),
            )
            if saved is not None:
                messages.success(
                    request, _("Saved “%(name)s”.") % {"name": form.cleaned_data["name"]}
                )
                return HttpResponseRedirect(reverse("cases:queue_edit", args=[queue.pk]))
        status = 400
        queue = selectors.queue_get(pk=pk)
    return render(
        request,
        "cases/pages/queue_form.html",
        _queue_context(queue, form, users, categories, request if status == 400 else None),
        status=status,
    )


@login_required
@require_POST
def queue_delete(request: HttpRequest, pk: int) -> HttpResponse:
    _admin(request)
    queue = selectors.queue_get(pk=pk)
    try:
        config.queue_delete(actor=request.user, queue=queue)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return HttpResponseRedirect(reverse("cases:queue_edit", args=[queue.pk]))
    messages.success(request, _("Deleted the queue “%(name)s”.") % {"name": queue})
    return HttpResponseRedirect(reverse("cases:queue_settings"))
