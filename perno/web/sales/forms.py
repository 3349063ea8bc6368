from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from perno.contacts.models import Company, Contact, CustomFieldDefinition
from perno.sales.models import CURRENCY_CHOICES, Deal, Lead, Order, Pipeline, Product, Stage
from perno.web.forms import RecordForm
from perno.web.pickers import record_picker


class LeadForm(RecordForm):
    class Meta:
        model = Lead
        fields = [
            "first_name",
            "last_name",
            "company_name",
            "job_title",
            "email",
            "phone",
            "country",
            "source",
            "status",
            "owner",
            "team",
            "is_confidential",
            "notes",
        ]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        choices = [c for c in Lead.Status.choices if c[0] != Lead.Status.CONVERTED]
        if self.instance.status == Lead.Status.CONVERTED:
            choices = [c for c in Lead.Status.choices if c[0] == Lead.Status.CONVERTED]
        self.fields["status"].choices = choices  # type: ignore[attr-defined]


class DealForm(RecordForm):
    custom_entity = CustomFieldDefinition.Entity.DEAL

    class Meta:
        model = Deal
        fields = [
            "title",
            "company",
            "contact",
            "pipeline",
            "stage",
            "amount",
            "currency",
            "probability",
            "expected_close_date",
            "close_reason",
            "owner",
            "team",
            "is_confidential",
            "notes",
        ]
        widgets = {
            "notes": forms.Textarea(attrs={"rows": 3}),
            "expected_close_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        lookups = {"company": "contacts:company_lookup", "contact": "contacts:contact_lookup"}
        for name, model in (("company", Company), ("contact", Contact)):
            selected = (
                (self.data.get(name) if self.data else None)
                or self.initial.get(name)
                or getattr(self.instance, f"{name}_id", None)
            )
            self.fields[name].widget = record_picker(model, selected, lookups[name], self.user)
        stages = Stage.objects.select_related("pipeline").order_by("pipeline__position", "position")
        self.fields["stage"].queryset = stages  # type: ignore[attr-defined]
        self.fields["stage"].label_from_instance = lambda s: f"{s.pipeline} → {s.name}"  # type: ignore[attr-defined]
        self.fields["stage"].required = False
        self.fields["pipeline"].required = False
        self.fields["probability"].required = False
        self.fields["currency"].choices = CURRENCY_CHOICES  # type: ignore[attr-defined]

    def record_data(self) -> dict[str, Any]:
        data = super().record_data()
        if data.get("probability") is None:
            data.pop("probability", None)
        if not data.get("stage"):
            data.pop("stage", None)
        if not data.get("pipeline"):
            data.pop("pipeline", None)
        return data


class DealConvertForm(forms.Form):
    create_deal = forms.BooleanField(label=_("Create a deal"), required=False, initial=True)
    deal_title = forms.CharField(label=_("Deal title"), required=False, max_length=200)
    amount = forms.DecimalField(
        label=_("Amount"), required=False, min_value=0, max_digits=14, decimal_places=2
    )
    currency = forms.ChoiceField(label=_("Currency"), choices=CURRENCY_CHOICES, initial="EUR")
    pipeline = forms.ModelChoiceField(
        label=_("Pipeline"),
        queryset=Pipeline.objects.all(),
        required=False,
        empty_label=_("Default pipeline"),
    )
    company = forms.IntegerField(
        label=_("Existing company (optional)"), required=False, min_value=1
    )

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["company"].widget = record_picker(
            Company,
            self.data.get("company") if self.data else None,
            "contacts:company_lookup",
            user,
        )
        self.fields["company"].help_text = _(
            "Leave empty to create the company named on the lead; type to find an existing one."
        )
        for field in self.fields.values():
            css = (
                "form-check-input"
                if isinstance(field.widget, forms.CheckboxInput)
                else ("form-select" if isinstance(field.widget, forms.Select) else "form-control")
            )
            field.widget.attrs["class"] = css


class ProductForm(RecordForm):
    class Meta:
        model = Product
        fields = [
            "name",
            "sku",
            "unit_price",
            "currency",
            "vat_rate",
            "is_active",
            "owner",
            "team",
            "is_confidential",
            "description",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class OrderForm(RecordForm):
    """The order's header; its lines come from the ``line-N-*`` inputs of the page."""

    class Meta:
        model = Order
        fields = [
            "number",
            "contact",
            "company",
            "ordered_on",
            "currency",
            "status",
            "total",
            "cost",
            "owner",
            "team",
            "is_confidential",
        ]
        widgets = {"ordered_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["total"].required = False
        self.fields["total"].help_text = _("Computed from the lines when there are lines.")
        lookups = {"company": "contacts:company_lookup", "contact": "contacts:contact_lookup"}
        for name, model in (("company", Company), ("contact", Contact)):
            selected = (
                (self.data.get(name) if self.data else None)
                or self.initial.get(name)
                or getattr(self.instance, f"{name}_id", None)
            )
            self.fields[name].widget = record_picker(model, selected, lookups[name], self.user)


LINE_INPUTS = ("product", "description", "quantity", "unit_price")


def order_lines_from_post(data: Any) -> list[dict[str, Any]]:
    """The filled ``line-N-*`` rows of the order page, in order; empty rows are skipped."""
    numbers = sorted(
        {
            int(key.split("-")[1])
            for key in data
            if key.startswith("line-") and key.count("-") == 2 and key.split("-")[1].isdecimal()
        }
    )
    lines = []
    for n in numbers:
        row = {name: (data.get(f"line-{n}-{name}") or "").strip() for name in LINE_INPUTS}
        if not any(row.values()):
            continue
        line: dict[str, Any] = {
            "description": row["description"],
            "quantity": row["quantity"] or "1",
            "unit_price": row["unit_price"] or None,
        }
        if row["product"]:
            line["product"] = int(row["product"]) if row["product"].isdecimal() else row["product"]
        lines.append(line)
    return lines


def order_line_rows(data: Any, order: Any, blanks: int = 3) -> list[dict[str, Any]]:
    """The rows the order page shows: what was posted, or the stored lines, plus blanks."""
    if data:
        rows = [
            {name: data.get(f"line-{n}-{name}", "") for name in LINE_INPUTS}
            for n in sorted(
                {
                    int(k.split("-")[1])
                    for k in data
                    if k.startswith("line-") and k.split("-")[1].isdecimal()
                }
            )
        ]
    elif order is not None and order.pk:
        rows = [
            {
                "product": line.product_id or "",
                "description": line.description,
                "quantity": line.quantity.normalize(),
                "unit_price": line.unit_price,
            }
            for line in order.lines.all()
        ]
    else:
        rows = []
    return rows + [dict.fromkeys(LINE_INPUTS, "") for _ in range(blanks)]
