"""The generic list page: sorting, filters, search-as-filter, pagination without a full
COUNT(*), column choice remembered per user, saved views, and the selection of rows for
bulk changes (``web/bulk.py``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.forms.utils import flatatt
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import escape, format_html, format_html_join
from django.utils.http import urlencode
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.views import View

from perno.accounts.confidential import (
    HiddenReference,
    HiddenText,
    current_user,
    redact,
    reference,
)
from perno.accounts.exports import export_file
from perno.accounts.permissions import can
from perno.accounts.services import user_set_preference
from perno.audit.trail import record_list
from perno.core.money import format_money
from perno.core.pagination import bounded_count, paginate
from perno.core.validators import format_phone
from perno.records.models import SavedView
from perno.records.savedviews import saved_view_list, unseen_filters

PAGE_SIZES = (25, 50, 100)


class PlainSelect(forms.Select):
    """A select rendered in Python. Django renders every option through a template, which
    costs ~7 ms for a hundred users in a filter; lists show several such filters."""

    def render(self, name: str, value: Any, attrs: Any = None, renderer: Any = None) -> SafeString:
        choices = list(iter(self.choices))  # list(choices) would COUNT first (its len hint)
        if any(isinstance(label, (list, tuple)) for _value, label in choices):
            return super().render(name, value, attrs, renderer)  # option groups
        selected = {str(v) for v in self.format_value(value)}
        final = self.build_attrs(self.attrs, {**(attrs or {}), "name": name})
        options = [
            format_html('<option value="{}" selected>{}</option>', str(v), label)
            if str(v) in selected
            else format_html('<option value="{}">{}</option>', str(v), label)
            for v, label in choices
        ]
        return format_html(
            "<select{}>{}</select>",
            flatatt(final),
            format_html_join("", "{}", ((o,) for o in options)),
        )


def shown(obj: Any) -> Any:
    """``obj`` (a record a row points at) as the current user may see it."""
    return reference(current_user.get(), obj)


@dataclass
class Column:
    key: str
    label: Any
    kind: str = "text"  # text, link, money, date, datetime, badge, phone, tags, email
    sort: str | None = None
    default: bool = True
    value: Callable[[Any], Any] | None = None
    currency: Callable[[Any], str] | None = None
    prefetch: tuple[Any, ...] = ()  # loaded only when the column is shown

    def html(self, obj: Any) -> SafeString:
        """The cell's HTML, built in Python (a list page renders thousands of cells); every
        branch escapes what it shows."""
        value = self.render_value(obj)
        if value is None or value == "":
            return escape("")
        if isinstance(value, HiddenText):
            return format_html('<span class="text-body-secondary fst-italic">{}</span>', value)
        kind = self.kind
        if kind == "link":
            return format_html('<a href="{}">{}</a>', obj.get_absolute_url(), value)
        if kind == "money":
            return format_html(
                '<span class="text-nowrap">{}</span>',
                format_money(value, getattr(obj, "currency", None)),
            )
        if kind == "date":
            return escape(date_format(value, "SHORT_DATE_FORMAT"))
        if kind == "datetime":
            return escape(date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT"))
        if kind == "phone":
            return escape(format_phone(value))
        if kind == "email":
            return format_html('<a href="mailto:{}">{}</a>', value, value)
        if kind == "badge":
            return format_html('<span class="badge text-bg-light border">{}</span>', value)
        if kind == "tags":
            return format_html_join(
                "", '<span class="badge text-bg-secondary me-1">{}</span>', ((t,) for t in value)
            )
        return escape(str(value))

    def render_value(self, obj: Any) -> Any:
        """The cell's value; a record the row points at shows as a placeholder when the
        user may not open it."""
        if self.value is not None:
            return self.value(obj)
        value = obj
        for part in self.key.split("__"):
            value = getattr(value, part, None)
            if value is None:
                return None
            if isinstance(value, models.Model):
                value = reference(current_user.get(), value)
                if isinstance(value, HiddenReference):
                    return value
        return value


@dataclass
class ListConfig:
    key: str
    title: Any
    columns: list[Column]
    selector: Callable[..., Any]
    filterset_class: Any
    filter_fields: list[str]
    create_url: str | None = None
    default_sort: str = ""
    prefetch: tuple[str, ...] = ()
    extra_links: list[tuple[str, Any]] = field(default_factory=list)
    bulk: str = ""  # the record type for bulk edit and delete (``records.bulkedit``)
    exporters: dict[str, Callable[..., HttpResponse]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        LISTS[self.key] = self


LISTS: dict[str, ListConfig] = {}


class RecordListView(LoginRequiredMixin, View):
    config: ListConfig

    def chosen_columns(self, request: HttpRequest, view: SavedView | None = None) -> list[Column]:
        config = self.config
        known = {c.key for c in config.columns}
        if view is not None and view.columns:
            chosen = [c for c in config.columns if c.key in view.columns]
            if chosen:
                return chosen
        prefs = (request.user.preferences or {}).get("columns", {})  # type: ignore[union-attr]
        if "columns" in request.GET:
            wanted = [k for k in request.GET.getlist("columns") if k in known]
            if wanted:
                user_set_preference(  # type: ignore[arg-type]
                    user=request.user, key="columns", value={**prefs, config.key: wanted}
                )
        else:
            wanted = [k for k in prefs.get(config.key, []) if k in known]
        if not wanted:
            wanted = [c.key for c in config.columns if c.default]
        return [c for c in config.columns if c.key in wanted]

    def saved_view(self, request: HttpRequest, views: list[SavedView]) -> SavedView | None:
        """Of the user's ``views`` of this list, the one asked for (``?view=<id>``;
        ``view=0`` for none) or, on a bare list page, the user's default view."""
        wanted = request.GET.get("view", "")
        if wanted:
            return next((v for v in views if str(v.pk) == wanted), None)
        filter_keys = set(self.config.filterset_class.base_filters)
        if any(k in filter_keys for k in request.GET) or request.GET.get("page"):
            return None
        return next((v for v in views if v.is_default and v.owner_id == request.user.pk), None)

    def view_filters(self, request: HttpRequest, view: SavedView) -> dict[str, Any]:
        """A view's filters, without those naming a record this user cannot see (a view
        shared by someone with more rights reveals nothing)."""
        filters = {
            k: v
            for k, v in (view.filters or {}).items()
            if k in self.config.filterset_class.base_filters and v
        }
        unseen = unseen_filters(self.config.filterset_class, filters, request.user)
        if unseen:
            messages.warning(
                request,
                _(
                    "A filter of this view names a record that is not there for you; it was left out."
                ),
            )
            for name in unseen:
                filters.pop(name)
        if view.sort:
            filters["sort"] = view.sort
        return filters

    def get(self, request: HttpRequest) -> HttpResponse:
        config = self.config
        filter_keys = set(config.filterset_class.base_filters)
        views = list(saved_view_list(user=request.user, list_key=config.key))
        view = self.saved_view(request, views)
        if view is not None:
            filters = self.view_filters(request, view)
        else:
            filters = {k: v for k, v in request.GET.items() if k in filter_keys and v}
        if "sort" not in filters and config.default_sort:
            filters["sort"] = config.default_sort
        errors: dict[str, list[str]] = {}
        try:
            queryset = config.selector(user=request.user, filters=filters)
        except ValidationError as exc:
            errors = exc.message_dict
            queryset = config.selector(
                user=request.user,
                filters={"sort": config.default_sort} if config.default_sort else None,
            )
        columns = self.chosen_columns(request, view)
        prefetch = [*config.prefetch, *(p for column in columns for p in column.prefetch)]
        if prefetch:
            queryset = queryset.prefetch_related(*prefetch)
        if request.GET.get("export") and not errors:
            return self.export(request, queryset, filters)
        if request.GET.get("count") == "1":
            # The count is loaded after the rows: counting up to 10,000 rows of a scoped
            # list costs more than the page itself, so the rows do not wait for it.
            count, capped = bounded_count(queryset)
            return render(
                request, "web/partials/_list_count.html", {"count": count, "capped": capped}
            )
        try:
            page_number = max(1, int(request.GET.get("page", "1")))
        except ValueError:
            page_number = 1
        try:
            page_size = int(request.GET.get("page_size", PAGE_SIZES[0]))
        except ValueError:
            page_size = PAGE_SIZES[0]
        if page_size not in PAGE_SIZES:
            page_size = PAGE_SIZES[0]
        page = paginate(queryset, page_number, page_size, with_count=False)
        record_list(actor=request.user, model=queryset.model, ids=[obj.pk for obj in page.items])
        filterset = config.filterset_class(
            data=(filters if view is not None else request.GET) or None,
            queryset=queryset.model._default_manager.none(),
        )
        form = filterset.form
        for form_field in form.fields.values():
            widget = form_field.widget
            if type(widget) is forms.Select:
                widget = form_field.widget = PlainSelect(attrs=widget.attrs, choices=widget.choices)
            css = (
                "form-select form-select-sm"
                if hasattr(widget, "choices")
                else "form-control form-control-sm"
            )
            widget.attrs.setdefault("class", css)
        context = {
            "config": config,
            "columns": columns,
            "rows": [
                (obj.pk, [column.html(redact(request.user, obj)) for column in columns])
                for obj in page.items
            ],
            "can_export": can(request.user, "export", queryset.model._meta.model_name),
            "page": page,
            "filter_fields": [form[name] for name in config.filter_fields if name in form.fields],
            "filter_errors": errors,
            "active_filters": {k: v for k, v in filters.items() if k not in {"sort", "q"}},
            "q": request.GET.get("q", ""),
            "page_sizes": PAGE_SIZES,
            "create_url": reverse(config.create_url) if config.create_url else None,
            "saved_views": views,
            "active_view": view,
            "list_query": urlencode(filters),
            "bulk": self.bulk_context(request),
        }
        htmx = getattr(request, "htmx", None)
        template = (
            "web/record_list.html#results" if htmx and not htmx.boosted else "web/record_list.html"
        )
        return render(request, template, context, status=400 if errors else 200)

    def bulk_context(self, request: HttpRequest) -> dict[str, Any] | None:
        """What the page needs to offer bulk changes, when the user may make any."""
        subject = self.config.bulk
        if not subject:
            return None
        allowed = {
            action: can(request.user, action, subject) for action in ("edit", "delete", "export")
        }
        if not any(allowed.values()):
            return None
        # The form's fields (users, teams, stages, custom fields) are loaded when rows
        # are first ticked (``web.bulk.bulk_fields``): the list itself stays cheap.
        return {**allowed, "as_of": timezone.now().isoformat()}

    def export(self, request: HttpRequest, queryset: Any, filters: dict[str, Any]) -> HttpResponse:
        """The whole filtered list as CSV or XLSX, under the export rules (or a format
        of this list's own, such as vCard for contacts)."""
        fmt = request.GET.get("export", "")
        if fmt in self.config.exporters:
            return self.config.exporters[fmt](request, queryset, filters)
        try:
            result = export_file(user=request.user, queryset=queryset, fmt=fmt, filters=filters)
        except PermissionDenied as exc:
            messages.error(request, str(exc))
            query = request.GET.copy()
            query.pop("export", None)
            return HttpResponseRedirect(f"{request.path}?{query.urlencode()}")
        response = HttpResponse(result.content, content_type=result.content_type)
        response["Content-Disposition"] = f'attachment; filename="{result.filename}"'
        return response
