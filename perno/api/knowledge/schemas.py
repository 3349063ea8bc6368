from __future__ import annotations

import datetime
from typing import Any

from ninja import Schema
from pydantic import Field

from perno.api.common import RecordOut, UserRef
from perno.api.inputs import InputSchema


class ArticleCategoryOut(Schema):
    id: int
    name: str
    parent_id: int | None
    position: int


class ArticleCategoryIn(InputSchema):
    name: str = ""
    parent_id: int | None = None
    position: int = Field(0, ge=0, le=10_000)


class ArticleCategoryPatch(InputSchema):
    name: str | None = None
    parent_id: int | None = None
    position: int | None = Field(None, ge=0, le=10_000)


class CategoryRef(Schema):
    id: int
    name: str


class ArticleOut(RecordOut):
    slug: str
    title: str = Field(..., description="The title the article is listed under.")
    category: CategoryRef | None
    visibility: str
    status: str
    language: str = Field(..., description="The article's original language.")
    published_at: datetime.datetime | None
    published_languages: list[str] = Field(
        [], description="The languages the article is published in."
    )

    @staticmethod
    def resolve_published_languages(obj: Any) -> list[str]:
        versions = getattr(obj, "language_versions", None)
        if versions is None:
            return []
        return sorted({v.language for v in versions if v.published})


class VersionSummaryOut(Schema):
    id: int
    language: str
    number: int
    title: str
    format: str
    note: str
    author: UserRef | None
    created_at: datetime.datetime
    published: bool
    published_at: datetime.datetime | None
    restored_from_id: int | None


class VersionOut(VersionSummaryOut):
    body: str = Field(..., description="The text as written (Markdown or plain text).")
    html: str = Field(..., description="The text rendered and sanitised.")


class LineOut(Schema):
    language: str
    current: int | None = Field(None, description="The number of the published version.")
    draft: int | None = Field(
        None, description="The number of a newer unpublished version (editors only)."
    )


class ArticleDetailOut(ArticleOut):
    lines: list[LineOut]
    content: VersionOut | None = Field(
        None, description="The version shown: the current one in the language asked for."
    )
    fallback: bool = Field(
        False, description="True when the article is not in the language asked for."
    )


class ArticleIn(InputSchema):
    title: str = ""
    body: str = ""
    language: str = Field("", description="it, ro or en (the installation's languages).")
    format: str = Field("markdown", description="markdown or text.")
    note: str = ""
    slug: str = Field("", description="Made from the title when left out; never changes.")
    category_id: int | None = None
    visibility: str = Field("internal", description="internal or public.")
    is_confidential: bool = False
    owner_id: int | None = None
    team_id: int | None = None
    tags: list[str] = []
    publish: bool = False


class ArticlePatch(InputSchema):
    version: int | None = None
    category_id: int | None = None
    visibility: str | None = None
    is_confidential: bool | None = None
    owner_id: int | None = None
    team_id: int | None = None
    tags: list[str] | None = None
    language: str | None = Field(
        None, description="The language of the new version (with title, body, format, note)."
    )
    title: str | None = None
    body: str | None = None
    format: str | None = None
    note: str | None = None
    publish: bool = Field(False, description="Publish the new version (or the language's draft).")


class PublishIn(InputSchema):
    language: str | None = None
    number: int | None = Field(None, ge=1, description="A version of ``language``.")
    version: int | None = Field(None, description="The article's version you started from.")


class RestoreIn(InputSchema):
    publish: bool = False
    version: int | None = None


class SuggestionOut(Schema):
    article_id: int
    slug: str
    title: str
    language: str
    score: float
    url: str
    snippet: str
    visibility: str
