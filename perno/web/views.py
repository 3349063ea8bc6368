from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Count, Sum
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST
from django.views.i18n import set_language as django_set_language

from perno.accounts.permissions import check
from perno.accounts.selectors import user_list
from perno.accounts.services import user_set_language
from perno.activities import selectors as activity_selectors
from perno.activities import services as activity_services
from perno.contacts import services as contact_services
from perno.contacts.models import CustomFieldDefinition
from perno.contacts.selectors import custom_field_definitions, custom_field_get
from perno.core.exceptions import ConflictError
from perno.core.pagination import bounded_count
from perno.sales.selectors import deal_list
from perno.web.records import RECORD_TYPES, record_get


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Django's language switch, also remembered on the user for background messages."""

    response = django_set_language(request)
    if request.user.is_authenticated:
        user_set_language(user=request.user, language=request.POST.get("language", ""))
    return response


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


DASHBOARD_ROWS = 20


def _panel(url_name: str, filters: dict[str, str], queryset: Any) -> dict[str, Any]:
    """A dashboard panel: its count, its first rows and the list it comes from ("see
    all"), all from the same filters, so the count is the list's count."""
    count, capped = bounded_count(queryset)
    query = urlencode(filters)
    return {
        "count": count,
        "capped": capped,
        "rows": list(queryset[:DASHBOARD_ROWS]),
        "url": f"{reverse(url_name)}?{query}",
    }


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    user = request.user
    tasks = {
        name: _panel(
            "activities:activity_list",
            activity_selectors.my_tasks_filters(user=user, overdue=overdue),
            activity_selectors.my_open_tasks(user=user, overdue=overdue),
        )
        for name, overdue in (("overdue", True), ("open", False))
    }
    deal_filters = {"owner": str(user.pk), "status": "open"}
    open_deals = [
        {
            **row,
            "url": f"{reverse('sales:deal_list')}?"
            + urlencode({**deal_filters, "currency": row["currency"]}),
        }
        for row in deal_list(user=user, filters=deal_filters)
        .order_by()
        .values("currency")
        .annotate(total=Sum("amount"), count=Count("id"))
        .order_by("currency")
    ]
    return render(
        request,
        "web/dashboard.html",
        {
            "overdue_tasks": tasks["overdue"],
            "open_tasks": tasks["open"],
            "notifications": activity_selectors.notification_list(
                user=user, unread_only=True, limit=5
            ),
            "unread_url": f"{reverse('web:notifications')}?unread=1",
            "open_deals": open_deals,
            "open_deals_url": f"{reverse('sales:deal_list')}?{urlencode(deal_filters)}",
        },
    )


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    unread = request.GET.get("unread") == "1"
    return render(
        request,
        "web/notifications.html",
        {
            "notifications": activity_selectors.notification_list(
                user=request.user, unread_only=unread, limit=100
            ),
            "unread_only": unread,
        },
    )


@login_required
@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    notification = activity_selectors.notification_get(user=request.user, pk=pk)
    activity_services.notification_mark_read(actor=request.user, notification=notification)
    return HttpResponseRedirect(notification.url or reverse("web:notifications"))


@login_required
@require_POST
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    activity_services.notifications_mark_all_read(actor=request.user)
    return HttpResponseRedirect(reverse("web:notifications"))


@login_required
@require_POST
def owner_change(request: HttpRequest, record_type: str, pk: int) -> HttpResponse:
    """Inline (htmx) owner change on any record's page."""
    obj = record_get(request.user, record_type, pk, action="edit")
    error = ""
    owner_id = request.POST.get("owner") or None
    owner = user_list(user=request.user).filter(pk=owner_id).first() if owner_id else None
    if owner_id and owner is None:
        error = _("That user does not exist or is inactive.")
    else:
        try:
            version = int(request.POST["version"]) if request.POST.get("version") else None
            obj = RECORD_TYPES[record_type].update(request.user, obj, {"owner": owner}, version)
        except ConflictError as exc:
            error = exc.message
            obj = record_get(request.user, record_type, pk)
        except (ValidationError, ValueError) as exc:
            error = "; ".join(getattr(exc, "messages", [str(exc)]))
    return render(
        request,
        "web/partials/_owner.html",
        {
            "object": obj,
            "record_type": record_type,
            "users": user_list(user=request.user),
            "owner_error": error,
        },
        status=409 if error and "version" in error else (400 if error else 200),
    )


class CustomFieldForm(forms.ModelForm):
    choices_text = forms.CharField(
        label=gettext_lazy("Choices"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("For a choice field: one choice per line."),
    )

    class Meta:
        model = CustomFieldDefinition
        fields = ["entity", "label", "key", "field_type", "is_required", "position"]

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = (
                "form-check-input"
                if isinstance(field.widget, forms.CheckboxInput)
                else ("form-select" if isinstance(field.widget, forms.Select) else "form-control")
            )
            field.widget.attrs.setdefault("class", css)

    def _post_clean(self) -> None:
        pass


@login_required
def custom_fields(request: HttpRequest) -> HttpResponse:
    check(request.user, "manage", "customfield")
    form = CustomFieldForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if "deactivate" in request.POST:
            definition = custom_field_get(user=request.user, pk=request.POST["deactivate"])
            contact_services.custom_field_deactivate(actor=request.user, definition=definition)
            messages.success(
                request,
                _("Custom field “%(label)s” removed from forms.") % {"label": definition.label},
            )
            return HttpResponseRedirect(reverse("web:custom_fields"))
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k != "choices_text"}
            data["choices"] = [
                line.strip()
                for line in form.cleaned_data["choices_text"].splitlines()
                if line.strip()
            ]
            try:
                definition = contact_services.custom_field_create(actor=request.user, data=data)
            except ValidationError as exc:
                for key, errors in exc.message_dict.items():
                    for error in errors:
                        form.add_error(
                            ("choices_text" if key == "choices" else key)
                            if key in form.fields or key == "choices"
                            else None,
                            error,
                        )
            else:
                messages.success(
                    request, _("Custom field “%(label)s” added.") % {"label": definition.label}
                )
                return HttpResponseRedirect(reverse("web:custom_fields"))
        status = 400
    return render(
        request,
        "web/custom_fields.html",
        {
            "form": form,
            "definitions": custom_field_definitions(user=request.user),
        },
        status=status,
    )
