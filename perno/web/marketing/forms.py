from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from perno.accounts.permissions import restrict
from perno.accounts.selectors import team_list, user_list
from perno.marketing import segments
from perno.marketing.languages import CONTENT_LANGUAGES
from perno.marketing.models import Question, Segment, Survey
from perno.web.accounts.forms import style
from perno.web.forms import RecordForm

LANGUAGE_CHOICES = list(CONTENT_LANGUAGES.items())


class SurveyForm(RecordForm):
    languages = forms.MultipleChoiceField(
        label=_("Languages"),
        choices=LANGUAGE_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Each question must be written in each of them before publishing."),
    )

    class Meta:
        model = Survey
        fields = [
            "name",
            "purpose",
            "languages",
            "link_days",
            "is_fan",
            "owner",
            "team",
            "is_confidential",
        ]

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        instance = self.instance
        for code, name in LANGUAGE_CHOICES:
            self.fields[f"title_{code}"] = forms.CharField(
                label=_("Title (%(language)s)") % {"language": name},
                required=False,
                max_length=300,
                initial=(instance.title or {}).get(code, "") if instance.pk else "",
            )
            self.fields[f"intro_{code}"] = forms.CharField(
                label=_("Introduction (%(language)s)") % {"language": name},
                required=False,
                max_length=3000,
                widget=forms.Textarea(attrs={"rows": 2}),
                initial=(instance.intro or {}).get(code, "") if instance.pk else "",
            )
        if instance.pk:
            self.fields["languages"].initial = instance.languages
        style(self)

    def record_data(self) -> dict[str, Any]:
        data = super().record_data()
        data["title"] = {c: self.cleaned_data.get(f"title_{c}", "") for c in CONTENT_LANGUAGES}
        data["intro"] = {c: self.cleaned_data.get(f"intro_{c}", "") for c in CONTENT_LANGUAGES}
        data["languages"] = list(self.cleaned_data.get("languages") or [])
        return data


class QuestionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Question.Kind.choices)
    required = forms.BooleanField(label=_("Required"), required=False, initial=True)
    audience = forms.ChoiceField(label=_("Asked to"), choices=Question.Audience.choices)
    role = forms.ChoiceField(
        label=_("Role in the models"), choices=Question.Role.choices, required=False
    )

    def __init__(self, *args: Any, survey: Survey, question: Question | None = None, **kwargs: Any):
        initial = kwargs.pop("initial", None) or {}
        if question is not None:
            initial.update(
                {
                    "kind": question.kind,
                    "required": question.required,
                    "audience": question.audience,
                    "role": question.role,
                }
            )
        kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        self.survey = survey
        for code in survey.languages:
            name = CONTENT_LANGUAGES[code]
            self.fields[f"text_{code}"] = forms.CharField(
                label=_("Question (%(language)s)") % {"language": name},
                required=False,
                max_length=1000,
                initial=(question.text.get(code, "") if question else ""),
            )
            self.fields[f"choices_{code}"] = forms.CharField(
                label=_("Choices (%(language)s), one per line") % {"language": name},
                required=False,
                widget=forms.Textarea(attrs={"rows": 3}),
                initial="\n".join(
                    c["text"].get(code, "") for c in (question.choices if question else [])
                ),
                help_text=_(
                    "Single and multiple choice only; line N is the same choice in every language."
                ),
            )
        style(self)

    def question_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        texts = {c: data.get(f"text_{c}", "") for c in self.survey.languages}
        lines = {
            c: [x.strip() for x in (data.get(f"choices_{c}") or "").splitlines() if x.strip()]
            for c in self.survey.languages
        }
        count = max((len(v) for v in lines.values()), default=0)
        choices = [
            {
                "key": str(n + 1),
                "text": {c: (lines[c][n] if n < len(lines[c]) else "") for c in lines},
            }
            for n in range(count)
        ]
        return {
            "kind": data["kind"],
            "required": bool(data.get("required")),
            "audience": data["audience"],
            "role": data.get("role") or "",
            "text": texts,
            "choices": choices,
        }


CRITERIA_ROWS = 6
PICKED = ("owner", "team")  # criteria whose value is chosen from a list of names


class SegmentForm(RecordForm):
    class Meta:
        model = Segment
        fields = ["name", "kind", "description", "owner", "team", "is_confidential"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["kind"].disabled = True
        # Pickers for the criteria that name a user, a team or a question: only those
        # the user may see, shown by name (never typed as a number).
        self.pick = {
            "owner": [(str(u.pk), str(u)) for u in user_list(user=self.user)],
            "team": [(str(t.pk), str(t)) for t in team_list(user=self.user)],
        }
        self.questions = [
            (str(q.pk), f"{q.survey} · {q}")
            for q in Question.objects.filter(
                survey__in=restrict(Survey.objects.all(), self.user, "view")
            ).select_related("survey")
        ]

    def criteria_rows(self) -> list[dict[str, Any]]:
        data = self.data if self.is_bound else None
        if data is not None:
            rows = []
            for n in range(1, CRITERIA_ROWS + 1):
                row = {k: data.get(f"c{n}-{k}", "") for k in ("field", "op", "value", "question")}
                if row["field"] in PICKED:
                    row["value"] = data.get(f"c{n}-{row['field']}", "") or row["value"]
                rows.append(row)
        else:
            stored = list(self.instance.criteria or []) if self.instance.pk else []
            rows = [
                {
                    "field": c.get("field", ""),
                    "op": c.get("op", ""),
                    "value": ", ".join(map(str, c["value"]))
                    if isinstance(c.get("value"), list)
                    else c.get("value", ""),
                    "question": c.get("question", ""),
                }
                for c in stored
            ]
            rows += [dict.fromkeys(("field", "op", "value", "question"), "")] * (
                CRITERIA_ROWS - len(rows)
            )
        return rows

    def criteria(self) -> list[dict[str, Any]]:
        out = []
        for n in range(1, CRITERIA_ROWS + 1):
            field = (self.data.get(f"c{n}-field") or "").strip()
            if not field:
                continue
            value: Any = (
                (self.data.get(f"c{n}-{field}") if field in PICKED else "")
                or self.data.get(f"c{n}-value")
                or ""
            ).strip()
            op = (self.data.get(f"c{n}-op") or "").strip()
            spec = segments.FIELDS.get(field)
            if spec is not None and (spec.kind == "choice" or op == "in"):
                value = [v.strip() for v in value.split(",") if v.strip()]
            item = {"field": field, "op": op, "value": value}
            if self.data.get(f"c{n}-question"):
                item["question"] = self.data.get(f"c{n}-question")
            out.append(item)
        return out
