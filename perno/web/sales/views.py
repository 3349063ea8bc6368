from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from perno.accounts.confidential import redact
from perno.accounts.permissions import can
from perno.accounts.selectors import user_list
from perno.contacts.selectors import company_get
from perno.core.exceptions import ConflictError
from perno.records.history import change_history
from perno.records.reads import record_shown
from perno.sales import selectors, services
from perno.sales.models import Deal, Lead, Order, Product, Stage
from perno.web.editing import RecordFormView
from perno.web.lists import RecordListView
from perno.web.sales.forms import (
    DealConvertForm,
    DealForm,
    LeadForm,
    OrderForm,
    ProductForm,
    order_line_rows,
    order_lines_from_post,
)
from perno.web.sales.tables import DEALS, LEADS, ORDERS, PRODUCTS


class LeadListView(RecordListView):
    config = LEADS


class DealListView(RecordListView):
    config = DEALS


class ProductListView(RecordListView):
    config = PRODUCTS


def _detail(
    request: HttpRequest, obj: Any, record_type: str, template: str, **extra: Any
) -> HttpResponse:
    return render(
        request,
        template,
        {
            "object": redact(request.user, obj),
            "record_type": record_type,
            "users": user_list(user=request.user),
            "history": change_history(user=request.user, instance=obj),
            **extra,
        },
    )


@login_required
def lead_detail(request: HttpRequest, pk: int) -> HttpResponse:
    lead = record_shown(selectors.lead_get(user=request.user, pk=pk), user=request.user)
    return _detail(request, lead, "lead", "sales/lead_detail.html")


@login_required
def deal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    deal = record_shown(selectors.deal_get(user=request.user, pk=pk), user=request.user)
    return _detail(
        request, deal, "deal", "sales/deal_detail.html", stages=deal.pipeline.stages.all()
    )


@login_required
def product_detail(request: HttpRequest, pk: int) -> HttpResponse:
    product = record_shown(selectors.product_get(user=request.user, pk=pk), user=request.user)
    return _detail(request, product, "product", "sales/product_detail.html")


class LeadCreateView(RecordFormView):
    form_class = LeadForm
    model = Lead
    title = gettext_lazy("New lead")

    def save(self, request: HttpRequest, form: Any, obj: Any) -> Any:
        return services.lead_create(
            actor=request.user, data=form.record_data(), tags=form.tag_names()
        )


class LeadUpdateView(RecordFormView):
    form_class = LeadForm
    get_object = selectors.lead_get
    title = gettext_lazy("Edit lead")

    def save(self, request: HttpRequest, form: Any, obj: Any) -> Any:
        return services.lead_update(
            actor=request.user,
            lead=obj,
            data=form.record_data(),
            expected_version=form.cleaned_data.get("version"),
            tags=form.tag_names(),
        )


class DealCreateView(RecordFormView):
    form_class = DealForm
    model = Deal
    title = gettext_lazy("New deal")

    def initial(self, request: HttpRequest) -> dict[str, Any]:
        initial: dict[str, Any] = {"currency": "EUR"}
        for name in ("company", "contact"):
            if request.GET.get(name, "").isdigit():
                initial[name] = request.GET[name]
        default = services.default_pipeline()
        if request.GET.get("pipeline", "").isdigit():
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


class ProductCreateView(RecordFormView):
    form_class = ProductForm
    model = Product
    title = gettext_lazy("New product")

    def save(self, request: HttpRequest, form: Any, obj: Any) -> Any:
        return services.product_create(
            actor=request.user, data=form.record_data(), tags=form.tag_names()
        )


class ProductUpdateView(RecordFormView):
    form_class = ProductForm
    get_object = selectors.product_get
    title = gettext_lazy("Edit product")

    def save(self, request: HttpRequest, form: Any, obj: Any) -> Any:
        return services.product_update(
            actor=request.user,
            product=obj,
            data=form.record_data(),
            expected_version=form.cleaned_data.get("version"),
            tags=form.tag_names(),
        )


@login_required
def lead_convert(request: HttpRequest, pk: int) -> HttpResponse:
    lead = record_shown(
        selectors.lead_get(user=request.user, pk=pk, action="edit"),
        user=request.user,
        purpose="edit",
    )
    form = DealConvertForm(
        request.POST or None, initial={"deal_title": lead.company_name or str(lead)}
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                company = (
                    record_shown(
                        company_get(user=request.user, pk=data["company"]), user=request.user
                    )
                    if data.get("company")
                    else None
                )
                contact, company, deal = services.lead_convert(
                    actor=request.user,
                    lead=lead,
                    company=company,
                    create_deal=data["create_deal"],
                    deal_title=data["deal_title"],
                    amount=data["amount"],
                    currency=data["currency"],
                    pipeline=data["pipeline"],
                )
            except ValidationError as exc:
                for key, errors in exc.message_dict.items():
                    for error in errors:
                        form.add_error(key if key in form.fields else None, error)
            except ConflictError as exc:
                form.add_error(None, exc.message)
            except Http404:
                form.add_error("company", _("There is no company with this id."))
            else:
                messages.success(
                    request, _("Lead converted into %(contact)s.") % {"contact": contact}
                )
                return HttpResponseRedirect((deal or contact).get_absolute_url())
        status = 400
    return render(request, "sales/lead_convert.html", {"object": lead, "form": form}, status=status)


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
            actor=request.user, deal=deal, stage=stage, expected_version=version, before=before
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


@login_required
@require_POST
def lead_delete(request: HttpRequest, pk: int) -> HttpResponse:
    services.lead_delete(
        actor=request.user,
        lead=record_shown(
            selectors.lead_get(user=request.user, pk=pk, action="delete"),
            user=request.user,
            purpose="delete",
        ),
    )
    return HttpResponseRedirect("/leads/")


@login_required
@require_POST
def product_delete(request: HttpRequest, pk: int) -> HttpResponse:
    services.product_delete(
        actor=request.user,
        product=record_shown(
            selectors.product_get(user=request.user, pk=pk, action="delete"),
            user=request.user,
            purpose="delete",
        ),
    )
    return HttpResponseRedirect("/products/")


PIPELINE_ACTIONS = {
    "create",
    "add_stage",
    "update_stage",
    "delete_stage",
    "move_stage",
    "make_default",
    "delete",
}


@login_required
def pipeline_settings(request: HttpRequest) -> HttpResponse:
    """Administrators manage pipelines and their ordered stages (through the services)."""

    if not can(request.user, "manage", "pipeline"):
        raise PermissionDenied
    errors: list[str] = []
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            _pipeline_action(request, action)
        except ValidationError as exc:
            errors = exc.messages
        except (ValueError, KeyError):
            errors = [_("The form was incomplete. Fill in every field and try again.")]
        else:
            return HttpResponseRedirect(request.path)
    return render(
        request,
        "sales/pipeline_settings.html",
        {
            "pipelines": selectors.pipeline_list(user=request.user),
            "errors": errors,
            "kinds": Stage.Kind.choices,
        },
        status=400 if errors else 200,
    )


def _pipeline_action(request: HttpRequest, action: str) -> None:
    post = request.POST
    actor = request.user
    if action not in PIPELINE_ACTIONS:
        raise ValidationError(_("Unknown action."))
    if action == "create":
        name = post.get("name", "").strip()
        if not name:
            raise ValidationError(_("Give the pipeline a name."))
        services.pipeline_create(
            actor=actor,
            name=name,
            stages=[
                (_("New"), 10, Stage.Kind.OPEN),
                (_("Qualified"), 30, Stage.Kind.OPEN),
                (_("Proposal"), 60, Stage.Kind.OPEN),
                (_("Won"), 100, Stage.Kind.WON),
                (_("Lost"), 0, Stage.Kind.LOST),
            ],
        )
        return
    pipeline = selectors.pipeline_get(user=actor, pk=int(post["pipeline"]))
    if action == "make_default":
        services.pipeline_update(actor=actor, pipeline=pipeline, is_default=True)
    elif action == "delete":
        services.pipeline_delete(actor=actor, pipeline=pipeline)
    elif action == "add_stage":
        services.stage_add(
            actor=actor,
            pipeline=pipeline,
            name=post["name"],
            probability=int(post.get("probability") or 0),
            kind=post.get("kind") or Stage.Kind.OPEN,
        )
    else:
        stage = selectors.stage_get(user=actor, pk=int(post["stage"]))
        if stage.pipeline_id != pipeline.pk:
            raise ValidationError(_("That stage belongs to another pipeline."))
        if action == "update_stage":
            services.stage_update(
                actor=actor,
                stage=stage,
                data={
                    "name": post["name"].strip(),
                    "probability": int(post["probability"]),
                    "kind": post["kind"],
                },
            )
        elif action == "delete_stage":
            services.stage_delete(actor=actor, stage=stage)
        elif action == "move_stage":
            ids = [s.pk for s in pipeline.stages.all()]
            index = ids.index(stage.pk)
            target = index + (1 if post.get("direction") == "down" else -1)
            if 0 <= target < len(ids):
                ids[index], ids[target] = ids[target], ids[index]
                services.stages_reorder(actor=actor, pipeline=pipeline, stage_ids=ids)


class OrderListView(RecordListView):
    config = ORDERS


@login_required
def order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    order = record_shown(selectors.order_get(user=request.user, pk=pk), user=request.user)
    return _detail(request, order, "order", "sales/order_detail.html", lines=order.lines.all())


class _OrderFormView(RecordFormView):
    form_class = OrderForm
    template_name = "sales/order_form.html"

    def form(self, request: HttpRequest, obj: Any, data: Any = None, files: Any = None) -> Any:
        built = super().form(request, obj, data, files)
        built.line_rows = order_line_rows(data, obj)
        built.products = selectors.product_list(user=request.user).filter(is_active=True)[:500]
        return built


class OrderCreateView(_OrderFormView):
    model = Order
    title = gettext_lazy("New order")

    def initial(self, request: HttpRequest) -> dict[str, Any]:

        return {
            "contact": request.GET.get("contact"),
            "company": request.GET.get("company"),
            "ordered_on": timezone.localdate(),
        }

    def save(self, request: HttpRequest, form: Any, obj: Any) -> Any:
        return services.order_create(
            actor=request.user,
            data=form.record_data(),
            lines=order_lines_from_post(request.POST),
            tags=form.tag_names(),
        )


class OrderUpdateView(_OrderFormView):
    get_object = selectors.order_get
    title = gettext_lazy("Edit order")

    def save(self, request: HttpRequest, form: Any, obj: Any) -> Any:
        return services.order_update(
            actor=request.user,
            order=obj,
            data=form.record_data(),
            expected_version=form.cleaned_data.get("version"),
            lines=order_lines_from_post(request.POST),
            tags=form.tag_names(),
        )


@login_required
@require_POST
def order_delete(request: HttpRequest, pk: int) -> HttpResponse:
    services.order_delete(
        actor=request.user,
        order=record_shown(
            selectors.order_get(user=request.user, pk=pk, action="delete"),
            user=request.user,
            purpose="delete",
        ),
    )
    messages.success(request, _("Order deleted."))
    return HttpResponseRedirect("/orders/")
