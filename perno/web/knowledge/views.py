"""The knowledge base pages: the list, an article (in the reader's language, with its
versions), writing and editing with a preview, publishing, archiving, restoring and
deleting. Categories: ``web/knowledge/categories.py``."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.http import require_POST

from perno.accounts.confidential import redact
from perno.accounts.permissions import can, check
from perno.core.exceptions import ConflictError
from perno.core.integrity import explain
from perno.knowledge import selectors, services
from perno.knowledge.models import Article, ArticleVersion, language_choices
from perno.knowledge.rendering import render as render_text
from perno.records.history import change_history
from perno.records.reads import record_shown
from perno.web.accounts.forms import add_errors
from perno.web.knowledge.forms import ArticleForm
from perno.web.knowledge.tables import ARTICLES
from perno.web.lists import RecordListView


class ArticleListView(RecordListView):
    config = ARTICLES


def _names() -> dict[str, str]:
    return {code: str(name) for code, name in language_choices()}


def _number(value: str | None) -> int | None:
    try:
        number = int(value or "")
    except ValueError:
        return None
    return number if 0 < number < 2**31 else None


def detail_context(request: HttpRequest, article: Article) -> dict[str, Any]:
    """What the article page shows: the version in the reader's language (or another
    one, saying so), its line of versions, and what the reader may do."""
    user = request.user
    lines = selectors.article_lines(user=user, article=article)
    asked = request.GET.get("lang", "")
    wanted = asked if asked in _names() else selectors.user_language()
    language = selectors.pick_language(lines, wanted, article.language)
    line = lines.get(language) if language else None
    version = None
    number = _number(request.GET.get("v"))
    if line is not None:
        if number is not None:
            version = next((v for v in line.versions if v.number == number), None)
        version = version or line.current or line.draft
    if version is not None:
        version = selectors.version_get(
            user=user, article=article, language=version.language, number=version.number
        )
    return {
        "object": redact(user, article),
        "record_type": "article",
        "lines": lines,
        "line": line,
        "version": version,
        "language": language,
        "wanted": wanted,
        "fallback": language is not None and language != wanted,
        "names": _names(),
        "missing": [(c, n) for c, n in _names().items() if c not in lines],
        "can_edit": can(user, "edit", article),
        "can_delete": can(user, "delete", article),
        "history": change_history(user=user, instance=article),
    }


@login_required
def article_detail(request: HttpRequest, pk: int) -> HttpResponse:
    article = record_shown(selectors.article_get(user=request.user, pk=pk), user=request.user)
    return render(request, "knowledge/article_detail.html", detail_context(request, article))


def _error_page(request: HttpRequest, article: Article, exc: Exception) -> HttpResponse:
    """The article page with what went wrong (400; 409 for a stale version)."""
    context = detail_context(request, article)
    if isinstance(exc, ConflictError):
        context["action_errors"] = [exc.message]
        return render(request, "knowledge/article_detail.html", context, status=409)
    assert isinstance(exc, ValidationError)
    context["action_errors"] = exc.messages
    return render(request, "knowledge/article_detail.html", context, status=400)


def _back(article: Article, language: str | None = None) -> HttpResponseRedirect:
    url = article.get_absolute_url()
    return HttpResponseRedirect(f"{url}?lang={language}" if language else url)


def _edited(request: HttpRequest, pk: int, action: str = "edit") -> Article:
    return record_shown(
        selectors.article_get(user=request.user, pk=pk, action=action),
        user=request.user,
        purpose=action,
    )


@login_required
@require_POST
def article_publish(request: HttpRequest, pk: int) -> HttpResponse:
    """Publish the newest drafts (of one language, or one version of it)."""
    article = _edited(request, pk)
    language = request.POST.get("language") or None
    try:
        article = services.article_publish(
            actor=request.user,
            article=article,
            language=language,
            number=_number(request.POST.get("number")) if request.POST.get("number") else None,
            expected_version=_number(request.POST.get("version")),
        )
    except (ValidationError, ConflictError) as exc:
        return _error_page(request, article, exc)
    messages.success(request, _("Published “%(name)s”.") % {"name": article})
    return _back(article, language)


@login_required
@require_POST
def article_archive(request: HttpRequest, pk: int) -> HttpResponse:
    article = _edited(request, pk)
    try:
        article = services.article_archive(
            actor=request.user,
            article=article,
            expected_version=_number(request.POST.get("version")),
        )
    except (ValidationError, ConflictError) as exc:
        return _error_page(request, article, exc)
    messages.success(
        request,
        _("Archived “%(name)s”: it is out of the search and the suggestions.") % {"name": article},
    )
    return _back(article)


@login_required
@require_POST
def article_restore(request: HttpRequest, pk: int, version_pk: int) -> HttpResponse:
    """A new version with the text of an old one (published at once if asked)."""
    article = _edited(request, pk)
    old = selectors.version_get_by_id(user=request.user, article=article, pk=version_pk)
    try:
        restored = services.version_restore(
            actor=request.user,
            article=article,
            version=old,
            publish=bool(request.POST.get("publish")),
            expected_version=_number(request.POST.get("version")),
        )
    except (ValidationError, ConflictError) as exc:
        return _error_page(request, article, exc)
    messages.success(
        request,
        _("Version %(old)s restored as version %(new)s.")
        % {"old": old.number, "new": restored.number},
    )
    return _back(article, restored.language)


@login_required
@require_POST
def article_delete(request: HttpRequest, pk: int) -> HttpResponse:
    article = _edited(request, pk, "delete")
    services.article_delete(actor=request.user, article=article)
    messages.success(request, _("Deleted “%(name)s”.") % {"name": article})
    return HttpResponseRedirect(reverse("knowledge:article_list"))


class ArticleFormView(LoginRequiredMixin, View):
    """Writing an article (``pk`` None) or a new version of one, with a preview of the
    text as readers will see it."""

    template_name = "knowledge/article_form.html"

    def article(self, request: HttpRequest, pk: int | None) -> Article | None:
        if pk is None:
            check(request.user, "create", "article")
            return None
        return _edited(request, pk)

    def initial(self, request: HttpRequest, article: Article | None) -> dict[str, Any]:
        wanted = request.GET.get("lang", "")
        language = wanted if wanted in _names() else selectors.user_language()
        if article is None:
            return {"language": language, "visibility": "internal", "format": "markdown"}
        lines = selectors.article_lines(user=request.user, article=article)
        start = lines.get(language) or lines.get(
            selectors.pick_language(lines, language, article.language) or ""
        )
        newest = start.versions[0] if start else None
        if newest is not None:
            newest = selectors.version_get(
                user=request.user, article=article, language=newest.language, number=newest.number
            )
        return {
            "language": language,
            "title": newest.title if newest else "",
            "body": newest.body if newest else "",
            "format": newest.format if newest else "markdown",
            "category": article.category_id,
            "visibility": article.visibility,
            "is_confidential": article.is_confidential,
            "tags": ", ".join(t.name for t in article.tags.all()),
            "version": article.version,
        }

    def show(
        self,
        request: HttpRequest,
        form: ArticleForm,
        article: Article | None,
        *,
        preview: str | None = None,
        status: int = 200,
    ) -> HttpResponse:
        return render(
            request,
            self.template_name,
            {
                "form": form,
                "object": article,
                "title": _("Edit article") if article else _("New article"),
                "preview": preview,
                "cancel_url": article.get_absolute_url()
                if article
                else reverse("knowledge:article_list"),
            },
            status=status,
        )

    def get(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        article = self.article(request, pk)
        form = ArticleForm(user=request.user, initial=self.initial(request, article))
        return self.show(request, form, article)

    def post(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        article = self.article(request, pk)
        form = ArticleForm(request.POST, user=request.user)
        if not form.is_valid():
            return self.show(request, form, article, status=400)
        data = form.cleaned_data
        if request.POST.get("preview"):
            return self.show(
                request, form, article, preview=render_text(data["body"], data["format"])
            )
        try:
            with transaction.atomic():
                saved = self.save(request, form, article)
        except ValidationError as exc:
            add_errors(form, exc)
            return self.show(request, form, article, status=400)
        except IntegrityError as exc:  # a slug taken by a concurrent save
            conflict = explain(exc)
            form.add_error(None, conflict.message)
            return self.show(request, form, article, status=409)
        except ConflictError as exc:
            # What the user typed is kept; saving again applies it over the stored version.
            typed = request.POST.copy()
            typed["version"] = str(exc.current_version)
            stored = ArticleForm(typed, user=request.user)
            stored.is_valid()
            stored.add_error(None, exc.message)
            return self.show(request, stored, article, status=409)
        messages.success(request, _("Saved “%(name)s”.") % {"name": saved})
        return _back(saved, data["language"])

    def save(self, request: HttpRequest, form: ArticleForm, article: Article | None) -> Article:
        data = form.cleaned_data
        content = {
            "language": data["language"],
            "title": data["title"],
            "body": data["body"],
            "fmt": data["format"],
            "note": data["note"],
        }
        if article is None:
            return services.article_create(
                actor=request.user,
                data=form.details(),
                tags=form.tag_names(),
                publish=data["publish"],
                **content,
            )
        return revise(request.user, article, form, content)


def revise(user: Any, article: Article, form: ArticleForm, content: dict[str, Any]) -> Article:
    """Apply an edit: the article's details when they changed, then a new version when
    the text differs from the newest version of its language (or publish that one when
    asked)."""
    data = form.cleaned_data
    expected = data.get("version")
    details = form.details()
    tags = form.tag_names()
    changed = {k: v for k, v in details.items() if getattr(article, k) != v}
    if changed or sorted(tags) != sorted(t.name for t in article.tags.all()):
        article = services.article_update(
            actor=user, article=article, data=changed, expected_version=expected, tags=tags
        )
        expected = article.version
    newest = (
        ArticleVersion.objects.filter(article=article, language=content["language"])
        .order_by("-number")
        .first()
    )
    same = newest is not None and (newest.title, newest.body, newest.format) == (
        content["title"].strip(),
        content["body"],
        content["fmt"],
    )
    if not same:
        services.article_revise(
            actor=user,
            article=article,
            expected_version=expected,
            publish=data["publish"],
            **content,
        )
    elif data["publish"] and newest is not None and not newest.published:
        services.article_publish(
            actor=user, article=article, language=newest.language, expected_version=expected
        )
    article.refresh_from_db()
    return article
