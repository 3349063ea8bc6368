"""Forms of the case pages: a case (create, edit), assigning, merging, and the settings
of queues and categories. They shape input; the services validate and write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from perno.accounts.models import User
from perno.cases.models import Case, CaseCategory, Queue
from perno.cases.services import CREATE_STATUSES, TRANSITIONS
from perno.contacts.models import Company, Contact
from perno.web.accounts.forms import StyledForm, style
from perno.web.forms import RecordForm
from perno.web.pickers import record_picker

LOOKUPS = {"company": "contacts:company_lookup", "contact": "contacts:contact_lookup"}


def active_users() -> Any:
    return User.objects.filter(is_active=True).order_by("username")


class CaseForm(RecordForm):
    class Meta:
        model = Case
        fields = [
            "subject",
            "description",
            "queue",
            "status",
            "priority",
            "category",
            "channel",
            "contact",
            "company",
            "assignee",
            "owner",
            "is_confidential",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 5})}

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        instance = self.instance
        for name, model in (("contact", Contact), ("company", Company)):
            if name not in self.fields:
                continue
            selected = (
                (self.data.get(name) if self.data else None)
                or self.initial.get(name)
                or getattr(instance, f"{name}_id", None)
            )
            self.fields[name].widget = record_picker(model, selected, LOOKUPS[name], self.user)
        status = self.fields["status"]
        labels = dict(Case.Status.choices)
        if instance.pk:
            allowed = (instance.status, *TRANSITIONS.get(instance.status, ()))
            status.help_text = _("Only the statuses a case may go to next are offered.")
        else:
            allowed = tuple(CREATE_STATUSES)
        status.choices = [(value, labels[value]) for value in allowed]  # type: ignore[attr-defined]
        # Optional fields an administrator made confidential are not in the form.
        if "category" in self.fields:
            categories = CaseCategory.objects.filter(active=True)
            if instance.pk and instance.category_id:
                categories = categories | CaseCategory.objects.filter(pk=instance.category_id)
            self.fields["category"].queryset = categories.order_by("name")  # type: ignore[attr-defined]
        self.fields["queue"].queryset = Queue.objects.order_by("name")  # type: ignore[attr-defined]
        if "assignee" in self.fields:
            self.fields["assignee"].queryset = active_users()  # type: ignore[attr-defined]
            self.fields["assignee"].help_text = _(
                "Leave empty to let the queue's assignment rule choose."
            )
        if "owner" in self.fields:
            self.fields["owner"].queryset = active_users()  # type: ignore[attr-defined]


class AssignForm(StyledForm):
    """Assign to me, to someone, to nobody, or by the queue's rule."""

    ME, AUTO, NOBODY = "me", "auto", "nobody"
    assignee = forms.ModelChoiceField(
        label=_("Assign to"), queryset=User.objects.none(), required=False
    )
    to = forms.ChoiceField(
        choices=[(ME, _("Me")), (AUTO, _("The queue's rule")), (NOBODY, _("Nobody"))],
        required=False,
        widget=forms.HiddenInput,
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, queue: Queue | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = self.fields["assignee"]
        field.queryset = active_users()  # type: ignore[attr-defined]
        if queue is not None:
            # The queue's members first (they work its cases), then everyone else.
            users = list(active_users())
            members = {m.user_id for m in queue.memberships.all()}
            field.choices = [  # type: ignore[attr-defined]
                ("", "—"),
                (_("Members of the queue"), [(u.pk, str(u)) for u in users if u.pk in members]),
                (_("Everyone else"), [(u.pk, str(u)) for u in users if u.pk not in members]),
            ]
        style(self)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("to") and data.get("assignee") is None:
            self.add_error("assignee", _("Choose whom to assign the case to."))
        return data


class MergeForm(StyledForm):
    """The cases (of the same contact) to merge into this one."""

    sources = forms.TypedMultipleChoiceField(
        label=_("Cases to merge into this one"), coerce=int, choices=[], required=True
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, candidates: list[Case], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["sources"].choices = [  # type: ignore[attr-defined]
            (c.pk, f"{c.reference} {c.subject}") for c in candidates
        ]
        self.fields["sources"].widget = forms.CheckboxSelectMultiple(
            choices=self.fields["sources"].choices  # type: ignore[attr-defined]
        )
        self.fields["sources"].error_messages["required"] = _(
            "Tick at least one case to merge into this one."
        )
        self.fields["sources"].error_messages["invalid_choice"] = _(
            "Only cases of the same contact that you may see can be merged here; reload the page."
        )


class CategoryForm(forms.ModelForm):
    class Meta:
        model = CaseCategory
        fields = ["name", "active"]

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        style(self)

    def _post_clean(self) -> None:
        pass  # the service validates


class QueueForm(forms.ModelForm):
    """A queue's name, team, assignment mode and escalation contact; members and
    category rules are rows of their own (``queue_members``, ``queue_rules``)."""

    class Meta:
        model = Queue
        fields = ["name", "team", "assignment", "escalate_to", "satisfaction_survey"]

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["escalate_to"].queryset = active_users()  # type: ignore[attr-defined]
        for name in ("team", "escalate_to", "satisfaction_survey"):
            self.fields[name].empty_label = "—"  # type: ignore[attr-defined]
        style(self)

    def _post_clean(self) -> None:
        pass  # the service validates
