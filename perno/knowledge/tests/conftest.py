from __future__ import annotations

from typing import Any

import pytest

from perno.knowledge import services


@pytest.fixture
def editor(make_user: Any) -> Any:
    """A support agent: reads every article, edits every article, creates their own."""
    return make_user("elena", role="support", team="Assistenza clienti")


@pytest.fixture
def reader(make_user: Any) -> Any:
    """A sales user: reads published articles, writes none."""
    return make_user("marco", role="sales", team="Vendite Nord")


@pytest.fixture
def write(editor: Any) -> Any:
    """``write(title, body, language="en", publish=True, **data)``: an article by the
    editor."""

    def make(
        title: str,
        body: str = "",
        *,
        language: str = "en",
        publish: bool = True,
        actor: Any = None,
        **data: Any,
    ) -> Any:
        return services.article_create(
            actor=actor or editor,
            data=data,
            language=language,
            title=title,
            body=body,
            publish=publish,
        )

    return make
