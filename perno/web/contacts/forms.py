from __future__ import annotations

from django import forms
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from perno.accounts.permissions import restrict
from perno.accounts.regions import user_region
from perno.contacts.models import Address, Company, Contact, CustomFieldDefinition
from perno.core.countries import to_code
from perno.web.countries import country_field
from perno.web.forms import RecordForm
from perno.web.pickers import record_picker


class CompanyForm(RecordForm):
    custom_entity = CustomFieldDefinition.Entity.COMPANY

    class Meta:
        model = Company
        fields = [
            "name",
            "vat_number",
            "industry",
            "website",
            "email",
            "phone",
            "country",
            "employees",
            "owner",
            "team",
            "is_confidential",
            "notes",
        ]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}


class ContactForm(RecordForm):
    custom_entity = CustomFieldDefinition.Entity.CONTACT
    company = forms.ModelChoiceField(
        queryset=Company.objects.all(),
        required=False,
        label=_("Company"),
        widget=forms.NumberInput,
        help_text=_("Type in the search box above the list to find the company."),
    )

    class Meta:
        model = Contact
        fields = [
            "first_name",
            "last_name",
            "email",
            "phone",
            "mobile",
            "job_title",
            "language",
            "country",
            "owner",
            "team",
            "is_confidential",
            "notes",
        ]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["company"]
            return
        # Only the pre-selected company is offered as an option (the list may hold
        # millions); validation still accepts any company id.
        selected = self.initial.get("company") or (self.data.get("company") if self.data else None)
        options = [("", "—")]
        if selected and str(selected).isdecimal():
            company = restrict(Company.objects.all(), self.user, "view").filter(pk=selected).first()
            if company is not None:
                options.append((str(company.pk), company.name))
        self.fields["company"].widget = forms.Select(
            choices=options,
            attrs={
                "class": "form-select",
                "data-lookup-url": reverse_lazy("contacts:company_lookup"),
                "data-lookup-placeholder": _("Type to search…"),
            },
        )

    def record_data(self):  # type: ignore[no-untyped-def]
        data = super().record_data()
        data.pop("company", None)
        return data


class AddressForm(forms.ModelForm):
    class Meta:
        model = Address
        fields = ["kind", "street", "postal_code", "city", "region", "country"]

    def __init__(self, *args, record=None, user=None, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        # A new address is, unless told otherwise, in the record's country, else in the
        # user's region.
        self.fields["country"] = country_field(label=_("Country"), required=True)
        self.fields["country"].initial = to_code(getattr(record, "country", "") or "") or (
            user_region(user).code
        )
        for field in self.fields.values():
            field.widget.attrs.setdefault(
                "class",
                "form-select form-select-sm"
                if isinstance(field.widget, forms.Select)
                else "form-control form-control-sm",
            )


class AffiliationForm(forms.Form):
    company = forms.IntegerField(
        label=_("Company"),
        min_value=1,
        error_messages={"required": _("Choose a company: type part of its name to find it.")},
    )
    job_title = forms.CharField(label=_("Role / job title"), required=False, max_length=100)

    def __init__(self, *args, user=None, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        selected = self.data.get("company") if self.data else None
        self.fields["company"].widget = record_picker(
            Company, selected, "contacts:company_lookup", user, small=True
        )
        self.fields["job_title"].widget.attrs["class"] = "form-control form-control-sm"
