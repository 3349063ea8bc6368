"""The bulk change form of a list page (used by ``web.lists`` and ``web.bulk``)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from perno.accounts.models import Team, User
from perno.accounts.permissions import can
from perno.accounts.selectors import team_list, user_list
from perno.contacts.custom_fields import definitions_for
from perno.records.bulkedit import bulk_type
from perno.sales.models import Stage

ACTIONS = [("edit", gettext_lazy("Change")), ("delete", gettext_lazy("Delete"))]
EXPORTS = {"vcf": gettext_lazy("Export as vCard")}


class BulkForm(forms.Form):
    """What to do to the selection. Empty fields are left as they are."""

    action = forms.ChoiceField(label=gettext_lazy("Action"), choices=ACTIONS)
    owner: forms.ModelChoiceField[User] = forms.ModelChoiceField(
        label=gettext_lazy("Owner"), queryset=User.objects.none(), required=False, empty_label="—"
    )
    team: forms.ModelChoiceField[Team] = forms.ModelChoiceField(
        label=gettext_lazy("Team"), queryset=Team.objects.none(), required=False, empty_label="—"
    )
    add_tags = forms.CharField(
        label=gettext_lazy("Add tags"),
        required=False,
        max_length=500,
        help_text=gettext_lazy("Separate tags with commas."),
    )
    remove_tags = forms.CharField(label=gettext_lazy("Remove tags"), required=False, max_length=500)

    def __init__(
        self, *args: Any, subject: str, user: Any, exports: tuple[str, ...] = (), **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        kind = bulk_type(subject)
        # The page offers what the user may do; a posted action is decided by the gate
        # (so a hidden record answers "not there", a visible one "not allowed").
        self.fields["action"].choices = [  # type: ignore[attr-defined]
            (key, label) for key, label in ACTIONS if self.is_bound or can(user, key, subject)
        ] + [
            (f"export-{fmt}", EXPORTS[fmt])
            for fmt in exports
            if fmt in EXPORTS and (self.is_bound or can(user, "export", subject))
        ]
        self.fields["owner"].queryset = user_list(user=user)  # type: ignore[attr-defined]
        self.fields["team"].queryset = team_list(user=user)  # type: ignore[attr-defined]
        if kind.statuses:
            labels = dict(kind.model._meta.get_field("status").choices or [])  # type: ignore[union-attr]
            self.fields["status"] = forms.ChoiceField(
                label=_("Status"),
                required=False,
                choices=[("", "—"), *((s, labels.get(s, s)) for s in kind.statuses)],
            )
        if kind.stage is not None:
            stages = Stage.objects.select_related("pipeline").order_by("pipeline__name", "position")
            self.fields["stage"] = forms.ChoiceField(
                label=_("Stage"),
                required=False,
                choices=[("", "—"), *((str(s.pk), f"{s.pipeline} · {s.name}") for s in stages)],
                help_text=_("Only deals of that stage's pipeline can move to it."),
            )
        if kind.custom_fields:
            definitions = definitions_for(kind.custom_fields)
            if definitions:
                self.fields["custom_key"] = forms.ChoiceField(
                    label=_("Custom field"),
                    required=False,
                    choices=[("", "—"), *((d.key, d.label) for d in definitions)],
                )
                self.fields["custom_value"] = forms.CharField(
                    label=_("New value"), required=False, max_length=1000
                )
        for field in self.fields.values():
            css = (
                "form-select form-select-sm"
                if hasattr(field, "choices")
                else "form-control form-control-sm"
            )
            field.widget.attrs.setdefault("class", css)
            field.widget.attrs["form"] = "bulk-form"

    def changes(self) -> dict[str, Any]:
        """The changes in the form ``records.bulkedit.parse_changes`` reads."""
        data = self.cleaned_data
        out: dict[str, Any] = {}
        if data.get("owner"):
            out["owner"] = data["owner"].pk
        if data.get("team"):
            out["team"] = data["team"].pk
        for key in ("add_tags", "remove_tags", "status", "stage"):
            if data.get(key):
                out[key] = data[key]
        if data.get("custom_key"):
            out["custom_fields"] = {data["custom_key"]: data.get("custom_value", "")}
        return out
