"""Articles and versions through the services: validation, rights, history, immutable
versions, language lines, publishing, archiving, restoring; categories."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from perno.audit.models import ChangeEntry
from perno.core.exceptions import ConflictError
from perno.knowledge import categories, selectors, services
from perno.knowledge.models import Article, ArticleCategory, ArticleTerm, ArticleVersion

pytestmark = pytest.mark.django_db


def test_an_article_starts_with_a_draft_version_and_a_stable_slug(editor):
    article = services.article_create(
        actor=editor,
        data={},
        language="it",
        title="Come reimpostare la password",
        body="Apri **Sicurezza** e scegli *Reimposta*.",
    )
    assert article.status == Article.Status.DRAFT
    assert article.slug == "come-reimpostare-la-password"
    assert article.owner == editor and article.team_id == editor.team_id
    (version,) = article.versions.all()
    assert (version.language, version.number, version.published) == ("it", 1, False)
    assert version.author == editor
    assert "<strong>Sicurezza</strong>" in version.html and "<em>Reimposta</em>" in version.html
    again = services.article_create(
        actor=editor, data={}, language="en", title="Come reimpostare la password!"
    )
    assert again.slug == "come-reimpostare-la-password-2"
    services.article_revise(
        actor=editor, article=article, language="it", title="Tutt'altro titolo", body="x"
    )
    article.refresh_from_db()
    assert article.slug == "come-reimpostare-la-password"
    with pytest.raises(ValidationError) as caught:
        services.article_update(
            actor=editor, article=article, data={"slug": "new"}, expected_version=None
        )
    assert "slug" in caught.value.message_dict


def test_bad_content_is_refused_with_every_field_error_and_nothing_written(editor):
    category = categories.category_create(actor=editor, data={"name": "Fatture"})
    with pytest.raises(ValidationError) as caught:
        services.article_create(
            actor=editor,
            data={"category": category, "visibility": "everyone"},
            language="de",
            title="   ",
            body="x" * (services.MAX_BODY + 1),
            fmt="html",
            slug="not a slug!",
        )
    errors = caught.value.message_dict
    assert set(errors) >= {"language", "title", "body", "format", "slug", "visibility"}
    assert "it, ro, en" in errors["language"][0] or "en, it, ro" in errors["language"][0]
    assert Article.objects.count() == 0 and ArticleVersion.objects.count() == 0


def test_text_with_a_nul_character_is_refused(editor, write):
    article = write("Printer", "Restart it.")
    with pytest.raises(ValidationError) as caught:
        services.article_revise(
            actor=editor, article=article, language="en", title="Printer", body="a\x00b"
        )
    assert "NUL" in caught.value.message_dict["body"][0]


def test_versions_are_never_changed_and_editing_adds_one(editor, write):
    article = write("Printer", "Restart the printer.")
    first = article.versions.get()
    assert first.published
    second = services.article_revise(
        actor=editor, article=article, language="en", title="Printer", body="Unplug it first."
    )
    assert second.number == 2 and not second.published
    first.refresh_from_db()
    assert first.body == "Restart the printer." and first.published
    first.body = "Rewritten"
    with pytest.raises(ValidationError):
        first.save()
    first.refresh_from_db()
    assert first.body == "Restart the printer."


def test_each_language_has_its_own_line_of_versions(editor, write):
    article = write("Printer", "Restart it.", language="en")
    ro = services.article_revise(
        actor=editor, article=article, language="ro", title="Imprimanta", body="Reporniți-o."
    )
    en = services.article_revise(
        actor=editor, article=article, language="en", title="Printer", body="Unplug it."
    )
    assert (ro.language, ro.number) == ("ro", 1)
    assert (en.language, en.number) == ("en", 2)
    lines = selectors.article_lines(user=editor, article=article)
    assert lines["en"].current.number == 1 and lines["en"].draft == en
    assert lines["ro"].current is None and lines["ro"].draft == ro


def test_publishing_the_newest_drafts_makes_them_current(editor, write):
    article = write("Printer", "Restart it.", language="en", publish=False)
    services.article_revise(
        actor=editor, article=article, language="it", title="Stampante", body="Riavviala."
    )
    published = services.article_publish(actor=editor, article=article)
    assert published.status == Article.Status.PUBLISHED and published.published_at is not None
    assert set(article.versions.values_list("language", "published")) == {
        ("en", True),
        ("it", True),
    }
    with pytest.raises(ValidationError) as caught:
        services.article_publish(actor=editor, article=published)
    assert "nothing new to publish" in caught.value.message_dict["version"][0]
    history = ChangeEntry.objects.filter(object_id=article.pk, content_type__model="article")
    assert any("published" in entry.changes for entry in history)


def test_an_older_version_cannot_be_published_over_a_newer_one(editor, write):
    article = write("Printer", "v1", publish=False)
    services.article_revise(
        actor=editor, article=article, language="en", title="Printer", body="v2"
    )
    services.article_publish(actor=editor, article=article, language="en", number=2)
    with pytest.raises(ValidationError) as caught:
        services.article_publish(actor=editor, article=article, language="en", number=1)
    assert "restore" in caught.value.message_dict["version"][0]


def test_restoring_adds_a_version_with_the_old_text(editor, write):
    article = write("Printer", "Old advice.")
    services.article_revise(
        actor=editor,
        article=article,
        language="en",
        title="Printer",
        body="New advice.",
        publish=True,
    )
    old = article.versions.get(number=1)
    restored = services.version_restore(actor=editor, article=article, version=old, publish=True)
    assert (restored.number, restored.body, restored.restored_from) == (3, "Old advice.", old)
    assert restored.note == "Restored from version 1" and restored.published
    with pytest.raises(ValidationError):
        services.version_restore(actor=editor, article=article, version=restored)


def test_a_stale_version_is_a_conflict(editor, write):
    article = write("Printer", "x")
    stale = article.version
    services.article_revise(actor=editor, article=article, language="en", title="Printer", body="y")
    with pytest.raises(ConflictError):
        services.article_revise(
            actor=editor,
            article=article,
            language="en",
            title="Printer",
            body="z",
            expected_version=stale,
        )
    assert article.versions.count() == 2


def test_archiving_withdraws_and_publishing_brings_back(editor, write):
    article = write("Printer", "Restart it.")
    archived = services.article_archive(actor=editor, article=article)
    assert archived.status == Article.Status.ARCHIVED
    with pytest.raises(ValidationError):
        services.article_archive(actor=editor, article=archived)
    back = services.article_publish(actor=editor, article=archived)
    assert back.status == Article.Status.PUBLISHED


def test_only_editors_write_and_readers_see_no_drafts(editor, reader, write):
    draft = write("Secret plans", "Not yet.", publish=False)
    published = write("Printer", "Restart it.")
    with pytest.raises(PermissionDenied):
        services.article_create(actor=reader, data={}, language="en", title="Mine")
    with pytest.raises(PermissionDenied):
        services.article_revise(
            actor=reader, article=published, language="en", title="Printer", body="Hack"
        )
    assert list(selectors.article_list(user=reader)) == [published]
    with pytest.raises(Http404):
        selectors.article_get(user=reader, pk=draft.pk)
    newer = services.article_revise(
        actor=editor, article=published, language="en", title="Printer", body="Draft text"
    )
    with pytest.raises(Http404):
        selectors.version_get(user=reader, article=published, language="en", number=newer.number)
    lines = selectors.article_lines(user=reader, article=published)
    assert lines["en"].draft is None and [v.number for v in lines["en"].versions] == [1]


def test_a_marketing_user_edits_only_own_articles(make_user, editor, write):
    seller = make_user("mara", role="marketing")
    theirs = write("Printer", "x")
    mine = write("Newsletter", "y", actor=seller)
    services.article_revise(actor=seller, article=mine, language="en", title="News", body="z")
    with pytest.raises(PermissionDenied):
        services.article_revise(actor=seller, article=theirs, language="en", title="P", body="z")
    draft = write("Someone's draft", "z", publish=False)
    with pytest.raises(Http404):
        selectors.article_get(user=seller, pk=draft.pk)


def test_publishing_gives_the_suggestions_the_current_words(editor, write):
    article = write("Printer jam", "Open the tray and remove the paper.")
    assert ArticleTerm.objects.filter(article=article, term="tray").exists()
    services.article_revise(
        actor=editor,
        article=article,
        language="en",
        title="Printer jam",
        body="Call the technician.",
        publish=True,
    )
    terms = set(ArticleTerm.objects.filter(article=article).values_list("term", flat=True))
    assert "technician" in terms and "tray" not in terms


def test_deleting_an_article_takes_its_versions(make_user, write):
    admin = make_user("boss", role="administrator")
    article = write("Printer", "x")
    services.article_delete(actor=admin, article=article)
    assert not Article.objects.exists() and not ArticleVersion.objects.exists()


def test_categories_nest_without_loops_and_names_are_unique_among_siblings(editor, reader, write):
    top = categories.category_create(actor=editor, data={"name": "Billing"})
    child = categories.category_create(actor=editor, data={"name": "Invoices", "parent": top})
    with pytest.raises(ValidationError) as caught:
        categories.category_create(actor=editor, data={"name": "invoices", "parent": top})
    assert "already" in caught.value.message_dict["name"][0]
    with pytest.raises(ValidationError) as caught:
        categories.category_update(actor=editor, category=top, data={"parent": child})
    assert "inside itself" in caught.value.message_dict["parent"][0]
    with pytest.raises(PermissionDenied):
        categories.category_create(actor=reader, data={"name": "Mine"})
    with pytest.raises(ValidationError):
        categories.category_delete(actor=editor, category=top)
    article = write("Invoice copy", "x", category=child)
    categories.category_delete(actor=editor, category=child)
    article.refresh_from_db()
    assert article.category is None
    assert ArticleCategory.objects.get() == top
    assert [c.name for c, _depth in selectors.category_tree(user=reader)] == ["Billing"]
