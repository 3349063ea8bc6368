"""Cases in the search index: found by their number ("C-000123"), subject and
description, with the same rights as the case (its owner, assignee and team)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from perno.cases.models import Case
from perno.search.registry import Source, choice_label, register

register(
    Source(
        kind="case",
        model=Case,
        label=_("Cases"),
        title=lambda o: f"{o.reference} {o.subject}",
        subtitle=lambda o: [("", choice_label(o, "status")), ("", o.queue.name)],
        ident_fields=("reference",),
        body_fields=("description",),
        related=("queue",),
    )
)
