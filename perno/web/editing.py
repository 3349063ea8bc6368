"""Generic create and edit pages: the form shapes input, one service call writes.
A stale version shows both the stored values and what the user typed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views import View

from perno.accounts.permissions import check
from perno.core.diffs import snapshot
from perno.core.exceptions import ConflictError
from perno.core.integrity import explain


class RecordFormView(LoginRequiredMixin, View):
    form_class: Any
    template_name = "web/record_form.html"
    title: Any = ""
    get_object: Callable[..., Any] | None = None  # selector for edit views
    model: Any = None

    def object(self, request: HttpRequest, pk: Any) -> Any:
        if pk is None:
            return None
        assert self.get_object is not None
        return type(self).get_object(user=request.user, pk=pk, action="edit")  # type: ignore[misc]

    def initial(self, request: HttpRequest) -> dict[str, Any]:
        return {}

    def save(self, request: HttpRequest, form: Any, obj: Any) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def form(self, request: HttpRequest, obj: Any, data: Any = None, files: Any = None) -> Any:
        return self.form_class(
            data,
            files,
            instance=obj,
            user=request.user,
            initial=None if data else self.initial(request),
        )

    def render_form(
        self, request: HttpRequest, form: Any, obj: Any, conflict: Any = None, status: int = 200
    ) -> HttpResponse:
        return render(
            request,
            self.template_name,
            {
                "form": form,
                "object": obj,
                "title": self.title,
                "conflict": conflict,
                "cancel_url": obj.get_absolute_url()
                if obj is not None
                else request.GET.get("next", "/"),
            },
            status=status,
        )

    def get(self, request: HttpRequest, pk: Any = None) -> HttpResponse:
        obj = self.object(request, pk)
        if obj is None:
            check(request.user, "create", self.model._meta.model_name)
        return self.render_form(request, self.form(request, obj), obj)

    def post(self, request: HttpRequest, pk: Any = None) -> HttpResponse:
        obj = self.object(request, pk)
        form = self.form(request, obj, request.POST, request.FILES)
        if form.is_valid():
            try:
                with transaction.atomic():
                    saved = self.save(request, form, obj)
            except ValidationError as exc:
                form.add_service_errors(
                    exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
                )
            except IntegrityError as exc:
                # A unique value taken by a concurrent save (both passed the check).
                conflict = explain(exc)
                form.add_service_errors(conflict.errors or {"__all__": [conflict.message]})
                return self.render_form(request, form, obj, status=409)
            except ConflictError as exc:
                form.add_error(None, exc.message)
                stored = snapshot(
                    exc.current,
                    [
                        f
                        for f in form._meta.fields
                        if f in {x.name for x in exc.current._meta.fields}
                    ],
                )
                # Keep what the user typed; the next save applies it over the stored version.
                data = request.POST.copy()
                data["version"] = str(exc.current_version)
                form = self.form(request, obj, data, request.FILES)
                form.is_valid()
                form.add_error(None, exc.message)
                return self.render_form(request, form, obj, conflict=stored, status=409)
            else:
                messages.success(request, _("Saved “%(name)s”.") % {"name": saved})
                return HttpResponseRedirect(saved.get_absolute_url())
        return self.render_form(request, form, obj, status=400)
