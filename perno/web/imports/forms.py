"""The import wizard's forms: the upload (record type, file, saved mapping), the column
mapping with the value formats, the duplicate choices and the run."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from perno.accounts.permissions import can
from perno.imports.entities import SPECS
from perno.imports.fields import Target
from perno.imports.formats import COMMA, DMY, MDY, POINT, YMD

# The chooser's order and wording (the record types an import writes).
ENTITY_LABELS: dict[str, Any] = {
    "company": gettext_lazy("Companies"),
    "contact": gettext_lazy("Contacts"),
    "lead": gettext_lazy("Leads"),
    "deal": gettext_lazy("Deals"),
    "product": gettext_lazy("Products"),
    "activity": gettext_lazy("Activities"),
    "order": gettext_lazy("Orders"),
}
ACCEPT = ".csv,.txt,.tsv,.xlsx,.vcf,.vcard,text/csv,text/vcard"
DATE_ORDER_CHOICES = [
    (DMY, gettext_lazy("day/month/year (31/12/2025)")),
    (MDY, gettext_lazy("month/day/year (12/31/2025)")),
    (YMD, gettext_lazy("year-month-day (2025-12-31)")),
]
DECIMAL_CHOICES = [
    (COMMA, gettext_lazy("comma: 1.234,56")),
    (POINT, gettext_lazy("point: 1,234.56")),
]
DECISION_CHOICES = [
    ("skip", gettext_lazy("Skip (keep the existing record)")),
    ("update", gettext_lazy("Update the existing record")),
    ("create", gettext_lazy("Create anyway")),
]
GROUP_LABELS: dict[str, Any] = {
    "record": gettext_lazy("Fields"),
    "link": gettext_lazy("Links to other records"),
    "address": gettext_lazy("Address"),
    "custom": gettext_lazy("Custom fields"),
    "consent": gettext_lazy("Consents"),
}


def importable(user: Any) -> list[tuple[str, Any]]:
    """The record types ``user`` may create, in the chooser's order."""
    return [
        (key, label)
        for key, label in ENTITY_LABELS.items()
        if key in SPECS and can(user, "create", SPECS[key].subject)
    ]


def too_large_message() -> str:
    return _(
        "The file is larger than %(limit)s, the most an upload may be. Split it into smaller files, or leave out the columns you do not need."
    ) % {"limit": filesizeformat(settings.PERNO_UPLOAD_MAX_BYTES)}


class UploadForm(forms.Form):
    entity = forms.ChoiceField(label=gettext_lazy("What to import"))
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy(
            "CSV (any delimiter; UTF-8, Windows-1252, Windows-1250 or ISO-8859-2), Excel workbook (.xlsx) or vCard (.vcf). Contacts may bring their company and address in the same row."
        ),
    )
    saved_mapping = forms.ChoiceField(
        label=gettext_lazy("Saved mapping"),
        required=False,
        help_text=gettext_lazy(
            "Optional: the columns are mapped as you saved them for an earlier file."
        ),
    )

    def __init__(self, *args: Any, entities: list[tuple[str, Any]], mappings: Any, **kw: Any):
        super().__init__(*args, **kw)
        self.fields["entity"].choices = entities  # type: ignore[attr-defined]
        self.mappings = {str(m.pk): m for m in mappings}
        labels = dict(ENTITY_LABELS)
        saved = [(str(m.pk), f"{m.name} ({labels.get(m.entity, m.entity)})") for m in mappings]
        self.fields["saved_mapping"].choices = [  # type: ignore[attr-defined]
            ("", _("None: suggest from the headers")),
            *saved,
        ]
        self.fields["file"].widget.attrs.update(
            {
                "accept": ACCEPT,
                "data-max-bytes": str(settings.PERNO_UPLOAD_MAX_BYTES),
                "data-too-large": too_large_message(),
                "data-error-target": "file-size-error",
            }
        )
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-select")
        self.fields["file"].widget.attrs["class"] = "form-control"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        chosen = self.mappings.get(data.get("saved_mapping") or "")
        if chosen is not None and data.get("entity") and chosen.entity != data["entity"]:
            self.add_error(
                "saved_mapping",
                _("The mapping “%(name)s” is for %(kind)s; choose one for %(entity)s or none.")
                % {
                    "name": chosen.name,
                    "kind": ENTITY_LABELS.get(chosen.entity, chosen.entity),
                    "entity": ENTITY_LABELS.get(data["entity"], data["entity"]),
                },
            )
        data["mapping_object"] = chosen
        return data


def column_field_name(position: int) -> str:
    return f"column_{position}"


class MappingForm(forms.Form):
    """One field picker per column of the file, the formats of dates and amounts and a
    name to save the mapping under."""

    date_order = forms.ChoiceField(
        label=gettext_lazy("Dates are written"), choices=DATE_ORDER_CHOICES
    )
    decimal = forms.ChoiceField(
        label=gettext_lazy("Decimal separator in amounts"), choices=DECIMAL_CHOICES
    )
    save_as = forms.CharField(
        label=gettext_lazy("Save this mapping as"),
        required=False,
        max_length=100,
        help_text=gettext_lazy("Optional: a name to reuse this mapping for the next file."),
    )

    def __init__(
        self, *args: Any, headers: list[str], targets: list[Target], mapping: dict, **kw: Any
    ) -> None:
        super().__init__(*args, **kw)
        self.headers = headers
        self.targets = {t.key: t for t in targets}
        grouped: dict[str, list[tuple[str, str]]] = {}
        for target in targets:
            label = f"{target.label} *" if target.required else str(target.label)
            grouped.setdefault(target.group, []).append((target.key, label))
        choices: list[Any] = [("", _("— do not import —"))]
        for group, options in grouped.items():
            choices.append((str(GROUP_LABELS.get(group, group)), options))
        for position, header in enumerate(headers):
            self.fields[column_field_name(position)] = forms.ChoiceField(
                label=header or _("(no header)"),
                choices=choices,
                required=False,
                initial=mapping.get(header) or "",
            )
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-select form-select-sm")
        self.fields["save_as"].widget.attrs["class"] = "form-control"

    def column_fields(self) -> list[Any]:
        return [self[column_field_name(i)] for i in range(len(self.headers))]

    def mapping(self) -> dict[str, str | None]:
        return {
            header: self.cleaned_data.get(column_field_name(i)) or None
            for i, header in enumerate(self.headers)
        }

    def formats(self, numeric_kinds: set[str], date_kinds: set[str]) -> dict[str, str]:
        """The chosen order or separator for each mapped date or number field."""
        found: dict[str, str] = {}
        for key in self.mapping().values():
            target = self.targets.get(key or "")
            if key is None or target is None:
                continue
            if target.kind in date_kinds:
                found[key] = self.cleaned_data["date_order"]
            elif target.kind in numeric_kinds:
                found[key] = self.cleaned_data["decimal"]
        return found


class RunForm(forms.Form):
    mode = forms.ChoiceField(
        label=gettext_lazy("How to import"),
        choices=[
            ("good", gettext_lazy("Import the good rows; download the bad ones afterwards")),
            ("all", gettext_lazy("All or nothing: import only if every row is good")),
        ],
        initial="good",
        widget=forms.RadioSelect,
    )
