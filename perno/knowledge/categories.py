"""Writes to the categories of articles: who may create articles arranges them. Each
write is in the change history of the category."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from perno.accounts.permissions import check
from perno.audit.models import ChangeEntry
from perno.audit.services import change_record
from perno.audit.trail import lock_chain
from perno.core.diffs import diff, snapshot
from perno.core.inputs import text_problem
from perno.knowledge.models import Article, ArticleCategory
from perno.records.services import reject_unknown_fields
from perno.search import indexer

FIELDS = {"name", "parent", "position"}
MAX_DEPTH = 5
MAX_POSITION = 10_000
TRACKED = ["name", "parent", "position"]


def _ancestors(parent: ArticleCategory | None) -> list[int]:
    """The ids from ``parent`` up to the top (bounded: a loop stored by mistake ends)."""
    parents = dict(ArticleCategory.objects.values_list("id", "parent_id"))
    found: list[int] = []
    current = parent.pk if parent is not None else None
    while current is not None and current not in found and len(found) <= MAX_DEPTH + 1:
        found.append(current)
        current = parents.get(current)
    return found


def _errors(category: ArticleCategory) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    name = (category.name or "").strip()
    category.name = name
    if not name:
        errors["name"] = [_("Give the category a name, e.g. “Invoices”.")]
    elif len(name) > 100:
        errors["name"] = [_("A name may be at most 100 characters.")]
    elif text_problem(name):
        errors["name"] = [str(text_problem(name))]
    elif (
        ArticleCategory.objects.filter(parent=category.parent, name__iexact=name)
        .exclude(pk=category.pk)
        .exists()
    ):
        errors["name"] = [
            _("There is already a category “%(name)s” there; choose another name.") % {"name": name}
        ]
    if not isinstance(category.position, int) or not 0 <= category.position <= MAX_POSITION:
        errors["position"] = [
            _("The position is a whole number from 0 to %(max)s.") % {"max": f"{MAX_POSITION:,}"}
        ]
    ancestors = _ancestors(category.parent)
    if category.pk is not None and category.pk in ancestors:
        errors["parent"] = [
            _("A category cannot be placed inside itself or one of its own subcategories.")
        ]
    elif len(ancestors) >= MAX_DEPTH:
        errors["parent"] = [
            _("Categories nest at most %(n)s levels deep; choose a higher parent.")
            % {"n": MAX_DEPTH}
        ]
    return errors


def category_create(*, actor: Any, data: dict[str, Any]) -> ArticleCategory:
    check(actor, "create", "article")
    reject_unknown_fields(data, FIELDS)
    category = ArticleCategory(**{k: v for k, v in data.items() if v is not None})
    errors = _errors(category)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        lock_chain()
        category.save()
        change_record(
            actor=actor,
            instance=category,
            action=ChangeEntry.Action.CREATE,
            changes={
                k: [None, v] for k, v in snapshot(category, TRACKED).items() if v not in (None, "")
            },
        )
    return category


def category_update(
    *, actor: Any, category: ArticleCategory, data: dict[str, Any]
) -> ArticleCategory:
    check(actor, "create", "article")
    reject_unknown_fields(data, FIELDS)
    with transaction.atomic():
        lock_chain()
        locked = ArticleCategory.objects.select_for_update().get(pk=category.pk)
        before = snapshot(locked, TRACKED)
        for key, value in data.items():
            setattr(locked, key, value)
        if locked.position is None:
            locked.position = 0
        errors = _errors(locked)
        if errors:
            raise ValidationError(errors)
        locked.save()
        changes = diff(before, snapshot(locked, TRACKED))
        change_record(
            actor=actor, instance=locked, action=ChangeEntry.Action.UPDATE, changes=changes
        )
        if "name" in changes:  # the articles' search entries name their category
            ids = Article.objects.filter(category=locked).values_list("pk", flat=True)
            indexer.reindex("article", list(ids), access=False)
    return locked


def category_delete(*, actor: Any, category: ArticleCategory) -> None:
    """Delete a category without subcategories; its articles are left uncategorised."""
    check(actor, "create", "article")
    with transaction.atomic():
        lock_chain()
        locked = ArticleCategory.objects.select_for_update().get(pk=category.pk)
        if ArticleCategory.objects.filter(parent=locked).exists():
            raise ValidationError({"parent": [_("Move or delete its subcategories first.")]})
        ids = list(Article.objects.filter(category=locked).values_list("pk", flat=True))
        change_record(actor=actor, instance=locked, action=ChangeEntry.Action.DELETE, changes={})
        locked.delete()
        indexer.reindex("article", ids, access=False)
