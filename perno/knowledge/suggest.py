"""Articles suggested for a text (a case's subject and description).

The text's words (``terms.query_terms``: at most 32, read from its first 20,000
characters, common words left out) are matched against the weighted words of the current
published version of each language of every published article the user may see
(``ArticleTerm``, kept by the services when a version is published). Each matching word
counts its weight in the version times its rarity among those versions (BM25's inverse
document frequency), so "stampante" in a case about a printer outweighs "problema". A
version in the language asked for counts a quarter more; each article is suggested once,
in its best-scoring version.

Two queries whatever the size of the knowledge base: the rarity of the words (over the
versions the user may see), then the best versions with their scores."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    FilteredRelation,
    FloatField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)

from perno.accounts.permissions import restrict
from perno.knowledge.models import Article, ArticleTerm, ArticleVersion, language_codes
from perno.knowledge.rendering import text_of
from perno.knowledge.selectors import current_published
from perno.knowledge.terms import query_terms

MAX_LIMIT = 20
SAME_LANGUAGE = 1.25
SNIPPET_CHARS = 240


@dataclass(frozen=True)
class Suggestion:
    article: Article
    version: ArticleVersion  # the current published version it is suggested in
    score: float

    @property
    def title(self) -> str:
        return self.version.title

    @property
    def language(self) -> str:
        return self.version.language

    @property
    def url(self) -> str:
        return f"{self.article.get_absolute_url()}?lang={self.version.language}"

    @property
    def snippet(self) -> str:
        """The start of the text, plain (to be escaped where it is shown)."""
        text = text_of(self.version.html)
        if len(text) <= SNIPPET_CHARS:
            return text
        return text[: SNIPPET_CHARS - 1].rsplit(" ", 1)[0] + "…"


def _rarity(total: int, holding: int) -> float:
    """BM25's inverse document frequency: high for a word few versions hold."""
    return math.log(1 + (total - holding + 0.5) / (holding + 0.5))


def suggest_for_text(*, user: Any, text: str, language: str, limit: int = 5) -> list[Suggestion]:
    """The published articles ``user`` may see that best match ``text``, best first (at
    most ``limit``, up to 20). Drafts, archived articles and articles outside the user's
    rights are never suggested. A text without a meaningful word suggests nothing."""
    terms = query_terms(text or "")
    if not terms:
        return []
    size = max(1, min(int(limit), MAX_LIMIT))
    visible = restrict(Article.objects.filter(status=Article.Status.PUBLISHED), user, "view")
    current = current_published(ArticleVersion.objects.filter(article__in=visible.values("pk")))
    counts = current.annotate(
        hit=FilteredRelation("terms", condition=Q(terms__term__in=terms))
    ).aggregate(
        versions=Count("id", distinct=True),
        **{f"t{i}": Count("hit__id", filter=Q(hit__term=term)) for i, term in enumerate(terms)},
    )
    total = int(counts.get("versions") or 0)
    weights = {
        term: _rarity(total, int(counts[f"t{i}"]))
        for i, term in enumerate(terms)
        if counts.get(f"t{i}")
    }
    if not weights:
        return []
    rarity = Case(
        *[When(term=term, then=Value(weight)) for term, weight in weights.items()],
        default=Value(0.0),
        output_field=FloatField(),
    )
    matching = ArticleTerm.objects.filter(version=OuterRef("pk"), term__in=list(weights))
    score = (
        matching.values("version")
        .annotate(total=Sum(F("weight") * rarity, output_field=FloatField()))
        .values("total")
    )
    candidates = (
        ArticleVersion.objects.filter(Exists(matching), article__in=visible.values("pk"))
        .annotate(score=Subquery(score, output_field=FloatField()))
        .select_related("article", "article__category")
        .defer("body")
        .order_by("-score", "id")[: size * len(language_codes())]
    )
    best: dict[int, Suggestion] = {}
    for version in candidates:
        value = float(version.score or 0) * (SAME_LANGUAGE if version.language == language else 1)
        known = best.get(version.article_id)
        if known is None or value > known.score:
            best[version.article_id] = Suggestion(version.article, version, round(value, 4))
    ranked = sorted(best.values(), key=lambda s: (-s.score, s.title.casefold(), s.article.pk))
    return ranked[:size]
