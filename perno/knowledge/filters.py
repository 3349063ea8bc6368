from __future__ import annotations

import django_filters
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from perno.knowledge.models import Article, ArticleCategory, ArticleVersion, language_choices
from perno.records.filtering import RecordFilter, SearchFilter, SortFilter


def category_family(category: ArticleCategory) -> list[int]:
    """The ids of ``category`` and of every category below it (one query)."""
    children: dict[int | None, list[int]] = {}
    for pk, parent in ArticleCategory.objects.values_list("id", "parent_id"):
        children.setdefault(parent, []).append(pk)
    found: list[int] = []
    todo = [category.pk]
    while todo:
        current = todo.pop()
        if current not in found:
            found.append(current)
            todo.extend(children.get(current, []))
    return found


class ArticleFilter(RecordFilter):
    q = SearchFilter(fields=("title", "slug"))
    category = django_filters.ModelChoiceFilter(
        queryset=ArticleCategory.objects.all(), label=_("Category"), method="filter_category"
    )
    visibility = django_filters.ChoiceFilter(
        choices=Article.Visibility.choices, label=_("Visibility")
    )
    status = django_filters.ChoiceFilter(choices=Article.Status.choices, label=_("Status"))
    language = django_filters.ChoiceFilter(
        choices=language_choices, label=_("Language"), method="filter_language"
    )
    sort = SortFilter(
        orderings={
            "title": ("title", "id"),
            "updated": ("updated_at", "id"),
            "created": ("created_at", "id"),
        },
        labels={"title": _("Title"), "updated": _("Updated"), "created": _("Created")},
    )

    class Meta:
        model = Article
        fields: list[str] = []

    def filter_category(self, qs: QuerySet, name: str, value: ArticleCategory | None) -> QuerySet:
        """The category and the categories below it."""
        if value is None:
            return qs
        return qs.filter(category_id__in=category_family(value))

    def filter_language(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        """Articles published in the language (drafts: written in it)."""
        if not value:
            return qs
        versions = ArticleVersion.objects.filter(article=OuterRef("pk"), language=value).filter(
            Q(published=True) | Q(article__status=Article.Status.DRAFT)
        )
        return qs.filter(Exists(versions))
