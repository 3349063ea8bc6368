"""Saved searches: a user's own named searches (query and filters)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from perno.audit.trail import record_search
from perno.search.models import SavedSearch

PARAMS = ("types", "owner", "team", "tag", "date_from", "date_to", "sort")
MAX_SAVED = 50


def saved_search_create(
    *, actor: Any, name: str, query: str, params: dict[str, Any]
) -> SavedSearch:
    name = (name or "").strip()
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = [_("Give the search a name, e.g. “Open deals in Milan”.")]
    elif len(name) > 100:
        errors["name"] = [_("A name may be at most 100 characters.")]
    if len(query or "") > 500:
        errors["q"] = [_("A saved search may be at most 500 characters long.")]
    if not (query or "").strip() and not any(params.get(k) for k in PARAMS):
        errors.setdefault("q", []).append(_("There is nothing to save: type a search first."))
    if SavedSearch.objects.filter(user=actor).count() >= MAX_SAVED:
        errors["name"] = [
            _("You have %(n)s saved searches, the most allowed. Delete one first.")
            % {"n": MAX_SAVED}
        ]
    if errors:
        raise ValidationError(errors)
    clean = {key: params[key] for key in PARAMS if params.get(key) not in (None, "", [])}
    try:
        with transaction.atomic():
            return SavedSearch.objects.create(
                user=actor, name=name, query=(query or "").strip(), params=clean
            )
    except IntegrityError:
        raise ValidationError(
            {"name": [_("You already have a saved search called “%(name)s”.") % {"name": name}]}
        ) from None


def saved_search_delete(*, actor: Any, saved: SavedSearch) -> None:
    if saved.user_id != actor.pk:
        raise ValidationError(_("This saved search is not yours."))
    saved.delete()


def audit_search(*, user: Any, query: str, hits: list[Any], total: int | None = None) -> None:
    """Write the audit entry of a search: the query as a keyed hash and the records shown.
    An empty query shows nothing and is not recorded."""

    if not (query or "").strip():
        return
    record_search(
        actor=user,
        query=query,
        shown=[(hit.type, hit.id) for hit in hits],
        total=len(hits) if total is None else total,
    )
