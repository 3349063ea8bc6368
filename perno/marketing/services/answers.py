"""Answers: the questions of a personal link, storing the answers all or nothing and
showing them on the contact's timeline."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from perno.activities.models import Activity
from perno.marketing import fans
from perno.marketing.languages import chrome
from perno.marketing.models import Answer, Invitation, Question, Response
from perno.marketing.services.invitations import LinkError
from perno.search import indexing

MAX_TEXT = 5000


def questions_for(invitation: Invitation) -> QuerySet[Question]:
    return invitation.survey.questions.filter(
        Q(audience=Question.Audience.ALL) | Q(audience=invitation.audience)
    ).order_by("position", "id")


def _parse(question: Question, raw: Any, words: dict[str, str]) -> tuple[Any, str]:
    """(value, error) for one raw answer: a string, or a list for multiple choice."""
    values = raw if isinstance(raw, list) else ([raw] if raw not in (None, "") else [])
    values = [str(v).strip() for v in values if str(v).strip()]
    if not values:
        return None, words["missing"] if question.required else ""
    keys = [c["key"] for c in question.choices]
    if question.kind == Question.Kind.TEXT:
        text = values[0]
        return (None, words["too_long"]) if len(text) > MAX_TEXT else (text, "")
    if question.kind == Question.Kind.SINGLE:
        return (
            (values[0], "")
            if len(values) == 1 and values[0] in keys
            else (None, words["out_of_range"])
        )
    if question.kind == Question.Kind.MULTIPLE:
        if any(v not in keys for v in values) or len(set(values)) != len(values):
            return None, words["out_of_range"]
        return values, ""
    low, high = (0, 10) if question.kind == Question.Kind.SCALE else (1, 5)
    try:
        number = int(values[0])
    except ValueError:
        return None, words["out_of_range"]
    if len(values) != 1 or not low <= number <= high or values[0] != str(number):
        return None, words["out_of_range"]
    return number, ""


def response_submit(*, invitation: Invitation, raw: dict[str, Any]) -> Response:
    """Store the answers of a personal link, all or nothing. Raises ValidationError with
    one message per question id (in the respondent's language) when an answer is
    missing or out of range, and LinkError("answered") when the link was used meanwhile."""
    words = chrome(invitation.language)
    questions = list(questions_for(invitation))
    parsed: dict[Question, Any] = {}
    errors: dict[str, list[str]] = {}
    unknown = set(raw) - {str(q.pk) for q in questions}
    if unknown:
        errors["__all__"] = [words["invalid"]]
    for question in questions:
        value, error = _parse(question, raw.get(str(question.pk)), words)
        if error:
            errors[str(question.pk)] = [error]
        elif value is not None:
            parsed[question] = value
    if errors:
        raise ValidationError(errors)
    by_role = {q.role: (q.kind, v) for q, v in parsed.items() if q.role}
    measured = fans.scores(by_role)
    with transaction.atomic():
        locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if locked.answered_at is not None:
            raise LinkError("answered", locked)
        now = timezone.now()
        response = Response.objects.create(
            invitation=locked,
            survey=invitation.survey,
            contact=invitation.contact,
            language=invitation.language,
            audience=invitation.audience,
            submitted_at=now,
            **measured,
        )
        Answer.objects.bulk_create(
            [Answer(response=response, question=q, value=v) for q, v in parsed.items()]
        )
        locked.answered_at = now
        locked.save(update_fields=["answered_at"])
        _timeline(response, questions, parsed)
    return response


def _timeline(response: Response, questions: list[Question], parsed: dict[Question, Any]) -> None:
    """The answers on the contact's timeline, as a survey activity."""

    language = response.language
    lines = []
    for question in questions:
        if question not in parsed:
            continue
        value = parsed[question]
        if question.choices:
            labels = {c["key"]: c["text"].get(language, c["key"]) for c in question.choices}
            value = ", ".join(labels[v] for v in (value if isinstance(value, list) else [value]))
        lines.append(f"{question.text.get(language, '')}\n→ {value}")
    t = fans.Thresholds.current()
    kind = fans.fan_type(response.satisfaction, response.bond, t)
    summary = []
    if response.satisfaction is not None:
        summary.append(f"S {response.satisfaction:.0f}")
    if response.bond is not None:
        summary.append(f"B {response.bond:.0f}")
    if kind:
        summary.append(str(fans.TYPES[kind]))
    if response.nps is not None:
        summary.append(f"NPS {response.nps}")
    survey = response.survey
    activity = Activity.objects.create(
        kind=Activity.Kind.SURVEY,
        subject=_("Survey answered: %(name)s") % {"name": survey.name}
        + (f" ({', '.join(summary)})" if summary else ""),
        description="\n\n".join(lines),
        contact=response.contact,
        status=Activity.Status.DONE,
        completed_at=response.submitted_at,
        owner=survey.owner,
        team=survey.team,
    )
    indexing.saved(activity)
