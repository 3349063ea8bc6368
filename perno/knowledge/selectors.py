"""Every read of the knowledge base, with the user (the gate decides), and the one read
without a user: ``public_articles``, what the customer portal may show.

Drafts: an article never published, and a version newer than the published one of its
language, are seen only by who may edit the article."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import translation

from perno.accounts.permissions import access_for, can, obtain, restrict
from perno.accounts.rights import ALL, NONE
from perno.knowledge.filters import ArticleFilter
from perno.knowledge.models import Article, ArticleCategory, ArticleVersion, language_codes
from perno.records.filtering import apply_filters


def visible_articles(user: Any) -> QuerySet[Article]:
    """The articles ``user`` may see: within their view scope, drafts only where they
    may edit the article."""
    viewable = restrict(Article.objects.all(), user, "view")
    edit_scope = access_for(user).scope("article", "edit")
    if edit_scope == ALL:
        return viewable
    not_draft = ~Q(status=Article.Status.DRAFT)
    if edit_scope == NONE:
        return viewable.filter(not_draft)
    editable = restrict(Article.objects.all(), user, "edit").values("pk")
    return viewable.filter(not_draft | Q(pk__in=editable))


def language_versions() -> Prefetch:
    """Prefetch of an article's versions without their text, as ``language_versions``:
    which languages it is written and published in."""
    return Prefetch(
        "versions",
        queryset=ArticleVersion.objects.only("id", "article_id", "language", "published").order_by(
            "language", "number"
        ),
        to_attr="language_versions",
    )


def article_list(*, user: Any, filters: Any = None) -> QuerySet[Article]:
    qs = visible_articles(user).select_related("category", "owner", "team")
    return apply_filters(ArticleFilter, filters, qs)


def article_get(*, user: Any, pk: Any, action: str = "view") -> Article:
    """One article: 404 when the user may not see it, 403 when they may see it but not
    ``action`` it."""
    return obtain(
        visible_articles(user).select_related("category", "owner", "team").prefetch_related("tags"),
        user,
        pk,
        action,
    )


def shows_drafts(user: Any, article: Article) -> bool:
    return can(user, "edit", article)


def current_published(versions: QuerySet[ArticleVersion]) -> QuerySet[ArticleVersion]:
    """The versions of ``versions`` that are the current one of their language:
    published, with no newer published version of the same language."""
    newer = ArticleVersion.objects.filter(
        article=OuterRef("article"),
        language=OuterRef("language"),
        published=True,
        number__gt=OuterRef("number"),
    )
    return versions.filter(~Exists(newer), published=True)


@dataclass
class Line:
    """One language of an article as a user may read it: the current (published)
    version, the newest version when it is a draft the user may see, and the versions."""

    language: str
    current: ArticleVersion | None
    draft: ArticleVersion | None
    versions: list[ArticleVersion]


def article_lines(*, user: Any, article: Article) -> dict[str, Line]:
    """Per language (in the installation's order), what ``user`` may read of
    ``article``; languages with nothing for them are left out. One query."""
    drafts = shows_drafts(user, article)
    versions = ArticleVersion.objects.filter(article=article).select_related("author")
    if not drafts:
        versions = versions.filter(published=True)
    by_language: dict[str, list[ArticleVersion]] = {}
    for version in versions.defer("body", "html").order_by("-number"):
        by_language.setdefault(version.language, []).append(version)
    lines: dict[str, Line] = {}
    for language in language_codes():
        found = by_language.get(language)
        if not found:
            continue
        current = next((v for v in found if v.published), None)
        draft = found[0] if not found[0].published else None
        lines[language] = Line(language, current, draft, found)
    return lines


def user_language(request_language: str | None = None) -> str:
    return ((request_language or translation.get_language() or settings.LANGUAGE_CODE)[:2]).lower()


def pick_language(lines: dict[str, Line], wanted: str, original: str) -> str | None:
    """The language to show: ``wanted`` when the article has it, else the site's
    language, else the article's original language, else the first there is."""
    for language in (wanted, settings.LANGUAGE_CODE[:2], original, *lines):
        if language in lines:
            return language
    return None


def version_get(*, user: Any, article: Article, language: str, number: int) -> ArticleVersion:
    """One version of an article the user may see (a draft only for who may edit)."""
    versions = ArticleVersion.objects.filter(article=article, language=language, number=number)
    if not shows_drafts(user, article):
        versions = versions.filter(published=True)
    version = versions.select_related("author", "restored_from").first()
    if version is None:
        raise Http404
    return version


def version_get_by_id(*, user: Any, article: Article, pk: Any) -> ArticleVersion:
    try:
        found = ArticleVersion.objects.filter(article=article, pk=int(pk)).first()
    except (TypeError, ValueError):
        found = None
    if found is None:
        raise Http404
    return version_get(user=user, article=article, language=found.language, number=found.number)


def category_list(*, user: Any) -> QuerySet[ArticleCategory]:
    """The categories, for whoever may see articles."""
    if not can(user, "view", "article"):
        return ArticleCategory.objects.none()
    return ArticleCategory.objects.select_related("parent")


def category_get(*, user: Any, pk: Any) -> ArticleCategory:
    try:
        found = category_list(user=user).filter(pk=int(pk)).first()
    except (TypeError, ValueError):
        found = None
    if found is None:
        raise Http404
    return found


def category_tree(*, user: Any) -> list[tuple[ArticleCategory, int]]:
    """The categories in tree order with their depth (for selects and the settings
    page)."""
    categories = list(category_list(user=user))
    children: dict[int | None, list[ArticleCategory]] = {}
    for category in categories:
        children.setdefault(category.parent_id, []).append(category)
    out: list[tuple[ArticleCategory, int]] = []

    def walk(parent: int | None, depth: int) -> None:
        for category in children.get(parent, []):
            if any(category is seen for seen, _depth in out):
                continue
            out.append((category, depth))
            walk(category.pk, depth + 1)

    walk(None, 0)
    return out


# --- The customer portal ---------------------------------------------------------------


@dataclass(frozen=True)
class PublicArticle:
    """What the portal may show of an article: no owner, team, author, tags, drafts or
    internal notes."""

    slug: str
    language: str
    title: str
    html: str
    category: str
    published_at: datetime.datetime | None
    fallback: bool  # not in the language asked for: shown in another one


def _public_versions() -> QuerySet[ArticleVersion]:
    return (
        current_published(ArticleVersion.objects.all())
        .filter(
            article__visibility=Article.Visibility.PUBLIC,
            article__status=Article.Status.PUBLISHED,
            article__is_confidential=False,
        )
        .select_related("article__category")
    )


def _pick_public(
    versions: list[ArticleVersion], language: str, fallback: bool
) -> list[PublicArticle]:
    by_article: dict[int, dict[str, ArticleVersion]] = {}
    for version in versions:
        by_article.setdefault(version.article_id, {})[version.language] = version
    out = []
    for found in by_article.values():
        any_version = next(iter(found.values()))
        original = any_version.article.language
        chosen = found.get(language)
        if chosen is None and fallback:
            for other in (settings.LANGUAGE_CODE[:2], original, *language_codes()):
                if other in found:
                    chosen = found[other]
                    break
        if chosen is None:
            continue
        category = chosen.article.category
        out.append(
            PublicArticle(
                slug=chosen.article.slug,
                language=chosen.language,
                title=chosen.title,
                html=chosen.html,
                category=category.name if category is not None else "",
                published_at=chosen.published_at,
                fallback=chosen.language != language,
            )
        )
    return sorted(out, key=lambda a: (a.title.casefold(), a.slug))


def public_articles(
    *, language: str, category: ArticleCategory | None = None, fallback: bool = True
) -> list[PublicArticle]:
    """The public, published articles for the customer portal, each in ``language`` (or,
    with ``fallback``, in another language when it has none in ``language``), sorted by
    title. Only the current published version of each language is read: a draft or an
    older version never reaches the portal, nor does an internal, archived or
    confidential article. One query."""
    versions = _public_versions()
    if category is not None:
        versions = versions.filter(article__category=category)
    if not fallback:
        versions = versions.filter(language=language)
    return _pick_public(list(versions), language, fallback)


def public_article(*, slug: str, language: str, fallback: bool = True) -> PublicArticle | None:
    """One public article by its slug, as ``public_articles`` shows it (None when it is
    not public and published)."""
    found = _pick_public(list(_public_versions().filter(article__slug=slug)), language, fallback)
    return found[0] if found else None
