"""Articles in the search index: the title and text of the current published version of
every language, so the smart search finds an article by a word of any of them, with
the same access rules as the article (its owner, team and confidentiality). Drafts and
archived articles are not in the index."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from perno.knowledge.models import Article, ArticleVersion
from perno.knowledge.rendering import text_of
from perno.search.registry import Access, Source, choice_label, record_access, register


def _current_versions(article: Article) -> list[ArticleVersion]:
    """The current published version of each language (newest first per language)."""
    seen: set[str] = set()
    out = []
    versions = ArticleVersion.objects.filter(article=article, published=True).only(
        "id", "language", "number", "title", "html"
    )
    for version in versions.order_by("language", "-number"):
        if version.language not in seen:
            seen.add(version.language)
            out.append(version)
    return out


def article_text(article: Article) -> str:
    """What an article is found by besides its listed title: each language's title and
    text (as readers see it, without markup)."""
    return "\n".join(
        f"{version.title}\n{text_of(version.html)}" for version in _current_versions(article)
    )


def article_access(article: Article) -> Access | None:
    """Published articles only; then the article's own owner, team and confidentiality."""
    if article.status != Article.Status.PUBLISHED:
        return None
    return record_access(article, "article")


def _subtitle(article: Article) -> list[tuple[str, str]]:
    category = article.category
    return [
        ("", choice_label(article, "visibility")),
        ("", category.name if category is not None else ""),
    ]


def _title(article: Any) -> str:
    return str(article.title)


register(
    Source(
        kind="article",
        model=Article,
        label=_("Knowledge base"),
        title=_title,
        subtitle=_subtitle,
        text=article_text,
        related=("category",),
        access=article_access,
    )
)
