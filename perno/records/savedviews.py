"""Saved list views: a user's named columns, filters and sort for one list; one may be
the owner's default for that list; a view shared with a team is seen and used by its
members, and only its owner changes or deletes it.

The edges (pages, API) know the lists' filter sets; they pass ``check_filters``, which
refuses filters naming a record the user cannot see, and drop such filters when a view
is used (a view shared by someone with more rights must not reveal what it names)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import django_filters
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from perno.accounts.permissions import SUBJECTS, restrict
from perno.records.models import SavedView

FIELDS = {"name", "columns", "filters", "sort", "is_default", "shared"}
MAX_FILTERS = 30


def saved_view_list(*, user: Any, list_key: str | None = None) -> QuerySet[SavedView]:
    """The user's own views and those shared with their team."""
    shared = Q(team_id=user.team_id) if getattr(user, "team_id", None) else Q(pk__in=[])
    views = SavedView.objects.filter(Q(owner_id=user.pk) | shared).select_related("owner")
    if list_key:
        views = views.filter(list_key=list_key)
    return views.order_by("name", "id")


def saved_view_get(*, user: Any, pk: Any, action: str = "view") -> SavedView:
    """404 for a view the user cannot see; 403 for changing one they do not own."""
    try:
        view = saved_view_list(user=user).filter(pk=int(pk)).first()
    except (TypeError, ValueError):
        view = None
    if view is None:
        raise Http404
    if action != "view" and view.owner_id != user.pk:
        raise PermissionDenied(_("Only the person who saved this view may change or delete it."))
    return view


def _named_model(filterset_class: Any, declared: Any) -> Any:
    """The model of the records a filter names by id: its choices' model, or that of the
    relation it filters on (a number filter on ``company_id``); None for other filters."""
    if isinstance(declared, django_filters.ModelChoiceFilter):
        return declared.queryset.model
    model = getattr(getattr(filterset_class, "_meta", None), "model", None)
    if model is None or not isinstance(declared, django_filters.NumberFilter):
        return None
    try:
        field = model._meta.get_field(str(declared.field_name).split("__")[0])
    except FieldDoesNotExist:
        return None
    return field.related_model if field.many_to_one or field.one_to_one else None


def unseen_filters(filterset_class: Any, filters: dict[str, Any], user: Any) -> list[str]:
    """The filters that name a record ``user`` cannot see (a company, a contact...).
    Users, teams, tags and stages are not records under the gate."""
    unseen = []
    for name, value in filters.items():
        declared = filterset_class.base_filters.get(name)
        if declared is None or value in ("", None):
            continue
        model = _named_model(filterset_class, declared)
        if model is None or model._meta.model_name not in SUBJECTS:
            continue
        try:
            pk = int(value)
        except (TypeError, ValueError):
            continue
        if not restrict(model._default_manager.filter(pk=pk), user).exists():
            unseen.append(name)
    return unseen


def filter_checker(filterset_class: Any, user: Any) -> Callable[[dict[str, Any]], None]:
    """``check_filters`` for a list: known filter names, no record the user cannot see."""

    def check(filters: dict[str, Any]) -> None:
        unknown = sorted(set(filters) - set(filterset_class.base_filters))
        if unknown:
            raise ValidationError(_("Unknown filters: %(names)s.") % {"names": ", ".join(unknown)})
        if unseen_filters(filterset_class, filters, user):
            raise ValidationError(_("A filter names a record that is not there for you."))

    return check


def _clean(data: dict[str, Any], check_filters: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    unknown = set(data) - FIELDS
    errors: dict[str, list[str]] = {key: [_("Unknown field.")] for key in sorted(unknown)}
    out: dict[str, Any] = {}
    if "name" in data:
        name = str(data["name"] or "").strip()
        if not name:
            errors["name"] = [_("Give the view a name.")]
        elif len(name) > 100:
            errors["name"] = [_("A name has at most 100 characters.")]
        out["name"] = name
    if "columns" in data:
        columns = data["columns"] or []
        if not isinstance(columns, list) or not all(
            isinstance(c, str) and len(c) <= 40 for c in columns
        ):
            errors["columns"] = [_("Give the columns as a list of column names.")]
        out["columns"] = columns
    if "filters" in data:
        filters = data["filters"] or {}
        if (
            not isinstance(filters, dict)
            or len(filters) > MAX_FILTERS
            or not all(isinstance(v, str) and len(v) <= 200 for v in filters.values())
        ):
            errors["filters"] = [_("Give the filters as an object of name: text value.")]
        else:
            try:
                check_filters(filters)
            except ValidationError as exc:
                errors["filters"] = exc.messages
        out["filters"] = filters
    if "sort" in data:
        sort = str(data["sort"] or "")
        if len(sort) > 40:
            errors["sort"] = [_("Unknown sort.")]
        out["sort"] = sort
    if "is_default" in data:
        out["is_default"] = bool(data["is_default"])
    if "shared" in data:
        out["shared"] = bool(data["shared"])
    if errors:
        raise ValidationError(errors)
    return out


def _save(view: SavedView, actor: Any, data: dict[str, Any]) -> SavedView:
    shared = data.pop("shared", None)
    for key, value in data.items():
        setattr(view, key, value)
    if shared is not None:
        if shared and not getattr(actor, "team_id", None):
            raise ValidationError({"shared": [_("You are in no team to share the view with.")]})
        view.team_id = actor.team_id if shared else None
    with transaction.atomic():
        if view.is_default:
            SavedView.objects.filter(
                owner_id=actor.pk, list_key=view.list_key, is_default=True
            ).exclude(pk=view.pk).update(is_default=False)
        try:
            with transaction.atomic():
                view.save()
        except IntegrityError:
            raise ValidationError(
                {"name": [_("You already have a view of this list with this name.")]}
            ) from None
    return view


def saved_view_create(
    *,
    actor: Any,
    list_key: str,
    data: dict[str, Any],
    check_filters: Callable[[dict[str, Any]], None],
) -> SavedView:
    clean = _clean(data, check_filters)
    if "name" not in clean:
        raise ValidationError({"name": [_("Give the view a name.")]})
    if SavedView.objects.filter(owner_id=actor.pk, list_key=list_key, name=clean["name"]).exists():
        raise ValidationError({"name": [_("You already have a view of this list with this name.")]})
    return _save(SavedView(owner=actor, list_key=list_key), actor, clean)


def saved_view_update(
    *,
    actor: Any,
    view: SavedView,
    data: dict[str, Any],
    check_filters: Callable[[dict[str, Any]], None],
) -> SavedView:
    if view.owner_id != actor.pk:
        raise PermissionDenied(_("Only the person who saved this view may change or delete it."))
    return _save(view, actor, _clean(data, check_filters))


def saved_view_delete(*, actor: Any, view: SavedView) -> None:
    if view.owner_id != actor.pk:
        raise PermissionDenied(_("Only the person who saved this view may change or delete it."))
    view.delete()
