"""The knowledge base API: writing, versions per language, publishing, restoring,
categories, suggestions; bad input gets a 400 naming each field, other users' drafts and
missing ids a 404."""

from __future__ import annotations

import pytest

from perno.accounts.services import token_create
from perno.knowledge import services
from perno.knowledge.models import Article, ArticleCategory

pytestmark = pytest.mark.django_db

MISSING = 99_999_999


@pytest.fixture
def as_editor(client, editor):
    headers = {"Authorization": f"Bearer {token_create(user=editor, name='t', scope='write')[1]}"}

    class Api:
        def get(self, path, **params):
            return client.get(path, params, headers=headers)

        def send(self, method, path, data=None):
            return getattr(client, method)(
                path, data or {}, content_type="application/json", headers=headers
            )

    return Api()


def test_write_publish_translate_and_read_an_article(as_editor, reader, api):
    created = as_editor.send(
        "post",
        "/api/v1/knowledge/articles",
        {"title": "Printer", "body": "Restart **it**.", "language": "en", "visibility": "public"},
    )
    assert created.status_code == 201, created.content
    article = created.json()
    assert article["status"] == "draft" and article["slug"] == "printer"
    assert article["id"] > 10_000
    assert article["content"]["html"] == "<p>Restart <strong>it</strong>.</p>"
    pk = article["id"]
    assert api.get(f"/api/v1/knowledge/articles/{pk}").status_code == 404  # a draft
    published = as_editor.send("post", f"/api/v1/knowledge/articles/{pk}/publish", {})
    assert published.status_code == 200 and published.json()["status"] == "published"
    translated = as_editor.send(
        "patch",
        f"/api/v1/knowledge/articles/{pk}",
        {"language": "it", "title": "Stampante", "body": "Riavviala.", "publish": True},
    )
    assert translated.status_code == 200, translated.content
    seen = api.get(f"/api/v1/knowledge/articles/{pk}", data={"language": "it"}).json()
    assert seen["content"]["title"] == "Stampante" and seen["fallback"] is False
    assert {line["language"] for line in seen["lines"]} == {"en", "it"}
    fallback = api.get(f"/api/v1/knowledge/articles/{pk}", data={"language": "ro"}).json()
    assert fallback["fallback"] is True and fallback["content"]["language"] in ("en", "it")
    listed = api.get("/api/v1/knowledge/articles", data={"language": "it"}).json()
    assert [a["id"] for a in listed["items"]] == [pk]
    assert listed["items"][0]["published_languages"] == ["en", "it"]


def test_versions_are_listed_and_restored(as_editor, editor, api, write):
    article = write("Printer", "One.")
    services.article_revise(
        actor=editor, article=article, language="en", title="Printer", body="Two."
    )
    mine = as_editor.get(f"/api/v1/knowledge/articles/{article.pk}/versions").json()
    assert [(v["number"], v["published"]) for v in mine] == [(2, False), (1, True)]
    theirs = api.get(f"/api/v1/knowledge/articles/{article.pk}/versions").json()
    assert [v["number"] for v in theirs] == [1]  # a reader sees no draft
    draft_id = mine[0]["id"]
    assert (
        api.get(f"/api/v1/knowledge/articles/{article.pk}/versions/{draft_id}").status_code == 404
    )
    first = mine[1]["id"]
    body = as_editor.get(f"/api/v1/knowledge/articles/{article.pk}/versions/{first}").json()
    assert body["body"] == "One." and body["html"] == "<p>One.</p>"
    restored = as_editor.send(
        "post",
        f"/api/v1/knowledge/articles/{article.pk}/versions/{first}/restore",
        {"publish": True},
    )
    assert restored.status_code == 201 and restored.json()["number"] == 3
    assert restored.json()["restored_from_id"] == first
    missing = as_editor.send(
        "post", f"/api/v1/knowledge/articles/{article.pk}/versions/{MISSING}/restore", {}
    )
    assert missing.status_code == 404


def test_bad_input_is_a_400_naming_each_field(as_editor):
    response = as_editor.send(
        "post",
        "/api/v1/knowledge/articles",
        {
            "title": "",
            "language": "klingon",
            "format": "html",
            "visibility": "everyone",
            "slug": "not a slug",
            "category_id": MISSING,
        },
    )
    assert response.status_code == 400, response.content
    assert {"title", "language", "format", "category_id"} <= set(response.json()["errors"])
    response = as_editor.send(
        "post",
        "/api/v1/knowledge/articles",
        {"title": "", "language": "klingon", "visibility": "everyone", "slug": "not a slug"},
    )
    assert response.status_code == 400
    assert {"title", "language", "visibility", "slug"} <= set(response.json()["errors"])
    assert Article.objects.count() == 0
    response = as_editor.send(
        "post", "/api/v1/knowledge/articles", {"title": "Ok", "language": "xx"}
    )
    assert response.status_code == 400 and "language" in response.json()["errors"]
    response = as_editor.send(
        "post", "/api/v1/knowledge/articles", {"title": "Ok", "language": "en", "body": "a\u0000b"}
    )
    assert response.status_code in (400, 422)  # a NUL character never reaches the service
    assert "NUL" in str(response.json())
    huge = as_editor.send(
        "post", "/api/v1/knowledge/articles", {"title": "x" * 5000, "language": "en"}
    )
    assert huge.status_code == 400 and "title" in huge.json()["errors"]


def test_a_patch_of_text_needs_its_language_and_a_stale_version_is_a_409(as_editor, write):
    article = write("Printer", "One.")
    response = as_editor.send("patch", f"/api/v1/knowledge/articles/{article.pk}", {"body": "Two."})
    assert response.status_code == 400 and "language" in response.json()["errors"]
    stale = as_editor.send(
        "patch",
        f"/api/v1/knowledge/articles/{article.pk}",
        {"version": article.version - 1, "language": "en", "body": "Two."},
    )
    assert stale.status_code == 409 and stale.json()["current"]["id"] == article.pk
    assert article.versions.count() == 1


def test_readers_cannot_write_and_missing_ids_are_404(api, write):
    article = write("Printer", "x")
    assert (
        api.post("/api/v1/knowledge/articles", {"title": "x", "language": "en"}).status_code == 403
    )
    assert (
        api.patch(f"/api/v1/knowledge/articles/{article.pk}", {"visibility": "public"}).status_code
        == 403
    )
    assert api.post(f"/api/v1/knowledge/articles/{article.pk}/archive").status_code == 403
    assert api.delete(f"/api/v1/knowledge/articles/{article.pk}").status_code == 403
    assert api.get(f"/api/v1/knowledge/articles/{MISSING}").status_code == 404
    assert api.post("/api/v1/knowledge/categories", {"name": "X"}).status_code == 403


def test_categories_through_the_api(as_editor, api):
    top = as_editor.send("post", "/api/v1/knowledge/categories", {"name": "Billing"})
    assert top.status_code == 201
    child = as_editor.send(
        "post", "/api/v1/knowledge/categories", {"name": "Invoices", "parent_id": top.json()["id"]}
    ).json()
    assert [c["name"] for c in api.get("/api/v1/knowledge/categories").json()] == [
        "Billing",
        "Invoices",
    ]
    loop = as_editor.send(
        "patch", f"/api/v1/knowledge/categories/{top.json()['id']}", {"parent_id": child["id"]}
    )
    assert loop.status_code == 400 and "parent" in loop.json()["errors"]
    unknown = as_editor.send(
        "post", "/api/v1/knowledge/categories", {"name": "X", "parent_id": MISSING}
    )
    assert unknown.status_code == 400 and "parent_id" in unknown.json()["errors"]
    assert as_editor.send("delete", f"/api/v1/knowledge/categories/{MISSING}").status_code == 404
    assert (
        as_editor.send("delete", f"/api/v1/knowledge/categories/{child['id']}").status_code == 204
    )
    assert ArticleCategory.objects.count() == 1


def test_suggest_finds_the_relevant_article_for_a_case_text(api, write):
    printer = write("Receipt printer", "The paper roll is empty or the cutter is jammed.")
    write("Password reset", "Use the forgotten password link.")
    write("Printer draft", "Receipt printer paper roll cutter jammed.", publish=False)
    response = api.get(
        "/api/v1/knowledge/suggest",
        data={"text": "Our receipt printer says the paper roll is jammed", "language": "en"},
    )
    assert response.status_code == 200
    found = response.json()
    assert [s["article_id"] for s in found] == [printer.pk]
    assert found[0]["url"] == f"/knowledge/{printer.pk}/?lang=en"
    bad = api.get("/api/v1/knowledge/suggest", data={"text": "printer", "limit": 0})
    assert bad.status_code == 422
