"""The knowledge base pages: list with filters and paging, an article in the reader's
language with its versions, writing with a preview, publishing, restoring, archiving,
categories; bad input, other users' drafts, large ids."""

from __future__ import annotations

import pytest
from django.test import Client

from perno.knowledge import categories, services
from perno.knowledge.models import Article, ArticleCategory, ArticleVersion

pytestmark = pytest.mark.django_db

MISSING = 99_999_999


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def reader_client(reader):
    other = Client()  # a session of its own beside the editor's
    other.force_login(reader)
    return other


def test_the_list_filters_by_category_visibility_and_language_and_pages(
    editor_client, editor, write
):
    billing = categories.category_create(actor=editor, data={"name": "Billing"})
    invoices = categories.category_create(
        actor=editor, data={"name": "Invoices", "parent": billing}
    )
    write("Invoice copy", "x", category=invoices, visibility="public")
    write("Refunds", "x", category=billing)
    write("Printer", "x")
    ro = write("Imprimanta", "x", language="ro")
    response = editor_client.get("/knowledge/", {"category": billing.pk})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Invoice copy" in body and "Refunds" in body and "Printer" not in body
    body = editor_client.get("/knowledge/", {"visibility": "public"}).content.decode()
    assert "Invoice copy" in body and "Refunds" not in body
    body = editor_client.get("/knowledge/", {"language": "ro"}).content.decode()
    assert ro.title in body and "Printer" not in body
    bad = editor_client.get("/knowledge/", {"language": "xx", "category": MISSING})
    assert bad.status_code == 400 and "language" in bad.content.decode()
    for n in range(26):
        Article.objects.create(title=f"Bulk {n:02d}", slug=f"bulk-{n}", status="published")
    first = editor_client.get("/knowledge/", {"q": "Bulk"}).content.decode()
    second = editor_client.get("/knowledge/", {"q": "Bulk", "page": 2}).content.decode()
    assert "Bulk 00" in first and "Bulk 25" not in first and "Bulk 25" in second
    assert 'href="/knowledge/"' in editor_client.get("/").content.decode()  # in the menu


def test_the_article_page_shows_the_readers_language_or_says_it_falls_back(
    reader_client, editor, write
):
    article = write("Printer", "Restart **it**.", language="en")
    services.article_revise(
        actor=editor,
        article=article,
        language="it",
        title="Stampante",
        body="Riavviala.",
        publish=True,
    )
    page = reader_client.get(f"/knowledge/{article.pk}/", {"lang": "it"})
    assert page.status_code == 200
    body = page.content.decode()
    assert "Stampante" in body and "Riavviala." in body and 'data-testid="fallback"' not in body
    page = reader_client.get(f"/knowledge/{article.pk}/", {"lang": "ro"})
    body = page.content.decode()
    assert 'data-testid="fallback"' in body and "Română" in body
    assert "<strong>it</strong>" in body or "Riavviala." in body
    assert "Edit" not in body and 'data-testid="publish"' not in body


def test_another_users_draft_is_not_there_for_a_reader(reader_client, write):
    draft = write("Unfinished", "Secret words.", publish=False)
    assert reader_client.get(f"/knowledge/{draft.pk}/").status_code == 404
    assert "Unfinished" not in reader_client.get("/knowledge/").content.decode()
    assert reader_client.get(f"/knowledge/{MISSING}/").status_code == 404
    assert reader_client.post(f"/knowledge/{draft.pk}/publish/").status_code == 404
    published = write("Done", "Words.")
    assert reader_client.post(f"/knowledge/{published.pk}/publish/").status_code == 403
    assert reader_client.get(f"/knowledge/{published.pk}/edit/").status_code == 403
    assert reader_client.get("/knowledge/new/").status_code == 403


def test_writing_with_a_preview_then_saving(editor_client, editor):
    data = {
        "language": "it",
        "title": "Come stampare",
        "body": "**Premi** stampa <script>alert(1)</script>",
        "format": "markdown",
        "visibility": "internal",
        "preview": "1",
    }
    preview = editor_client.post("/knowledge/new/", data)
    assert preview.status_code == 200
    body = preview.content.decode()
    assert "<strong>Premi</strong>" in body and "<script>alert" not in body
    assert Article.objects.count() == 0
    del data["preview"]
    saved = editor_client.post("/knowledge/new/", {**data, "publish": "on"})
    assert saved.status_code == 302
    article = Article.objects.get()
    assert article.status == "published" and article.owner == editor
    assert saved["Location"] == f"/knowledge/{article.pk}/?lang=it"
    assert article.pk > 10_000  # the suite hands out large ids
    page = editor_client.get(saved["Location"]).content.decode()
    assert "<strong>Premi</strong>" in page and "<script>alert" not in page


def test_bad_input_is_a_400_with_field_errors_and_nothing_saved(editor_client):
    response = editor_client.post(
        "/knowledge/new/",
        {"language": "de", "title": "", "body": "x", "format": "markdown", "visibility": "all"},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert 'data-field-error="language"' in body and 'data-field-error="visibility"' in body
    response = editor_client.post(
        "/knowledge/new/",
        {
            "language": "en",
            "title": "  ",
            "body": "x",
            "format": "markdown",
            "visibility": "public",
        },
    )
    assert response.status_code == 400
    assert 'data-field-error="title"' in response.content.decode()
    assert "Give the article a title" in response.content.decode()
    assert Article.objects.count() == 0


def test_editing_adds_a_version_and_a_stale_edit_is_a_conflict(editor_client, editor, write):
    article = write("Printer", "Restart it.")
    form = editor_client.get(f"/knowledge/{article.pk}/edit/", {"lang": "en"})
    assert form.status_code == 200 and "Restart it." in form.content.decode()
    data = {
        "language": "en",
        "title": "Printer",
        "body": "Unplug it.",
        "format": "markdown",
        "visibility": "internal",
        "note": "Simpler",
        "version": article.version,
    }
    assert editor_client.post(f"/knowledge/{article.pk}/edit/", data).status_code == 302
    newest = article.versions.order_by("-number").first()
    assert (newest.number, newest.body, newest.published, newest.note) == (
        2,
        "Unplug it.",
        False,
        "Simpler",
    )
    stale = editor_client.post(f"/knowledge/{article.pk}/edit/", {**data, "body": "Other"})
    assert stale.status_code == 409
    assert article.versions.count() == 2
    page = editor_client.get(f"/knowledge/{article.pk}/", {"lang": "en", "v": 1}).content.decode()
    assert 'data-testid="old-version"' not in page  # version 1 is the current one
    assert 'data-testid="restore-1"' in page


def test_publish_restore_archive_and_delete_from_the_page(editor_client, editor, make_user, write):
    article = write("Printer", "One.")
    services.article_revise(
        actor=editor, article=article, language="en", title="Printer", body="Two."
    )
    assert editor_client.post(f"/knowledge/{article.pk}/publish/").status_code == 302
    assert ArticleVersion.objects.get(article=article, number=2).published
    again = editor_client.post(f"/knowledge/{article.pk}/publish/")
    assert again.status_code == 400 and "nothing new to publish" in again.content.decode()
    first = ArticleVersion.objects.get(article=article, number=1)
    restored = editor_client.post(
        f"/knowledge/{article.pk}/versions/{first.pk}/restore/", {"publish": "1"}
    )
    assert restored.status_code == 302
    assert ArticleVersion.objects.get(article=article, number=3, published=True).body == "One."
    other = write("Other", "x")
    other_version = other.versions.get()
    assert (
        editor_client.post(
            f"/knowledge/{article.pk}/versions/{other_version.pk}/restore/"
        ).status_code
        == 404
    )
    assert editor_client.post(f"/knowledge/{article.pk}/archive/").status_code == 302
    article.refresh_from_db()
    assert article.status == "archived"
    # support agents delete only their own articles
    boss = make_user("boss", role="administrator")
    theirs = write("Theirs", "x", actor=boss)
    assert editor_client.post(f"/knowledge/{theirs.pk}/delete/").status_code == 403
    assert editor_client.post(f"/knowledge/{article.pk}/delete/").status_code == 302
    assert not Article.objects.filter(pk=article.pk).exists()


def test_categories_page(editor_client, reader_client, editor):
    assert editor_client.post("/knowledge/categories/", {"name": "Billing"}).status_code == 302
    billing = ArticleCategory.objects.get()
    bad = editor_client.post("/knowledge/categories/", {"name": " "})
    assert bad.status_code == 400 and 'data-field-error="name"' in bad.content.decode()
    rename = editor_client.post(
        f"/knowledge/categories/{billing.pk}/", {f"c{billing.pk}-name": "Fatture"}
    )
    assert rename.status_code == 302
    billing.refresh_from_db()
    assert billing.name == "Fatture"
    loop = editor_client.post(
        f"/knowledge/categories/{billing.pk}/",
        {f"c{billing.pk}-name": "Fatture", f"c{billing.pk}-parent": billing.pk},
    )
    assert loop.status_code == 400 and "inside itself" in loop.content.decode()
    assert editor_client.post(f"/knowledge/categories/{MISSING}/delete/").status_code == 404
    page = reader_client.get("/knowledge/categories/")
    assert page.status_code == 200 and "Fatture" in page.content.decode()
    assert reader_client.post("/knowledge/categories/", {"name": "X"}).status_code == 403
    assert editor_client.post(f"/knowledge/categories/{billing.pk}/delete/").status_code == 302
    assert not ArticleCategory.objects.exists()


def test_the_article_page_and_list_cost_a_bounded_number_of_queries(
    editor_client, editor, write, django_assert_max_num_queries
):
    article = write("Printer", "x")
    for language in ("it", "ro"):
        services.article_revise(
            actor=editor, article=article, language=language, title="P", body="y", publish=True
        )
    for n in range(10):
        write(f"Article {n}", "x")
    editor_client.get("/knowledge/")
    with django_assert_max_num_queries(25):
        assert editor_client.get(f"/knowledge/{article.pk}/").status_code == 200
    with django_assert_max_num_queries(25):
        assert editor_client.get("/knowledge/").status_code == 200
