"""The knowledge base API: articles, their versions per language, publishing, categories,
and the articles suggested for a text."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from perno.accounts.models import Team, User
from perno.accounts.permissions import check
from perno.api.common import (
    ERRORS,
    WRITE_ERRORS,
    PageParams,
    expected_version,
    filter_schema,
    page_schema,
    paged,
    refuse_nulls,
    resolve_ids,
    shown,
)
from perno.api.errors import CONFLICT_SERIALIZERS
from perno.api.inputs import InputSchema
from perno.api.knowledge.schemas import (
    ArticleCategoryIn,
    ArticleCategoryOut,
    ArticleCategoryPatch,
    ArticleDetailOut,
    ArticleIn,
    ArticleOut,
    ArticlePatch,
    LineOut,
    PublishIn,
    RestoreIn,
    SuggestionOut,
    VersionOut,
    VersionSummaryOut,
)
from perno.knowledge import categories, selectors, services
from perno.knowledge.filters import ArticleFilter
from perno.knowledge.models import Article, ArticleCategory, ArticleVersion
from perno.knowledge.suggest import suggest_for_text

router = Router(tags=["knowledge base"])
if TYPE_CHECKING:
    ArticleQuery = Schema
else:
    ArticleQuery = filter_schema(ArticleFilter, "ArticleQuery")
LINKS = {"owner_id": User, "team_id": Team}
CONFLICT_SERIALIZERS[Article] = lambda obj: ArticleOut.from_orm(obj).model_dump(mode="json")


class LanguageQuery(InputSchema):
    language: str = Field("", description="it, ro or en; default: the language of the request.")


class SuggestQuery(InputSchema):
    text: str = Field("", description="A case's subject and description (20,000 characters read).")
    language: str = Field("", description="The case's language; default: the request's.")
    limit: int = Field(5, ge=1, le=20)


def _category(user: Any, pk: int | None, field: str = "category_id") -> ArticleCategory | None:
    if pk is None:
        return None
    found = selectors.category_list(user=user).filter(pk=pk).first()
    if found is None:
        raise ValidationError(
            {field: [_("No category with id %(id)s (or you may not see it).") % {"id": pk}]}
        )
    return found


def _details(user: Any, raw: dict[str, Any]) -> dict[str, Any]:
    fields = ("visibility", "is_confidential", "owner_id", "team_id")
    picked: dict[str, Any] = {k: raw[k] for k in fields if k in raw}
    data = resolve_ids(user, picked, LINKS)
    if "category_id" in raw:
        data["category"] = _category(user, raw["category_id"])
    return data


def _detail(request: HttpRequest, article: Article, language: str) -> dict[str, Any]:
    lines = selectors.article_lines(user=request.user, article=article)
    wanted = language or selectors.user_language()
    chosen = selectors.pick_language(lines, wanted, article.language)
    content = None
    if chosen is not None:
        line = lines[chosen]
        shown = line.current or line.draft
        if shown is not None:
            content = selectors.version_get(
                user=request.user, article=article, language=chosen, number=shown.number
            )
    article.language_versions = [v for line in lines.values() for v in line.versions]  # type: ignore[attr-defined]
    out = ArticleOut.from_orm(article).model_dump()
    out["lines"] = [
        LineOut(
            language=code,
            current=line.current.number if line.current else None,
            draft=line.draft.number if line.draft else None,
        )
        for code, line in lines.items()
    ]
    out["content"] = content
    out["fallback"] = chosen is not None and chosen != wanted
    return out


def _shown(request: HttpRequest, article_id: int, action: str = "view") -> Article:
    return shown(selectors.article_get, request, article_id, action)


@router.get(
    "/knowledge/articles",
    response={200: page_schema(ArticleOut), **ERRORS},
    summary="List knowledge-base articles",
)
def article_list(
    request: HttpRequest, filters: Query[ArticleQuery], params: Query[PageParams]
) -> Any:
    queryset = selectors.article_list(user=request.user, filters=filters.dict(exclude_none=True))
    return paged(queryset.prefetch_related("tags", selectors.language_versions()), params, request)


@router.post(
    "/knowledge/articles",
    response={201: ArticleDetailOut, **WRITE_ERRORS},
    summary="Write an article (its first version)",
)
def article_create(request: HttpRequest, payload: ArticleIn) -> Any:
    raw = payload.dict()
    content = {k: raw[k] for k in ("language", "title", "body", "note")}
    try:
        details = _details(request.user, raw)
    except ValidationError as exc:  # every field error at once
        errors = exc.message_dict
        errors.update(services.content_errors(fmt=raw["format"], **content))
        raise ValidationError(errors) from None
    article = services.article_create(
        actor=request.user,
        data=details,
        language=raw["language"],
        title=raw["title"],
        body=raw["body"],
        fmt=raw["format"],
        note=raw["note"],
        slug=raw["slug"],
        tags=raw["tags"],
        publish=raw["publish"],
    )
    return Status(201, _detail(request, _shown(request, article.pk), raw["language"]))


@router.get(
    "/knowledge/articles/{article_id}",
    response={200: ArticleDetailOut, **ERRORS},
    summary="Get an article in a language",
)
def article_get(request: HttpRequest, article_id: int, query: Query[LanguageQuery]) -> Any:
    return _detail(request, _shown(request, article_id), query.language)


CONTENT = ("language", "title", "body", "format", "note")


@router.patch(
    "/knowledge/articles/{article_id}",
    response={200: ArticleDetailOut, **WRITE_ERRORS},
    summary="Change an article, or write a new version of one language",
)
def article_update(request: HttpRequest, article_id: int, payload: ArticlePatch) -> Any:
    article = _shown(request, article_id, "edit")
    raw = payload.dict(exclude_unset=True)
    version = expected_version(request, raw.get("version"))
    refuse_nulls(raw, ("visibility", "is_confidential", *CONTENT))
    publish = bool(raw.get("publish"))
    language = raw.get("language")
    with transaction.atomic():
        details = _details(request.user, raw)
        if details or "tags" in raw:
            article = services.article_update(
                actor=request.user,
                article=article,
                data=details,
                expected_version=version,
                tags=raw.get("tags"),
            )
            version = article.version
        if any(key in raw for key in ("title", "body", "format", "note")):
            if not language:
                raise ValidationError(
                    {"language": [_("Say which language the new version is in (it, ro, en).")]}
                )
            newest = (
                ArticleVersion.objects.filter(article=article, language=language)
                .order_by("-number")
                .first()
            )
            services.article_revise(
                actor=request.user,
                article=article,
                language=language,
                title=raw.get("title", newest.title if newest else ""),
                body=raw.get("body", newest.body if newest else ""),
                fmt=raw.get("format", newest.format if newest else "markdown"),
                note=raw.get("note", ""),
                expected_version=version,
                publish=publish,
            )
        elif publish:
            services.article_publish(
                actor=request.user, article=article, language=language, expected_version=version
            )
    article = selectors.article_get(user=request.user, pk=article_id)
    return _detail(request, article, language or "")


@router.delete(
    "/knowledge/articles/{article_id}",
    response={204: None, **ERRORS},
    summary="Delete an article with its versions",
)
def article_delete(request: HttpRequest, article_id: int) -> Any:
    services.article_delete(actor=request.user, article=_shown(request, article_id, "delete"))
    return Status(204, None)


@router.post(
    "/knowledge/articles/{article_id}/publish",
    response={200: ArticleDetailOut, **WRITE_ERRORS},
    summary="Publish the newest drafts (of one language, or one version)",
)
def article_publish(request: HttpRequest, article_id: int, payload: PublishIn) -> Any:
    article = _shown(request, article_id, "edit")
    services.article_publish(
        actor=request.user,
        article=article,
        language=payload.language,
        number=payload.number,
        expected_version=expected_version(request, payload.version),
    )
    return _detail(
        request, selectors.article_get(user=request.user, pk=article_id), payload.language or ""
    )


@router.post(
    "/knowledge/articles/{article_id}/archive",
    response={200: ArticleDetailOut, **WRITE_ERRORS},
    summary="Archive an article (out of the search, the suggestions and the portal)",
)
def article_archive(request: HttpRequest, article_id: int) -> Any:
    article = _shown(request, article_id, "edit")
    services.article_archive(
        actor=request.user, article=article, expected_version=expected_version(request, None)
    )
    return _detail(request, selectors.article_get(user=request.user, pk=article_id), "")


@router.get(
    "/knowledge/articles/{article_id}/versions",
    response={200: list[VersionSummaryOut], **ERRORS},
    summary="The versions of an article (drafts for editors only)",
)
def version_list(request: HttpRequest, article_id: int, query: Query[LanguageQuery]) -> Any:
    article = _shown(request, article_id)
    lines = selectors.article_lines(user=request.user, article=article)
    return [
        version
        for code, line in lines.items()
        if not query.language or code == query.language
        for version in line.versions
    ]


@router.get(
    "/knowledge/articles/{article_id}/versions/{version_id}",
    response={200: VersionOut, **ERRORS},
    summary="One version of an article, with its text",
)
def version_get(request: HttpRequest, article_id: int, version_id: int) -> Any:
    article = _shown(request, article_id)
    return selectors.version_get_by_id(user=request.user, article=article, pk=version_id)


@router.post(
    "/knowledge/articles/{article_id}/versions/{version_id}/restore",
    response={201: VersionOut, **WRITE_ERRORS},
    summary="Restore a version: a new version with its text",
)
def version_restore(
    request: HttpRequest, article_id: int, version_id: int, payload: RestoreIn
) -> Any:
    article = _shown(request, article_id, "edit")
    old = selectors.version_get_by_id(user=request.user, article=article, pk=version_id)
    restored = services.version_restore(
        actor=request.user,
        article=article,
        version=old,
        publish=payload.publish,
        expected_version=expected_version(request, payload.version),
    )
    return Status(201, restored)


@router.get(
    "/knowledge/categories",
    response={200: list[ArticleCategoryOut], **ERRORS},
    summary="The categories of articles",
)
def category_list(request: HttpRequest) -> Any:
    return [category for category, _depth in selectors.category_tree(user=request.user)]


@router.post(
    "/knowledge/categories",
    response={201: ArticleCategoryOut, **WRITE_ERRORS},
    summary="Add a category",
)
def category_create(request: HttpRequest, payload: ArticleCategoryIn) -> Any:
    data = payload.dict()
    data["parent"] = _category(request.user, data.pop("parent_id"), "parent_id")
    return Status(201, categories.category_create(actor=request.user, data=data))


@router.patch(
    "/knowledge/categories/{category_id}",
    response={200: ArticleCategoryOut, **WRITE_ERRORS},
    summary="Rename or move a category",
)
def category_update(request: HttpRequest, category_id: int, payload: ArticleCategoryPatch) -> Any:
    check(request.user, "create", "article")  # who arranges categories, before the look-up
    category = selectors.category_get(user=request.user, pk=category_id)
    data = payload.dict(exclude_unset=True)
    refuse_nulls(data, ("name", "position"))
    if "parent_id" in data:
        data["parent"] = _category(request.user, data.pop("parent_id"), "parent_id")
    return categories.category_update(actor=request.user, category=category, data=data)


@router.delete(
    "/knowledge/categories/{category_id}",
    response={204: None, **ERRORS},
    summary="Delete a category (its articles stay, without a category)",
)
def category_delete(request: HttpRequest, category_id: int) -> Any:
    check(request.user, "create", "article")
    category = selectors.category_get(user=request.user, pk=category_id)
    categories.category_delete(actor=request.user, category=category)
    return Status(204, None)


@router.get(
    "/knowledge/suggest",
    response={200: list[SuggestionOut], **ERRORS},
    summary="Articles for a text (a case's subject and description)",
)
def suggest(request: HttpRequest, query: Query[SuggestQuery]) -> Any:
    found = suggest_for_text(
        user=request.user,
        text=query.text,
        language=query.language or selectors.user_language(),
        limit=query.limit,
    )
    return [
        SuggestionOut(
            article_id=s.article.pk,
            slug=s.article.slug,
            title=s.title,
            language=s.language,
            score=s.score,
            url=s.url,
            snippet=s.snippet,
            visibility=s.article.visibility,
        )
        for s in found
    ]
