"""Rendering and sanitising, the portal's selector, the language fallback, the search
source."""

from __future__ import annotations

import pytest

from perno.knowledge import selectors, services
from perno.knowledge.rendering import render, text_of
from perno.search import engine

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "hostile",
    [
        "<script>alert('x')</script>Hello",
        "<SCRIPT SRC=https://evil.example/x.js></SCRIPT>Hello",
        "Hello <img src=x onerror=alert(1)>",
        "<iframe src='https://evil.example'></iframe>Hello",
        "[Hello](javascript:alert(1))",
        "<a href='javascript:alert(1)'>Hello</a>",
        "<b onclick='steal()'>Hello</b>",
        "<style>body{display:none}</style>Hello",
    ],
)
def test_html_in_an_article_is_sanitised(hostile):
    markdown = render(hostile, "markdown").lower()
    for bad in ("<script", "<iframe", "<style", "<img", "onerror", "onclick", 'href="javascript'):
        assert bad not in markdown, (bad, markdown)
    assert "hello" in markdown
    text = render(hostile, "text").lower()  # plain text: every tag is shown as text
    for bad in ("<script", "<iframe", "<style", "<img", "<b ", "<a href='javascript"):
        assert bad not in text, (bad, text)
    assert "hello" in text


def test_markdown_is_rendered_and_links_are_safe():
    html = render("## Steps\n\n1. **Open** *it*\n2. See [docs](https://perno.example/d)\n\n`a<b`")
    assert "<h3>Steps</h3>" in html
    assert "<ol><li><strong>Open</strong> <em>it</em></li>" in html
    assert 'href="https://perno.example/d"' in html and 'rel="noopener noreferrer nofollow"' in html
    assert "<code>a&lt;b</code>" in html
    assert text_of(html).startswith("Steps Open it")


def test_the_portal_gets_only_published_public_versions_without_internal_fields(
    editor, make_user, write
):
    public = write("Reset your password", "Use the link.", visibility="public")
    write("Internal escalation", "Call the boss.", visibility="internal")
    write("Public draft", "Not yet.", visibility="public", publish=False)
    admin = make_user("boss", role="administrator")
    confidential = write(
        "Public but confidential", "x", visibility="public", is_confidential=True, actor=admin
    )
    assert confidential.is_confidential
    services.article_revise(
        actor=editor, article=public, language="en", title="Reset (draft)", body="Draft text"
    )
    services.article_revise(
        actor=editor,
        article=public,
        language="it",
        title="Reimpostare la password",
        body="Usa il link.",
        publish=True,
    )
    english = selectors.public_articles(language="en")
    assert [(a.title, a.language, a.fallback) for a in english] == [
        ("Reset your password", "en", False)
    ]
    assert "Draft text" not in english[0].html and "Use the link." in english[0].html
    assert not hasattr(english[0], "owner") and not hasattr(english[0], "author")
    italian = selectors.public_articles(language="it")
    assert [(a.title, a.language) for a in italian] == [("Reimpostare la password", "it")]
    romanian = selectors.public_articles(language="ro")
    assert [(a.language, a.fallback) for a in romanian] == [("en", True)]
    assert selectors.public_articles(language="ro", fallback=False) == []
    assert (
        selectors.public_article(slug=public.slug, language="it").title == "Reimpostare la password"
    )
    services.article_archive(actor=editor, article=public)
    assert selectors.public_articles(language="en") == []


def test_the_article_shows_the_readers_language_or_says_it_falls_back(editor, write):
    article = write("Printer", "Restart it.", language="en")
    services.article_revise(
        actor=editor,
        article=article,
        language="ro",
        title="Imprimanta",
        body="Reporniți-o.",
        publish=True,
    )
    lines = selectors.article_lines(user=editor, article=article)
    assert selectors.pick_language(lines, "ro", article.language) == "ro"
    assert selectors.pick_language(lines, "it", article.language) == "en"


def test_the_search_finds_an_article_by_a_word_of_its_body_in_any_language(editor, reader, write):
    article = write("Printer", "Check the paper roll first.", language="en")
    services.article_revise(
        actor=editor,
        article=article,
        language="it",
        title="Stampante",
        body="Controlla il rotolo di carta.",
        publish=True,
    )
    found = engine.search(reader, "rotolo")
    assert [(hit.type, hit.id) for hit in found.hits] == [("article", article.pk)]
    assert "<mark>rotolo</mark>" in found.hits[0].snippet
    assert [h.id for _kind, hits in engine.suggest(reader, "paper ro") for h in hits] == [
        article.pk
    ]
    draft = write("Scanner", "Scanner glass cleaning.", publish=False)
    assert engine.search(editor, "glass").hits == []
    services.article_publish(actor=editor, article=draft)
    assert [h.id for h in engine.search(reader, "glass").hits] == [draft.pk]
    services.article_archive(actor=editor, article=draft)
    assert engine.search(reader, "glass").hits == []


def test_the_search_keeps_to_the_gate(make_user, editor, write):
    outsider = make_user("nobody", role="sales")
    admin = make_user("boss", role="administrator")
    write("Confidential recipe", "Secret sauce ingredients.", is_confidential=True, actor=admin)
    assert engine.search(outsider, "sauce").hits == []
    assert len(engine.search(admin, "sauce").hits) == 1
    write("Plain recipe", "Sauce for everyone.")
    assert len(engine.search(outsider, "sauce").hits) == 1
    # a draft in the published article is not searchable
    published = write("Sauce guide", "Boil water.")
    services.article_revise(
        actor=editor,
        article=published,
        language="en",
        title="Sauce guide",
        body="Hidden draft word zebra",
    )
    assert engine.search(admin, "zebra").hits == []
