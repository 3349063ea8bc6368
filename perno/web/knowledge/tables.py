from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from perno.knowledge import selectors
from perno.knowledge.filters import ArticleFilter
from perno.web.lists import Column, ListConfig


def _languages(article: Any) -> str:
    """The languages the article is published in (a language with only a draft shows
    as such to who may see drafts: a reader's list only holds published articles)."""
    published = sorted({v.language for v in article.language_versions if v.published})
    drafts = sorted({v.language for v in article.language_versions} - set(published))
    shown = [code.upper() for code in published]
    if article.status == article.Status.DRAFT:
        shown += [f"{code.upper()}*" for code in drafts]
    return " ".join(shown)


ARTICLES = ListConfig(
    key="articles",
    title=_("Knowledge base"),
    selector=selectors.article_list,
    filterset_class=ArticleFilter,
    filter_fields=["category", "visibility", "language", "status"],
    create_url="knowledge:article_create",
    default_sort="title",
    extra_links=[("knowledge:knowledge_categories", _("Categories"))],
    columns=[
        Column("title", _("Title"), "link", sort="title"),
        Column("category", _("Category")),
        Column("visibility", _("Visibility"), "badge", value=lambda o: o.get_visibility_display()),
        Column("status", _("Status"), value=lambda o: o.get_status_display()),
        Column(
            "languages", _("Languages"), value=_languages, prefetch=(selectors.language_versions(),)
        ),
        Column("updated_at", _("Updated"), "datetime", sort="updated"),
        Column("owner", _("Owner"), default=False),
        Column("created_at", _("Created"), "date", sort="created", default=False),
    ],
)
