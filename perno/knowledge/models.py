"""The knowledge base: categories, articles (records with an owner and a team, so the gate
and the role matrix apply) and their versions, one line of versions per language.

A version is written once: its title, body and rendered HTML never change afterwards.
Publishing is the only later change (the ``published`` flag, set once), made by the
services with a conditional update. Editing an article adds a version; restoring an old
one adds a version with the old text. The current version of a language is the newest
published one; a newer unpublished version is a draft, seen only by who may edit the
article."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from perno.records.models import RecordModel, TimeStampedModel

# Every knowledge base has at least these; the languages of the installation come first.
BASE_LANGUAGES: dict[str, Any] = {"it": _("Italian"), "ro": _("Romanian"), "en": _("English")}


def language_choices() -> list[tuple[str, Any]]:
    """The languages of articles: those of ``settings.LANGUAGES``, plus Italian, Romanian
    and English when the settings lack them."""
    found: list[tuple[str, Any]] = [(code, name) for code, name in settings.LANGUAGES]
    known = {code for code, _name in found}
    found += [(code, name) for code, name in BASE_LANGUAGES.items() if code not in known]
    return found


def language_codes() -> list[str]:
    return [code for code, _name in language_choices()]


class ArticleCategory(TimeStampedModel):
    """A category of articles; categories nest (a parent is optional)."""

    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "name", "id"]
        verbose_name = _("article category")
        verbose_name_plural = _("article categories")

    def __str__(self) -> str:
        return self.name


class Article(RecordModel):
    """A knowledge-base article. Its text lives in its versions; ``title`` is the title
    it is listed under (see ``services.listed_title``)."""

    class Visibility(models.TextChoices):
        INTERNAL = "internal", _("Internal")
        PUBLIC = "public", _("Public")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        ARCHIVED = "archived", _("Archived")

    slug = models.SlugField(
        _("slug"),
        max_length=120,
        unique=True,
        help_text=_("The article's address; it never changes, so links keep working."),
    )
    title = models.CharField(_("title"), max_length=200)
    category = models.ForeignKey(
        ArticleCategory,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="articles",
    )
    visibility = models.CharField(
        _("visibility"),
        max_length=10,
        choices=Visibility.choices,
        default=Visibility.INTERNAL,
        help_text=_(
            "Internal articles are for colleagues; public ones may also be shown to customers."
        ),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    language = models.CharField(
        _("original language"), max_length=8, choices=language_choices, default="it"
    )
    published_at = models.DateTimeField(_("first published"), null=True, blank=True)

    class Meta:
        ordering = ["title", "id"]
        indexes = [
            models.Index(fields=["title", "id"], name="article_title_idx"),
            models.Index(fields=["updated_at", "id"], name="article_updated_idx"),
            models.Index(fields=["status", "visibility"], name="article_status_idx"),
        ]
        verbose_name = _("article")
        verbose_name_plural = _("articles")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("knowledge:article_detail", args=[self.pk])


class ArticleVersion(models.Model):
    """One version of an article in one language: written once, never changed (but for
    being published)."""

    class Format(models.TextChoices):
        MARKDOWN = "markdown", _("Markdown")
        TEXT = "text", _("Plain text")

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="versions")
    language = models.CharField(_("language"), max_length=8, choices=language_choices)
    number = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    format = models.CharField(
        _("format"), max_length=10, choices=Format.choices, default=Format.MARKDOWN
    )
    html = models.TextField(editable=False, blank=True)  # the body rendered and sanitised
    note = models.CharField(_("what changed"), max_length=200, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    restored_from = models.ForeignKey(
        "self",
        verbose_name=_("restored from"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    published = models.BooleanField(_("published"), default=False)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)

    class Meta:
        ordering = ["language", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["article", "language", "number"], name="article_version_number_uniq"
            )
        ]
        indexes = [
            models.Index(
                fields=["article", "language", "published", "number"],
                name="article_version_line_idx",
            )
        ]
        verbose_name = _("article version")
        verbose_name_plural = _("article versions")

    def __str__(self) -> str:
        return f"{self.title} ({self.language} {self.number})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValidationError(
                _("A version is never changed once written: save a new version instead.")
            )
        super().save(*args, **kwargs)


class ArticleTerm(models.Model):
    """The weighted words of the current published version of each language of an
    article: what ``suggest.suggest_for_text`` matches a case's text against. Derived
    data, rewritten when a version is published."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")
    version = models.ForeignKey(ArticleVersion, on_delete=models.CASCADE, related_name="terms")
    term = models.CharField(max_length=64)
    weight = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["version", "term"], name="article_term_uniq")
        ]
        indexes = [models.Index(fields=["term", "article"], name="article_term_idx")]

    def __str__(self) -> str:
        return f"{self.term} ×{self.weight}"
