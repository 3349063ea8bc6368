"""The categories page: the tree, and (for who may write articles) adding, renaming,
moving and deleting categories."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from perno.accounts.permissions import can, check
from perno.knowledge import categories, selectors
from perno.knowledge.models import ArticleCategory
from perno.web.accounts.forms import add_errors
from perno.web.knowledge.forms import CategoryForm


def _page(
    request: HttpRequest,
    *,
    form: CategoryForm | None = None,
    failed: ArticleCategory | None = None,
    failed_form: CategoryForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    rows: list[tuple[ArticleCategory, str, Any]] = []
    for category, depth in selectors.category_tree(user=user):
        if failed is not None and category.pk == failed.pk:
            edit_form = failed_form
        else:
            edit_form = CategoryForm(
                user=user,
                initial={
                    "name": category.name,
                    "parent": category.parent_id,
                    "position": category.position,
                },
                prefix=f"c{category.pk}",
            )
        rows.append((category, "— " * depth, edit_form))
    return render(
        request,
        "knowledge/categories.html",
        {
            "rows": rows,
            "form": form or CategoryForm(user=user),
            "can_write": can(user, "create", "article"),
        },
        status=status,
    )


def _done(request: HttpRequest, message: str) -> HttpResponseRedirect:
    messages.success(request, message)
    return HttpResponseRedirect(reverse("knowledge:knowledge_categories"))


@login_required
def knowledge_categories(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _page(request)
    check(request.user, "create", "article")
    form = CategoryForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            category = categories.category_create(actor=request.user, data=form.data_for_service())
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            return _done(request, _("Added the category “%(name)s”.") % {"name": category})
    return _page(request, form=form, status=400)


@login_required
@require_POST
def knowledge_category_edit(request: HttpRequest, pk: int) -> HttpResponse:
    check(request.user, "create", "article")
    category = selectors.category_get(user=request.user, pk=pk)
    form = CategoryForm(request.POST, user=request.user, prefix=f"c{category.pk}")
    if form.is_valid():
        try:
            category = categories.category_update(
                actor=request.user, category=category, data=form.data_for_service()
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            return _done(request, _("Saved the category “%(name)s”.") % {"name": category})
    return _page(request, failed=category, failed_form=form, status=400)


@login_required
@require_POST
def knowledge_category_delete(request: HttpRequest, pk: int) -> HttpResponse:
    check(request.user, "create", "article")
    category = selectors.category_get(user=request.user, pk=pk)
    try:
        categories.category_delete(actor=request.user, category=category)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return _page(request, status=400)
    return _done(request, _("Deleted the category “%(name)s”.") % {"name": category})
