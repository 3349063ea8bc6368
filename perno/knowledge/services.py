"""Every write to articles and their versions. Each runs in one transaction that takes
the audit chain's lock before its first row lock (``records.services.record_lock``),
writes the change history and keeps the search index and the suggestion words in step.

- ``article_create``: the article and its first version (a draft, or published);
- ``article_update``: category, visibility, owner, team, confidentiality, tags;
- ``article_revise``: a new version of one language (editing never changes a version);
- ``article_publish`` / ``article_archive``;
- ``version_restore``: a new version with an old version's text;
- ``article_delete``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from perno.accounts.permissions import check
from perno.audit.models import ChangeEntry
from perno.audit.services import change_record
from perno.core.diffs import diff, snapshot
from perno.core.exceptions import ConflictError
from perno.core.inputs import text_problem
from perno.knowledge.models import Article, ArticleTerm, ArticleVersion, language_codes
from perno.knowledge.rendering import render
from perno.knowledge.terms import article_terms
from perno.records.services import (
    record_create,
    record_delete,
    record_lock,
    record_update,
    reject_unknown_fields,
    tags_from_names,
)
from perno.search import indexing

ARTICLE_FIELDS = {"category", "visibility", "owner", "team", "is_confidential"}
MAX_TITLE = 200
MAX_BODY = 100_000
MAX_NOTE = 200
MAX_SLUG = 120
# The article fields a content change may alter (their change shows in the history).
TOUCHED = ["title", "status", "published_at", "language"]


def content_errors(
    *, language: str, title: str, body: str, fmt: str, note: str = ""
) -> dict[str, list[str]]:
    """What is wrong with a version's content, per field (empty when nothing is)."""
    errors: dict[str, list[str]] = {}
    codes = language_codes()
    if language not in codes:
        errors["language"] = [
            _("Unknown language “%(value)s”; use one of: %(known)s.")
            % {"value": str(language)[:20], "known": ", ".join(codes)}
        ]
    if not title.strip():
        errors["title"] = [_("Give the article a title.")]
    elif len(title.strip()) > MAX_TITLE:
        errors["title"] = [
            _("A title may be at most %(max)s characters; this one has %(n)s.")
            % {"max": MAX_TITLE, "n": len(title.strip())}
        ]
    if len(body) > MAX_BODY:
        errors["body"] = [
            _(
                "The text may be at most %(max)s characters; this one has %(n)s. Split it into several articles."
            )
            % {"max": f"{MAX_BODY:,}", "n": f"{len(body):,}"}
        ]
    if fmt not in ArticleVersion.Format.values:
        errors["format"] = [
            _("Unknown format “%(value)s”; use one of: %(known)s.")
            % {"value": str(fmt)[:20], "known": ", ".join(ArticleVersion.Format.values)}
        ]
    if len(note) > MAX_NOTE:
        errors["note"] = [
            _("Describe the change in at most %(max)s characters.") % {"max": MAX_NOTE}
        ]
    for name, value in (("title", title), ("body", body), ("note", note)):
        problem = text_problem(value)
        if problem and name not in errors:
            errors[name] = [problem]
    return errors


def _unique_slug(title: str) -> str:
    """A slug made from ``title``, with a number added when it is taken."""
    base = slugify(title)[: MAX_SLUG - 8].strip("-") or "article"
    taken = set(Article.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    if base not in taken:
        return base
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"


def _slug_errors(slug: str) -> dict[str, list[str]]:
    if not slug:
        return {}
    try:
        validate_slug(slug)
    except ValidationError:
        return {
            "slug": [
                _(
                    "Use only letters, numbers, hyphens and underscores in the slug, e.g. “reset-password”."
                )
            ]
        }
    if len(slug) > MAX_SLUG:
        return {"slug": [_("A slug may be at most %(max)s characters.") % {"max": MAX_SLUG}]}
    if Article.objects.filter(slug=slug).exists():
        return {"slug": [_("Another article already has the slug “%(slug)s”.") % {"slug": slug}]}
    return {}


def listed_title(article: Article) -> str:
    """The title an article is listed under: its current version in its original
    language, else a current version in another language, else its newest draft."""
    versions = list(
        ArticleVersion.objects.filter(article=article)
        .order_by("-number", "id")
        .only("id", "language", "number", "title", "published")
    )
    order = [article.language, *(c for c in language_codes() if c != article.language)]
    for published in (True, False):
        for language in order:
            for version in versions:
                if version.language == language and version.published == published:
                    return version.title
    return article.title


def _add_version(
    *,
    actor: Any,
    article: Article,
    language: str,
    title: str,
    body: str,
    fmt: str,
    note: str,
    restored_from: ArticleVersion | None = None,
) -> ArticleVersion:
    """A new version at the end of ``language``'s line (the article row is locked)."""
    last = ArticleVersion.objects.filter(article=article, language=language).aggregate(
        n=Max("number")
    )["n"]
    version = ArticleVersion(
        article=article,
        language=language,
        number=(last or 0) + 1,
        title=title.strip(),
        body=body,
        format=fmt,
        html=render(body, fmt),
        note=note.strip(),
        author=actor if getattr(actor, "pk", None) else None,
        restored_from=restored_from,
    )
    version.full_clean()
    version.save()
    return version


def _publish_versions(article: Article, versions: Iterable[ArticleVersion]) -> list[str]:
    """Publish ``versions`` (each the newest of its language) and give suggestions their
    words; returns "language number" of each."""
    now = timezone.now()
    done = []
    for version in versions:
        ArticleVersion.objects.filter(pk=version.pk, published=False).update(
            published=True, published_at=now
        )
        version.published, version.published_at = True, now
        ArticleTerm.objects.filter(article=article, version__language=version.language).delete()
        ArticleTerm.objects.bulk_create(
            ArticleTerm(article=article, version=version, term=term, weight=weight)
            for term, weight in article_terms(version.title, version.body).items()
        )
        done.append(f"{version.language} {version.number}")
    if done and article.status != Article.Status.PUBLISHED:
        article.status = Article.Status.PUBLISHED
    if done and article.published_at is None:
        article.published_at = now
    return done


def _touch(actor: Any, locked: Article, changes: dict[str, list[Any]]) -> Article:
    """Save the locked article after a content change: its listed title, a new record
    version, the search entry and one history entry with ``changes``."""
    before = snapshot(locked, TOUCHED)
    locked.title = listed_title(locked)
    locked.full_clean()
    locked.version += 1
    locked.save()
    indexing.saved(locked)
    change_record(
        actor=actor,
        instance=locked,
        action=ChangeEntry.Action.UPDATE,
        changes={**diff(before, snapshot(locked, TOUCHED)), **changes},
    )
    return locked


def _locked(actor: Any, article: Article, expected_version: int | None) -> Article:
    locked = record_lock(Article, article.pk)
    check(actor, "edit", locked)
    if expected_version is not None and locked.version != expected_version:
        raise ConflictError(
            _(
                "Someone else changed this article while you were editing it (your version %(mine)s, stored version %(theirs)s). Review the stored article and apply your changes again."
            )
            % {"mine": expected_version, "theirs": locked.version},
            current=locked,
            current_version=locked.version,
        )
    return locked


def article_create(
    *,
    actor: Any,
    data: dict[str, Any],
    language: str,
    title: str,
    body: str = "",
    fmt: str = ArticleVersion.Format.MARKDOWN,
    note: str = "",
    slug: str = "",
    tags: Iterable[str] | None = None,
    publish: bool = False,
) -> Article:
    """A new article with its first version (in ``language``), published at once when
    ``publish``. Every field error is reported at once; nothing is written then."""
    reject_unknown_fields(data, ARTICLE_FIELDS)
    title, body, note, slug = title or "", body or "", note or "", (slug or "").strip()
    article = Article(**{k: v for k, v in data.items() if v is not None})
    article.language, article.title = language, title.strip()[:MAX_TITLE]
    check(actor, "create", "article")  # the record itself is checked when it is written
    errors = content_errors(language=language, title=title, body=body, fmt=fmt, note=note)
    errors.update(_slug_errors(slug))
    article.slug = slug or "pending"
    try:
        article.full_clean(exclude=["slug", "title", "language", "owner", "team"])
    except ValidationError as exc:
        for key, messages in exc.message_dict.items():
            errors.setdefault(key, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        article.slug = slug or _unique_slug(title)
        created = record_create(actor=actor, instance=article, tags=tags_from_names(tags or []))
        version = _add_version(
            actor=actor,
            article=created,
            language=language,
            title=title,
            body=body,
            fmt=fmt,
            note=note,
        )
        if publish:
            locked = record_lock(Article, created.pk)
            published = _publish_versions(locked, [version])
            return _touch(actor, locked, {"published": [None, ", ".join(published)]})
        return created


def article_update(
    *,
    actor: Any,
    article: Article,
    data: dict[str, Any],
    expected_version: int | None,
    tags: Iterable[str] | None = None,
) -> Article:
    """Change an article's category, visibility, owner, team or confidentiality (its
    text changes through new versions: ``article_revise``)."""
    if "slug" in data:
        raise ValidationError(
            {
                "slug": [
                    _("The slug is fixed once the article exists: links to it must keep working.")
                ]
            }
        )
    if "status" in data:
        raise ValidationError(
            {"status": [_("Publish or archive the article instead of setting its status.")]}
        )
    reject_unknown_fields(data, ARTICLE_FIELDS)
    with transaction.atomic():
        return record_update(
            actor=actor,
            instance=article,
            data=data,
            expected_version=expected_version,
            tags=tags_from_names(tags) if tags is not None else None,
        )


def article_revise(
    *,
    actor: Any,
    article: Article,
    language: str,
    title: str,
    body: str = "",
    fmt: str = ArticleVersion.Format.MARKDOWN,
    note: str = "",
    expected_version: int | None = None,
    publish: bool = False,
    restored_from: ArticleVersion | None = None,
) -> ArticleVersion:
    """A new version of ``article`` in ``language`` (a new language starts its own line),
    published at once when ``publish``; the versions before it stay as they were."""
    check(actor, "edit", article)
    title, body, note = title or "", body or "", note or ""
    errors = content_errors(language=language, title=title, body=body, fmt=fmt, note=note)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = _locked(actor, article, expected_version)
        version = _add_version(
            actor=actor,
            article=locked,
            language=language,
            title=title,
            body=body,
            fmt=fmt,
            note=note,
            restored_from=restored_from,
        )
        label = f"{version.language} {version.number}"
        changes: dict[str, list[Any]] = {"versions": [None, f"{label}: {version.title}"[:200]]}
        if publish:
            changes["published"] = [None, ", ".join(_publish_versions(locked, [version]))]
        _touch(actor, locked, changes)
        return version


def _to_publish(locked: Article, language: str | None, number: int | None) -> list[ArticleVersion]:
    """The versions a publish applies to: the one asked for, or the newest of the
    language asked for, or the newest of each language; refused when not newer than the
    published one of its language."""
    codes = language_codes()
    if language is not None and language not in codes:
        raise ValidationError(
            {
                "language": [
                    _("Unknown language “%(value)s”; use one of: %(known)s.")
                    % {"value": str(language)[:20], "known": ", ".join(codes)}
                ]
            }
        )
    versions = ArticleVersion.objects.filter(article=locked)
    if language is not None:
        versions = versions.filter(language=language)
    newest: dict[str, ArticleVersion] = {}
    published: dict[str, int] = {}
    for version in versions.order_by("number"):
        newest[version.language] = version
        if version.published:
            published[version.language] = version.number
    if number is not None:
        if language is None:
            raise ValidationError(
                {"language": [_("Say which language's version %(n)s to publish.") % {"n": number}]}
            )
        chosen = next((v for v in versions if v.number == number), None)
        if chosen is None:
            raise ValidationError(
                {
                    "version": [
                        _("This article has no version %(n)s in that language.") % {"n": number}
                    ]
                }
            )
        if chosen.published or chosen.number < published.get(language, 0):
            raise ValidationError(
                {
                    "version": [
                        _(
                            "Version %(n)s is already published or older than the published one; restore it to publish its text again."
                        )
                        % {"n": number}
                    ]
                }
            )
        return [chosen]
    return [v for v in newest.values() if not v.published]


def article_publish(
    *,
    actor: Any,
    article: Article,
    language: str | None = None,
    number: int | None = None,
    expected_version: int | None = None,
) -> Article:
    """Publish the newest draft of each language (or of ``language``, or its version
    ``number``); an archived article whose versions are all published is published
    again as it was."""
    with transaction.atomic():
        locked = _locked(actor, article, expected_version)
        chosen = _to_publish(locked, language, number)
        if not chosen:
            has_published = ArticleVersion.objects.filter(article=locked, published=True).exists()
            if locked.status == Article.Status.PUBLISHED or not has_published:
                raise ValidationError(
                    {
                        "version": [
                            _(
                                "There is nothing new to publish: the newest version of every language is already published."
                            )
                        ]
                    }
                )
            locked.status = Article.Status.PUBLISHED
            return _touch(actor, locked, {})
        done = _publish_versions(locked, chosen)
        return _touch(actor, locked, {"published": [None, ", ".join(done)]})


def article_archive(
    *, actor: Any, article: Article, expected_version: int | None = None
) -> Article:
    """Withdraw an article: it leaves the search, the suggestions and the portal; its
    versions stay, and publishing it again brings it back."""
    with transaction.atomic():
        locked = _locked(actor, article, expected_version)
        if locked.status == Article.Status.ARCHIVED:
            raise ValidationError({"status": [_("The article is already archived.")]})
        locked.status = Article.Status.ARCHIVED
        return _touch(actor, locked, {})


def version_restore(
    *,
    actor: Any,
    article: Article,
    version: ArticleVersion,
    publish: bool = False,
    expected_version: int | None = None,
) -> ArticleVersion:
    """A new version of ``version``'s language with ``version``'s text."""
    if version.article_id != article.pk:
        raise ValidationError({"version": [_("This version belongs to another article.")]})
    newest = (
        ArticleVersion.objects.filter(article=article, language=version.language)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    if newest == version.number:
        raise ValidationError(
            {
                "version": [
                    _("This is already the newest version of its language; nothing to restore.")
                ]
            }
        )
    return article_revise(
        actor=actor,
        article=article,
        language=version.language,
        title=version.title,
        body=version.body,
        fmt=version.format,
        note=_("Restored from version %(n)s") % {"n": version.number},
        expected_version=expected_version,
        publish=publish,
        restored_from=version,
    )


def article_delete(*, actor: Any, article: Article) -> None:
    """Delete an article with its versions (and its search entry)."""
    record_delete(actor=actor, instance=article)
