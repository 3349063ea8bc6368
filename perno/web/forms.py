"""Form helpers shared by every record form: custom fields, tags, the version field."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from perno.accounts.confidential import CUSTOM_PREFIX, hidden_fields
from perno.accounts.permissions import access_for
from perno.accounts.regions import phone_region
from perno.contacts.models import CustomFieldDefinition
from perno.contacts.selectors import custom_field_definitions
from perno.core.countries import to_code
from perno.core.validators import normalize_phone, normalize_vat
from perno.web.accounts.forms import style
from perno.web.countries import country_field, phone_hint

FieldType = CustomFieldDefinition.FieldType


class RecordForm(forms.ModelForm):
    """A ModelForm with tags, the record version and the administrator's custom fields.
    It only shapes input: services validate and save."""

    custom_entity: str | None = None
    tags = forms.CharField(
        label=_("Tags"), required=False, help_text=_("Separate tags with commas.")
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.user = user
        instance = self.instance
        if instance.pk:
            self.fields["version"].initial = instance.version
            self.fields["tags"].initial = ", ".join(t.name for t in instance.tags.all())
        # Fields hidden from this user are not in the form: they can neither read nor
        # overwrite them (the service keeps the stored values).
        hidden = hidden_fields(user, self._meta.model._meta.model_name)
        self.custom_definitions = [
            d
            for d in (
                custom_field_definitions(user=user, entity=self.custom_entity)
                if self.custom_entity
                else []
            )
            if f"{CUSTOM_PREFIX}{d.key}" not in hidden
        ]
        for name in hidden:
            self.fields.pop(name, None)
        if "is_confidential" in self.fields and not access_for(user).see_confidential:
            del self.fields["is_confidential"]
        current = getattr(instance, "custom_fields", None) or {}
        for definition in self.custom_definitions:
            name = f"cf_{definition.key}"
            self.fields[name] = self._custom_field(definition)
            self.fields[name].initial = current.get(definition.key)
        for field in self.fields.values():
            if isinstance(field, forms.ModelChoiceField):
                field.empty_label = "—"
        self._countries(instance, hidden)
        style(self)

    def _countries(self, instance: Any, hidden: frozenset[str]) -> None:
        """The country as a select; next to each phone, which country a number without
        its +country code is read as (the record's country is not named to whom it is
        hidden)."""
        stored = str(getattr(instance, "country", "") or "")
        if "country" in self.fields:
            self.fields["country"] = country_field(stored, label=self.fields["country"].label)
        phones = [name for name in ("phone", "mobile") if name in self.fields]
        if phones:
            hint = phone_hint(self.user, "" if "country" in hidden else stored)
            for name in phones:
                self.fields[name].help_text = hint

    @staticmethod
    def _custom_field(definition: CustomFieldDefinition) -> forms.Field:
        common: dict[str, Any] = {"label": definition.label, "required": False}
        if definition.field_type == FieldType.NUMBER:
            return forms.DecimalField(**common)
        if definition.field_type == FieldType.DATE:
            return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **common)
        if definition.field_type == FieldType.BOOLEAN:
            return forms.NullBooleanField(widget=forms.NullBooleanSelect, **common)
        if definition.field_type == FieldType.CHOICE:
            return forms.ChoiceField(
                choices=[("", "—")] + [(c, c) for c in definition.choices], **common
            )
        return forms.CharField(max_length=1000, **common)

    def custom_values(self) -> dict[str, Any]:
        return {d.key: self.cleaned_data.get(f"cf_{d.key}") for d in self.custom_definitions}

    def tag_names(self) -> list[str]:
        return [t.strip() for t in (self.cleaned_data.get("tags") or "").split(",") if t.strip()]

    def record_data(self) -> dict[str, Any]:
        """The model fields for the service (without tags, custom fields and version)."""
        return {
            name: self.cleaned_data[name]
            for name in self._meta.fields or []
            if name in self.cleaned_data
        }

    def add_service_errors(self, errors: dict[str, list[str]]) -> None:
        for key, messages in errors.items():
            name = (
                f"cf_{key.removeprefix('custom_fields.')}"
                if key.startswith("custom_fields.")
                else key
            )
            for message in messages:
                self.add_error(name if name in self.fields else None, message)

    def clean(self) -> dict[str, Any]:
        """Check phones and VAT numbers here too, so every field error shows at once
        (the service normalises and validates them again for every other caller)."""
        data = super().clean() or {}
        stored = str(getattr(self.instance, "country", "") or "")
        country = to_code(str(data.get("country") or "") if "country" in self.fields else stored)
        region = phone_region(self.user, country or "").code
        for name in ("phone", "mobile"):
            if data.get(name):
                try:
                    data[name] = normalize_phone(data[name], region)
                except ValidationError as exc:
                    self.add_error(name, exc)
        if data.get("vat_number"):
            try:
                data["vat_number"] = normalize_vat(data["vat_number"], country or None)
            except ValidationError as exc:
                self.add_error("vat_number", exc)
        return data

    def _post_clean(self) -> None:
        # Model validation runs in the service (after normalisation, e.g. phones to E.164).
        pass
