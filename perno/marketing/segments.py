"""Dynamic segments: criteria over contacts, evaluated in the database.

A segment's ``criteria`` is a list of conditions, all of which must hold:
``{"field": "...", "op": "...", "value": ...}``. The fields (``FIELDS``) cover the
contact's own data (country, language, owner, team, tags, creation date), the latest
analytics snapshot (RFM segment, R/F/M scores, matrix class, CLV, P(alive), journey
stage), the fan principle (fan type), survey answers (a question's answer, NPS,
satisfaction) and activity (done or not within the last N days). Every failure names
the condition and says what is expected, so a saved segment is always valid."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q, QuerySet, TextField
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from perno.accounts.permissions import restrict
from perno.activities.models import Activity
from perno.analytics.models import CustomerScore
from perno.analytics.refresh import latest
from perno.contacts.models import Contact
from perno.core.inputs import moment_problem
from perno.marketing.fans import contacts_of_type
from perno.marketing.models import Answer, Question, Response, Survey
from perno.privacy.models import Purpose
from perno.privacy.rules import processable


@dataclass(frozen=True)
class Field:
    label: Any
    ops: tuple[str, ...]
    kind: str  # text, choice, number, date, days, id, tag, answer, purpose
    choices: tuple[tuple[str, Any], ...] = ()


def _choices(model_choices: Any) -> tuple[tuple[str, Any], ...]:
    return tuple(model_choices)


FAN_CHOICES = (
    ("fan", gettext_lazy("Fan")),
    ("sympathizer", gettext_lazy("Sympathizer")),
    ("mercenary", gettext_lazy("Mercenary")),
    ("captive", gettext_lazy("Captive")),
    ("opponent", gettext_lazy("Opponent")),
)
JOURNEY_CHOICES = (
    ("attraction", gettext_lazy("Attraction")),
    *tuple((k, v) for k, v in CustomerScore.Journey.choices if k != "attraction"),
)

FIELDS: dict[str, Field] = {
    "country": Field(gettext_lazy("Country"), ("eq", "in"), "text"),
    "language": Field(gettext_lazy("Language"), ("eq", "in"), "text"),
    "owner": Field(gettext_lazy("Owner"), ("eq",), "id"),
    "team": Field(gettext_lazy("Team"), ("eq",), "id"),
    "tag": Field(gettext_lazy("Tag"), ("has", "not"), "tag"),
    "created": Field(gettext_lazy("Created"), ("after", "before"), "date"),
    "rfm_segment": Field(
        gettext_lazy("RFM segment"), ("in",), "choice", _choices(CustomerScore.Segment.choices)
    ),
    "r": Field("R", ("gte", "lte"), "number"),
    "f": Field("F", ("gte", "lte"), "number"),
    "m": Field("M", ("gte", "lte"), "number"),
    "matrix": Field(
        gettext_lazy("Loyalty x profitability class"),
        ("in",),
        "choice",
        _choices(CustomerScore.Matrix.choices),
    ),
    "clv": Field(gettext_lazy("Lifetime value"), ("gte", "lte"), "number"),
    "p_alive": Field(gettext_lazy("Probability still active"), ("gte", "lte"), "number"),
    "journey": Field(gettext_lazy("Journey stage"), ("in",), "choice", JOURNEY_CHOICES),
    "fan_type": Field(gettext_lazy("Fan type"), ("in",), "choice", FAN_CHOICES),
    "answer": Field(gettext_lazy("Survey answer"), ("eq", "gte", "lte"), "answer"),
    "nps": Field(gettext_lazy("NPS answer (0-10)"), ("gte", "lte"), "number"),
    "satisfaction": Field(gettext_lazy("Satisfaction S (0-100)"), ("gte", "lte"), "number"),
    "activity": Field(
        gettext_lazy("Activity in the last N days"), ("within", "none_within"), "days"
    ),
    "processable": Field(gettext_lazy("May be contacted for purpose (code)"), ("eq",), "purpose"),
}
SCORE_FIELDS = {"rfm_segment", "r", "f", "m", "matrix", "clv", "p_alive"}


def _error(n: int, message: str) -> ValidationError:
    return ValidationError(
        {"criteria": [_("Condition %(n)s: %(message)s") % {"n": n, "message": message}]}
    )


def _number(n: int, value: Any) -> Decimal:
    try:
        number = Decimal(str(value).replace(",", "."))
    except (InvalidOperation, ValueError):
        raise _error(n, _("“%(value)s” is not a number.") % {"value": value}) from None
    if not number.is_finite():
        raise _error(n, _("“%(value)s” is not a number.") % {"value": value})
    return number


def clean(criteria: Any, user: Any) -> list[dict[str, Any]]:
    """Validate criteria; return them normalised (or raise a ValidationError naming the
    condition). A survey question must be one of a survey ``user`` may see: a condition
    on the answers to another survey would tell which contacts gave which answer. A
    question that does not exist and one the user may not see get the same message."""
    if not isinstance(criteria, list):
        raise ValidationError({"criteria": [_("Criteria must be a list of conditions.")]})
    out = []
    for n, condition in enumerate(criteria, 1):
        if not isinstance(condition, dict):
            raise _error(n, _("expected an object with field, op and value."))
        name, op, value = condition.get("field"), condition.get("op"), condition.get("value")
        spec = FIELDS.get(str(name))
        if spec is None:
            raise _error(
                n,
                _("unknown field “%(name)s”; use one of: %(known)s.")
                % {"name": name, "known": ", ".join(FIELDS)},
            )
        if op not in spec.ops:
            raise _error(
                n,
                _("“%(field)s” takes the operators %(ops)s.")
                % {"field": name, "ops": ", ".join(spec.ops)},
            )
        item: dict[str, Any] = {"field": name, "op": op}
        if spec.kind == "choice":
            values = value if isinstance(value, list) else [value]
            known = {k for k, _label in spec.choices}
            wrong = [v for v in values if v not in known]
            if not values or wrong:
                raise _error(n, _("choose among: %(known)s.") % {"known": ", ".join(sorted(known))})
            item["value"] = list(dict.fromkeys(values))
        elif spec.kind in ("number", "days"):
            number = _number(n, value)
            if spec.kind == "days" and (number < 0 or number != int(number)):
                raise _error(n, _("give a whole number of days."))
            item["value"] = float(number) if spec.kind == "number" else int(number)
        elif spec.kind == "id":
            if value is None or not str(value).isdecimal():
                raise _error(n, _("give an id (a whole number)."))
            item["value"] = int(str(value))
        elif spec.kind == "date":
            try:
                day = date.fromisoformat(str(value))
            except ValueError:
                raise _error(n, _("give a date as YYYY-MM-DD.")) from None
            if moment_problem(day):
                raise _error(n, moment_problem(day) or "")
            item["value"] = day.isoformat()
        elif spec.kind == "answer":
            question = condition.get("question")
            if question is None or not str(question).isdecimal():
                raise _error(n, _("choose the question."))

            visible = Question.objects.filter(survey__in=restrict(Survey.objects.all(), user))
            found = visible.filter(pk=int(question)).first()
            if found is None:
                raise _error(
                    n,
                    _("question %(id)s does not exist or is in a survey you may not see.")
                    % {"id": question},
                )
            if op != "eq" and found.kind not in ("scale", "likert"):
                raise _error(n, _("“at least” and “at most” need a 0-10 or 1-5 question."))
            item["question"] = found.pk
            if op != "eq":
                item["value"] = float(_number(n, value))
            elif found.kind in ("scale", "likert"):
                item["value"] = int(_number(n, value))
            else:
                item["value"] = str(value)
        elif spec.kind == "purpose":
            if not Purpose.objects.filter(code=str(value)).exists():
                raise _error(n, _("no purpose with the code “%(code)s”.") % {"code": value})
            item["value"] = str(value)
        else:  # text, tag
            values = value if isinstance(value, list) else [value]
            values = [str(v).strip() for v in values if str(v).strip()]
            if not values:
                raise _error(n, _("give a value."))
            item["value"] = values if op == "in" else values[0]
        out.append(item)
    return out


def _condition(item: dict[str, Any], snapshot: Any) -> Q:
    name, op, value = item["field"], item["op"], item["value"]
    if name in ("country", "language"):
        return Q(**{f"{name}__iexact": value}) if op == "eq" else Q(**{f"{name}__in": value})
    if name in ("owner", "team"):
        return Q(**{f"{name}_id": value})
    if name == "tag":
        has = Q(tags__name__iexact=value)

        tagged = Contact.objects.filter(has).values("pk")
        return Q(pk__in=tagged) if op == "has" else ~Q(pk__in=tagged)
    if name == "created":
        return Q(created_at__date__gte=value) if op == "after" else Q(created_at__date__lte=value)
    if name in SCORE_FIELDS or name == "journey":
        scores = CustomerScore.objects.filter(snapshot=snapshot, contact=OuterRef("pk"))
        if name == "journey":
            stages = [v for v in value if v != "attraction"]
            condition = Q(Exists(scores.filter(journey__in=stages))) if stages else Q(pk__in=[])
            if "attraction" in value:
                condition |= ~Q(Exists(scores))
            return condition
        lookup = {"in": "in", "gte": "gte", "lte": "lte"}[op]
        return Q(Exists(scores.filter(**{f"{name}__{lookup}": value})))
    if name == "fan_type":
        condition = Q(pk__in=[])
        for kind in value:
            condition |= Q(pk__in=contacts_of_type(kind))
        return condition
    if name in ("nps", "satisfaction", "answer"):
        if name == "answer":
            answers = Answer.objects.filter(
                question_id=item["question"], response__contact=OuterRef("pk")
            )
            if op == "eq":
                text = f'"{value}"' if isinstance(value, str) else str(value)
                answers = answers.annotate(text=Cast("value", TextField())).filter(
                    Q(value=value) | Q(text__contains=text)
                )
            else:
                answers = answers.filter(**{f"value__{op}": value})
            return Q(Exists(answers))
        latest = Response.objects.filter(contact=OuterRef("pk"), **{f"{name}__isnull": False})
        newest = latest.order_by("-submitted_at", "-id")[:1]
        return Q(
            Exists(Response.objects.filter(pk__in=newest.values("pk"), **{f"{name}__{op}": value}))
        )
    if name == "activity":
        since = timezone.now() - timedelta(days=value)
        recent = Activity.objects.filter(contact=OuterRef("pk"), created_at__gte=since)
        return Q(Exists(recent)) if op == "within" else ~Q(Exists(recent))
    if name == "processable":
        purpose = Purpose.objects.get(code=value)
        return Q(pk__in=processable(Contact.objects.all(), purpose).values("pk"))
    raise ValueError(name)


def evaluate(segment: Any, *, user: Any = None) -> QuerySet:
    """The segment's contacts (those ``user`` may view, when given)."""

    if segment.kind == segment.Kind.STATIC:
        rows = Contact.objects.filter(segment_memberships__segment=segment)
    else:
        snapshot = latest()
        rows = Contact.objects.all()
        for item in segment.criteria:
            rows = rows.filter(_condition(item, snapshot))
    if user is not None:
        rows = restrict(rows, user)
    return rows


def recount(segment: Any) -> int:
    """Store the segment's current size (all its contacts, whoever looks)."""
    count = evaluate(segment).count()
    type(segment).objects.filter(pk=segment.pk).update(count=count, counted_at=timezone.now())
    segment.count, segment.counted_at = count, timezone.now()
    return count
