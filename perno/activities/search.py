"""Activities, comments and documents (attachments) in the search index. A comment or
document is governed by the rights on the record it belongs to."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from perno.activities.models import Activity, Attachment, Comment
from perno.search.registry import Access, Source, choice_label, fast_url, record_access, register


def comment_access(comment: Comment) -> Access | None:
    target = comment.target
    if target is None:
        return None
    return record_access(target, target._meta.model_name or "")


def _first_line(text: str, size: int = 80) -> str:
    line = " ".join((text or "").split())
    return line if len(line) <= size else line[: size - 1].rsplit(" ", 1)[0] + "…"


def _on(target: Any) -> str:
    return _g("on %(record)s") % {"record": target} if target is not None else ""


register(
    Source(
        kind="activity",
        model=Activity,
        label=_("Activities"),
        title=lambda o: o.subject,
        subtitle=lambda o: [
            ("", choice_label(o, "kind")),
            ("", f"{o.due_at:%Y-%m-%d}" if o.due_at else ""),
        ],
        body_fields=("description",),
    )
)
register(
    Source(
        kind="comment",
        model=Comment,
        label=_("Comments"),
        title=lambda o: _first_line(o.body),
        subtitle=lambda o: [
            ("", _on(o.target)),
            ("", _g("Comment by %(author)s") % {"author": o.author or "—"}),
        ],
        text=lambda o: o.body,
        related=("author", "company", "contact", "deal", "lead", "product", "activity"),
        access=comment_access,
        url=lambda o: fast_url(o.target) + "#comments",
    )
)
register(
    Source(
        kind="document",
        model=Attachment,
        label=_("Documents"),
        title=lambda o: o.original_name,
        subtitle=lambda o: [("", _on(o.comment.target))],
        related=("comment",),
        access=lambda o: comment_access(o.comment),
        manual=True,
    )
)
