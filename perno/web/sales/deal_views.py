"""Deal pages: list, board with its moves, detail, create, edit, delete."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from perno.accounts.selectors import user_list
from perno.core.exceptions import ConflictError
from perno.records.reads import record_shown
from perno.sales import selectors, services
from perno.sales.models import Deal, Stage
from perno.web.editing import RecordFormView
from perno.web.lists import RecordListView
from perno.web.sales.common import detail_page
from perno.web.sales.forms import DealForm
from perno.web.sales.tables import DEALS


class DealListView(RecordListView):
    config = DEALS


@login_required
def deal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    deal = record_shown(selectors.deal_get(user=request.user, pk=pk), user=request.user)
    return detail_page(
        request, deal, "deal", "sales/deal_detail.html", stages=deal.pipeline.stages.all()
    )


class DealCreateView(RecordFormView):
    form_class = DealForm
    model = Deal
    title = gettext_lazy("New deal")

    def initial(self, request: HttpRequest) -> dict[str, Any]:
        initial: dict[str, Any] = {"currency": "EUR"}
        for name in ("company", "contact"):
            if request.GET.get(name, "").isdecimal():
                initial[name] = request.GET[name]
        default = services.default_pipeline()
        if request.GET.get("pipeline", "").isdecimal():
            initial["pipeline"] = request.GET["pipeline"]
        elif default is not None:
            initial["pipeline"] = default.pk
        return initial

    def save(self, request: HttpRequest, form: Any, obj: Any) -> Any:
        return services.deal_create(
            actor=request.user,
            data=form.record_data(),
            custom_fields=form.custom_values(),
            tags=form.tag_names(),
        )


class DealUpdateView(RecordFormView):
    form_class = DealForm
    get_object = selectors.deal_get
    title = gettext_lazy("Edit deal")

    def save(self, request: HttpRequest, form: Any, obj: Any) -> Any:
        return services.deal_update(
            actor=request.user,
            deal=obj,
            data=form.record_data(),
            expected_version=form.cleaned_data.get("version"),
            custom_fields=form.custom_values(),
            tags=form.tag_names(),
        )


@login_required
def deal_board(request: HttpRequest) -> HttpResponse:
    pipelines = list(selectors.pipeline_list(user=request.user))
    pipeline = next(
        (p for p in pipelines if str(p.pk) == request.GET.get("pipeline")), None
    ) or next((p for p in pipelines if p.is_default), pipelines[0] if pipelines else None)
    filters = {k: v for k, v in request.GET.items() if k in {"owner", "q"} and v}
    columns = (
        selectors.deal_board(user=request.user, pipeline=pipeline, filters=filters)
        if pipeline
        else []
    )
    return render(
        request,
        "sales/deal_board.html",
        {
            "pipelines": pipelines,
            "pipeline": pipeline,
            "columns": columns,
            "users": user_list(user=request.user),
            "filters": filters,
        },
    )


@login_required
@require_POST
def deal_move(request: HttpRequest, pk: int) -> JsonResponse:
    """Board move (drag and drop or keyboard): JSON in, JSON out."""
    deal = record_shown(
        selectors.deal_get(user=request.user, pk=pk, action="edit"),
        user=request.user,
        purpose="edit",
    )
    try:
        stage = selectors.stage_get(user=request.user, pk=request.POST.get("stage"))
        version = int(request.POST["version"]) if request.POST.get("version") else None
        before = (
            record_shown(
                selectors.deal_get(user=request.user, pk=request.POST["before"]), user=request.user
            )
            if request.POST.get("before")
            else None
        )
        deal = services.deal_move(
            actor=request.user,
            deal=deal,
            stage=stage,
            expected_version=version,
            before=before,
            reason=request.POST.get("reason"),
        )
    except ConflictError as exc:
        return JsonResponse(
            {"message": exc.message, "current_version": exc.current_version}, status=409
        )
    except ValidationError as exc:
        return JsonResponse(
            {"message": " ".join(exc.messages), "errors": getattr(exc, "message_dict", {})},
            status=400,
        )
    except (ValueError, KeyError):
        return JsonResponse(
            {"message": _("Give the target stage and the deal's version.")}, status=400
        )
    except Http404:
        return JsonResponse({"message": _("That stage or deal does not exist.")}, status=400)
    return JsonResponse(
        {
            "id": deal.pk,
            "stage": deal.stage_id,
            "version": deal.version,
            "status": deal.status,
            "message": _("“%(deal)s” moved to %(stage)s.") % {"deal": deal, "stage": deal.stage},
        }
    )


@login_required
@require_POST
def deal_lose(request: HttpRequest, pk: int) -> HttpResponse:
    """The deal page's "Mark as lost": to the pipeline's lost stage, with the reason."""
    deal = record_shown(
        selectors.deal_get(user=request.user, pk=pk, action="edit"),
        user=request.user,
        purpose="edit",
    )
    stage = deal.pipeline.stages.filter(kind=Stage.Kind.LOST).order_by("position").first()
    try:
        if stage is None:
            raise ValidationError(
                _("The pipeline “%(pipeline)s” has no lost stage: add one in its settings.")
                % {"pipeline": deal.pipeline}
            )
        version = int(request.POST["version"]) if request.POST.get("version") else None
        services.deal_move(
            actor=request.user,
            deal=deal,
            stage=stage,
            expected_version=version,
            reason=request.POST.get("reason", ""),
        )
    except ConflictError as exc:
        messages.error(request, exc.message)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except ValueError:
        messages.error(request, _("Reload the page and try again."))
    else:
        messages.success(request, _("“%(deal)s” marked as lost.") % {"deal": deal})
    return HttpResponseRedirect(deal.get_absolute_url())


@login_required
@require_POST
def deal_delete(request: HttpRequest, pk: int) -> HttpResponse:
    services.deal_delete(
        actor=request.user,
        deal=record_shown(
            selectors.deal_get(user=request.user, pk=pk, action="delete"),
            user=request.user,
            purpose="delete",
        ),
    )
    return HttpResponseRedirect("/deals/")
