"""Surveys and their questions: create, edit, publish, and the ready fan-principle
template."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from perno.accounts.permissions import check
from perno.audit.models import ChangeEntry
from perno.audit.services import change_record
from perno.marketing import fans
from perno.marketing.languages import CONTENT_LANGUAGES, FAN_TEMPLATE, FAN_TITLE
from perno.marketing.models import Question, Survey
from perno.records.services import (
    record_create,
    record_delete,
    record_update,
    reject_unknown_fields,
    tags_from_names,
)

SURVEY_FIELDS = {
    "name",
    "title",
    "intro",
    "languages",
    "purpose",
    "link_days",
    "is_fan",
    "owner",
    "team",
    "is_confidential",
}
QUESTION_FIELDS = {"kind", "required", "audience", "role", "text", "choices", "position"}
ROLE_KINDS = {
    "satisfaction": {"scale", "likert"},
    **{role: {"scale", "likert"} for role in fans.BOND_ROLES},
    "nps": {"scale"},
    "csat": {"likert"},
}


def _clean_languages(value: Any) -> list[str]:
    if not isinstance(value, list) or not value:
        raise ValidationError({"languages": [_("Choose at least one language.")]})
    unknown = [v for v in value if v not in CONTENT_LANGUAGES]
    if unknown:
        raise ValidationError(
            {
                "languages": [
                    _("Unknown languages %(codes)s; use: %(known)s.")
                    % {"codes": ", ".join(map(str, unknown)), "known": ", ".join(CONTENT_LANGUAGES)}
                ]
            }
        )
    return list(dict.fromkeys(value))


def _clean_texts(value: Any, name: str) -> dict[str, str]:
    if not isinstance(value, dict):
        raise ValidationError({name: [_('Give the text per language, e.g. {"it": "..."}.')]})
    out = {}
    for language, text in value.items():
        if language not in CONTENT_LANGUAGES:
            raise ValidationError({name: [_("Unknown language “%(code)s”.") % {"code": language}]})
        if not isinstance(text, str):
            raise ValidationError({name: [_("Texts must be strings.")]})
        if text.strip():
            out[language] = text.strip()
    return out


def survey_create(*, actor: Any, data: dict[str, Any], tags: Iterable[str] | None = None) -> Survey:
    reject_unknown_fields(data, SURVEY_FIELDS)
    clean = dict(data)
    clean["languages"] = _clean_languages(data.get("languages", ["it"]))
    for name in ("title", "intro"):
        clean[name] = _clean_texts(data.get(name, {}), name)
    survey = Survey(**{k: v for k, v in clean.items() if v is not None})
    with transaction.atomic():
        return record_create(actor=actor, instance=survey, tags=tags_from_names(tags or []))


def survey_update(
    *,
    actor: Any,
    survey: Survey,
    data: dict[str, Any],
    expected_version: int | None,
    tags: Iterable[str] | None = None,
) -> Survey:
    reject_unknown_fields(data, SURVEY_FIELDS)
    clean = dict(data)
    if "languages" in data:
        clean["languages"] = _clean_languages(data["languages"])
    for name in ("title", "intro"):
        if name in data:
            clean[name] = _clean_texts(data[name], name)
    if survey.status != Survey.Status.DRAFT and "languages" in clean:
        missing = set(clean["languages"]) - set(survey.languages)
        if missing:
            raise ValidationError(
                {
                    "languages": [
                        _("A published survey cannot gain languages; add them while it is a draft.")
                    ]
                }
            )
    with transaction.atomic():
        return record_update(
            actor=actor,
            instance=survey,
            data=clean,
            expected_version=expected_version,
            tags=tags_from_names(tags) if tags is not None else None,
        )


def survey_delete(*, actor: Any, survey: Survey) -> None:
    record_delete(actor=actor, instance=survey)


def _touch(actor: Any, survey: Survey, what: str) -> None:
    """Questions are part of the survey: editing one needs the right to edit the survey
    and is recorded in its change history."""
    check(actor, "edit", survey)
    if survey.status != Survey.Status.DRAFT and what != "status":
        raise ValidationError(
            _("The survey is %(status)s: its questions can change only while it is a draft.")
            % {"status": survey.get_status_display().lower()}
        )


def _clean_choices(value: Any, kind: str) -> list[dict[str, Any]]:
    if kind not in (Question.Kind.SINGLE, Question.Kind.MULTIPLE):
        return []
    if not isinstance(value, list) or len(value) < 2:
        raise ValidationError({"choices": [_("A choice question needs at least two choices.")]})
    out = []
    for n, choice in enumerate(value, 1):
        texts = choice.get("text") if isinstance(choice, dict) else None
        clean = _clean_texts(texts if texts is not None else {}, "choices")
        if not clean:
            raise ValidationError({"choices": [_("Choice %(n)s has no text.") % {"n": n}]})
        out.append({"key": str(choice.get("key") or n), "text": clean})
    keys = [c["key"] for c in out]
    if len(set(keys)) != len(keys):
        raise ValidationError({"choices": [_("Two choices have the same key.")]})
    return out


def question_save(
    *, actor: Any, survey: Survey, data: dict[str, Any], question: Question | None = None
) -> Question:
    reject_unknown_fields(data, QUESTION_FIELDS)
    _touch(actor, survey, "question")
    target = question or Question(survey=survey)
    for key, value in data.items():
        setattr(target, key, value)
    if target.kind not in Question.Kind.values:
        raise ValidationError(
            {"kind": [_("Choose a kind: %(known)s.") % {"known": ", ".join(Question.Kind.values)}]}
        )
    target.text = _clean_texts(target.text, "text")
    if not target.text:
        raise ValidationError({"text": [_("Write the question in at least one language.")]})
    target.choices = _clean_choices(target.choices, target.kind)
    if target.role and target.kind not in ROLE_KINDS.get(target.role, set()):
        raise ValidationError(
            {
                "role": [
                    _("A question with this role must be of kind: %(kinds)s.")
                    % {"kinds": ", ".join(sorted(ROLE_KINDS.get(target.role, set())))}
                ]
            }
        )
    if question is None and "position" not in data:
        target.position = (survey.questions.aggregate(m=Max("position"))["m"] or 0) + 1
    with transaction.atomic():
        target.full_clean()
        target.save()
        change_record(
            actor=actor,
            instance=survey,
            action=ChangeEntry.Action.UPDATE,
            changes={"questions": [None, _("question %(n)s saved") % {"n": target.position}]},
        )
    return target


def question_delete(*, actor: Any, question: Question) -> None:
    survey = question.survey
    _touch(actor, survey, "question")
    with transaction.atomic():
        question.delete()
        change_record(
            actor=actor,
            instance=survey,
            action=ChangeEntry.Action.UPDATE,
            changes={"questions": [_("question %(n)s") % {"n": question.position}, None]},
        )


def publish_problems(survey: Survey) -> list[str]:
    """What keeps a survey from being published: every question and choice needs its
    text in every language of the survey; a fan survey needs its model questions."""
    problems = []
    questions = list(survey.questions.all())
    if not questions:
        problems.append(_("Add at least one question."))
    names = CONTENT_LANGUAGES
    for language in survey.languages:
        if not survey.title.get(language):
            problems.append(
                _("The title has no %(language)s text.") % {"language": names[language]}
            )
    for n, q in enumerate(questions, 1):
        missing = [names[lang] for lang in survey.languages if not q.text.get(lang)]
        if missing:
            problems.append(
                _("Question %(n)s has no text in: %(languages)s.")
                % {"n": n, "languages": ", ".join(missing)}
            )
        for c, choice in enumerate(q.choices, 1):
            missing = [names[lang] for lang in survey.languages if not choice["text"].get(lang)]
            if missing:
                problems.append(
                    _("Question %(n)s, choice %(c)s has no text in: %(languages)s.")
                    % {"n": n, "c": c, "languages": ", ".join(missing)}
                )
    if survey.is_fan:
        roles = {q.role for q in questions}
        if "satisfaction" not in roles:
            problems.append(_("A fan questionnaire needs an overall-satisfaction question."))
        bond = [r for r in fans.BOND_ROLES if r in roles]
        if len(bond) < fans.MIN_BOND_ITEMS:
            problems.append(
                _(
                    "A fan questionnaire needs at least %(n)s of the six bond items (it has %(have)s)."
                )
                % {"n": fans.MIN_BOND_ITEMS, "have": len(bond)}
            )
    return problems


def survey_set_status(*, actor: Any, survey: Survey, status: str) -> Survey:
    _touch(actor, survey, "status")
    if status not in Survey.Status.values:
        raise ValidationError({"status": [_("Unknown status.")]})
    if status == Survey.Status.PUBLISHED:
        problems = publish_problems(survey)
        if problems:
            raise ValidationError({"status": problems})
    if status == Survey.Status.DRAFT and survey.responses.exists():
        raise ValidationError(
            {"status": [_("The survey has answers: it cannot go back to draft. Copy it instead.")]}
        )
    return record_update(
        actor=actor, instance=survey, data={"status": status}, expected_version=None
    )


def survey_from_template(
    *, actor: Any, purpose: Any, languages: list[str] | None = None, name: str = ""
) -> Survey:
    """The ready fan-principle questionnaire, in every content language (or those given)."""
    languages = _clean_languages(languages or list(CONTENT_LANGUAGES))
    with transaction.atomic():
        survey = survey_create(
            actor=actor,
            data={
                "name": name or _("Fan principle questionnaire"),
                "title": {lang: FAN_TITLE[lang] for lang in languages},
                "languages": languages,
                "purpose": purpose,
                "is_fan": True,
            },
        )
        for position, spec in enumerate(FAN_TEMPLATE, 1):
            question_save(
                actor=actor,
                survey=survey,
                data={
                    "kind": spec["kind"],
                    "role": spec["role"],
                    "required": spec.get("required", True),
                    "text": {lang: spec["text"][lang] for lang in languages},
                    "position": position,
                },
            )
    return survey
