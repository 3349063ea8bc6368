"""Every write to surveys, their questions, invitations and responses."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, Max, OuterRef, Q, QuerySet, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from perno.accounts.exports import export_file
from perno.accounts.permissions import check, restrict
from perno.activities.models import Activity
from perno.analytics.models import CustomerScore
from perno.analytics.refresh import latest
from perno.audit.models import ChangeEntry
from perno.audit.services import change_record
from perno.contacts.models import Contact
from perno.marketing import fans, segments
from perno.marketing.languages import CONTENT_LANGUAGES, FAN_TEMPLATE, FAN_TITLE, chrome
from perno.marketing.models import (
    Answer,
    Invitation,
    Question,
    Response,
    Segment,
    SegmentMember,
    Survey,
)
from perno.marketing.tasks import send_invitations_task
from perno.privacy.mail import public_url, send_marketing_email
from perno.privacy.rules import processable
from perno.records.services import (
    record_create,
    record_delete,
    record_update,
    reject_unknown_fields,
    tags_from_names,
)
from perno.search import indexing

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
TOKEN_SALT = "perno.marketing.survey-link"  # noqa: S105 (a signing namespace, not a secret)
MAX_TEXT = 5000
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


# --- Personal links ----------------------------------------------------------------------


def link_token(invitation: Invitation) -> str:
    return signing.dumps(
        {"i": invitation.pk, "n": invitation.nonce}, salt=TOKEN_SALT, compress=True
    )


class LinkError(Exception):
    """A personal link that cannot be answered; ``code`` is a key of the page's words."""

    def __init__(self, code: str, invitation: Invitation | None = None):
        super().__init__(code)
        self.code = code
        self.invitation = invitation


def invitation_from_token(token: str) -> Invitation:
    """The invitation of a link, or LinkError("invalid"|"expired"|"answered"|"closed")."""
    try:
        data = signing.loads(token, salt=TOKEN_SALT)
        invitation = (
            Invitation.objects.select_related("survey", "contact")
            .filter(pk=int(data["i"]), nonce=str(data["n"]))
            .first()
        )
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        invitation = None
    if invitation is None:
        raise LinkError("invalid")
    if invitation.answered_at is not None:
        raise LinkError("answered", invitation)
    if invitation.survey.status != Survey.Status.PUBLISHED:
        raise LinkError("closed", invitation)
    if invitation.expires_at < timezone.now():
        raise LinkError("expired", invitation)
    return invitation


@dataclass
class InviteResult:
    created: list[Invitation] = field(default_factory=list)
    skipped: list[tuple[Any, str]] = field(default_factory=list)


def invitations_create(
    *, actor: Any, survey: Survey, contacts: Iterable[Any], send: bool = True
) -> InviteResult:
    """Personal links for ``contacts`` who may be contacted for the survey's purpose and
    have an e-mail address; the others are listed with the reason. The e-mails go out
    after the transaction (in the background when workers run)."""

    check(actor, "edit", survey)
    if survey.status != Survey.Status.PUBLISHED:
        raise ValidationError(_("Publish the survey before sending invitations."))
    people = list(contacts)
    answered: set[int] = set()
    allowed: set[int] = set()
    affiliated: set[int] = set()
    if people:
        rows = type(people[0]).objects.filter(pk__in=[p.pk for p in people])
        allowed = set(processable(rows, survey.purpose).values_list("pk", flat=True))
        affiliated = set(rows.filter(affiliations__isnull=False).values_list("pk", flat=True))
        answered = set(
            Response.objects.filter(survey=survey, contact__in=rows).values_list(
                "contact_id", flat=True
            )
        )
    result = InviteResult()
    now = timezone.now()
    with transaction.atomic():
        for person in people:
            if not person.email:
                result.skipped.append((person, _("no e-mail address")))
                continue
            if person.pk not in allowed:
                result.skipped.append(
                    (
                        person,
                        _("may not be contacted for “%(purpose)s”")
                        % {"purpose": survey.purpose.name},
                    )
                )
                continue
            if person.pk in answered:
                result.skipped.append((person, _("has already answered")))
                continue
            language = (
                person.language if person.language in survey.languages else survey.languages[0]
            )
            result.created.append(
                Invitation.objects.create(
                    survey=survey,
                    contact=person,
                    language=language,
                    audience=Question.Audience.B2B
                    if person.pk in affiliated
                    else Question.Audience.B2C,
                    nonce=secrets.token_hex(16),
                    created_at=now,
                    expires_at=now + timedelta(days=survey.link_days),
                    created_by=actor if getattr(actor, "pk", None) else None,
                )
            )
        change_record(
            actor=actor,
            instance=survey,
            action=ChangeEntry.Action.UPDATE,
            changes={"invitations": [None, len(result.created)]},
        )
        if send and result.created:
            ids = [i.pk for i in result.created]
            transaction.on_commit(lambda: send_invitations_task.delay(ids))
    return result


def send_invitation(invitation: Invitation) -> None:
    """E-mail one personal link, through the marketing e-mail rules (purpose check and
    one-click unsubscribe)."""

    survey = invitation.survey
    words = chrome(invitation.language)
    url = public_url(reverse("marketing:answer", args=[link_token(invitation)]))
    title = survey.title.get(invitation.language) or survey.name
    intro = survey.intro.get(invitation.language, "")
    body = f"{title}\n\n{intro}\n\n{url}\n\n{words['privacy']}".replace("\n\n\n\n", "\n\n")
    try:
        send_marketing_email(
            contact=invitation.contact, purpose=survey.purpose, subject=title, body=body
        )
    except (ValidationError, OSError) as exc:
        message = " ".join(getattr(exc, "messages", [str(exc)]))[:300]
        Invitation.objects.filter(pk=invitation.pk).update(send_error=message)
        return
    Invitation.objects.filter(pk=invitation.pk).update(sent_at=timezone.now(), send_error="")


# --- Answers -----------------------------------------------------------------------------


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


# --- Results -----------------------------------------------------------------------------


FIGURES = {
    "n": Count("pk"),
    "nps_n": Count("pk", filter=Q(nps__isnull=False)),
    "promoters": Count("pk", filter=Q(nps__gte=9)),
    "detractors": Count("pk", filter=Q(nps__lte=6)),
    "csat_n": Count("pk", filter=Q(csat__isnull=False)),
    "satisfied": Count("pk", filter=Q(csat__gte=4)),
}


def _rates(figures: dict[str, Any]) -> dict[str, Any]:
    nps_n, csat_n = figures["nps_n"], figures["csat_n"]
    figures["nps"] = (figures["promoters"] - figures["detractors"]) * 100 / nps_n if nps_n else None
    figures["passives"] = nps_n - figures["promoters"] - figures["detractors"]
    figures["csat"] = figures["satisfied"] * 100 / csat_n if csat_n else None
    return figures


def nps_csat(responses: QuerySet[Response]) -> dict[str, Any]:
    """NPS (% answering 9-10 minus % answering 0-6) and CSAT (% answering 4-5), by SQL."""
    return _rates(responses.aggregate(**FIGURES))


GROUPS = ("audience", "language", "rfm_segment", "matrix")


def nps_csat_by(responses: QuerySet[Response], group: str) -> list[dict[str, Any]]:
    """NPS and CSAT per group: "audience" (B2B/B2C), "language", or the respondent's
    "rfm_segment" or "matrix" class in the latest analytics snapshot; one SQL query."""

    if group not in GROUPS:
        raise ValueError(group)
    if group in ("rfm_segment", "matrix"):
        snapshot = latest()
        if snapshot is None:
            return []
        key: Any = Subquery(
            CustomerScore.objects.filter(snapshot=snapshot, contact=OuterRef("contact")).values(
                group
            )[:1]
        )
    else:
        key = F(group)
    rows = (
        responses.order_by()
        .annotate(group=key)
        .values("group")
        .annotate(**FIGURES)
        .order_by("group")
    )
    return [_rates(dict(row)) for row in rows]


# --- Segments ----------------------------------------------------------------------------

SEGMENT_FIELDS = {"name", "description", "kind", "criteria", "owner", "team", "is_confidential"}


def segment_create(*, actor: Any, data: dict[str, Any], tags: Iterable[str] | None = None) -> Any:

    reject_unknown_fields(data, SEGMENT_FIELDS)
    clean = dict(data)
    clean["criteria"] = segments.clean(data.get("criteria", []))
    if clean.get("kind", Segment.Kind.DYNAMIC) == Segment.Kind.STATIC:
        clean["criteria"] = []
    segment = Segment(**{k: v for k, v in clean.items() if v is not None})
    with transaction.atomic():
        segment = record_create(actor=actor, instance=segment, tags=tags_from_names(tags or []))
    segments.recount(segment)
    return segment


def segment_update(
    *,
    actor: Any,
    segment: Any,
    data: dict[str, Any],
    expected_version: int | None,
    tags: Iterable[str] | None = None,
) -> Any:

    reject_unknown_fields(data, SEGMENT_FIELDS)
    clean = dict(data)
    if "criteria" in data:
        clean["criteria"] = segments.clean(data["criteria"])
    if "kind" in data and data["kind"] != segment.kind:
        raise ValidationError(
            {
                "kind": [
                    _("A segment cannot change between static list and dynamic; create a new one.")
                ]
            }
        )
    with transaction.atomic():
        updated = record_update(
            actor=actor,
            instance=segment,
            data=clean,
            expected_version=expected_version,
            tags=tags_from_names(tags) if tags is not None else None,
        )
    segments.recount(updated)
    return updated


def segment_delete(*, actor: Any, segment: Any) -> None:
    record_delete(actor=actor, instance=segment)


def segment_members_change(
    *, actor: Any, segment: Any, add: Iterable[int] = (), remove: Iterable[int] = ()
) -> tuple[int, int]:
    """Add contacts the actor may view to a static list, or remove them. Returns
    (added, removed)."""

    check(actor, "edit", segment)
    if segment.kind != segment.Kind.STATIC:
        raise ValidationError(
            _(
                "Only static lists have members added by hand; a dynamic segment follows its criteria."
            )
        )
    add, remove = list(add), list(remove)
    visible = set(restrict(Contact.objects.filter(pk__in=add), actor).values_list("pk", flat=True))
    unknown = [pk for pk in add if pk not in visible]
    if unknown:
        raise ValidationError(
            {
                "contacts": [
                    _("No contacts with ids %(ids)s that you may see.")
                    % {"ids": ", ".join(map(str, unknown))}
                ]
            }
        )
    with transaction.atomic():
        before = SegmentMember.objects.filter(segment=segment).count()
        SegmentMember.objects.bulk_create(
            [SegmentMember(segment=segment, contact_id=pk) for pk in visible], ignore_conflicts=True
        )
        added = SegmentMember.objects.filter(segment=segment).count() - before
        removed, _detail = SegmentMember.objects.filter(
            segment=segment, contact_id__in=remove
        ).delete()
        change_record(
            actor=actor,
            instance=segment,
            action=ChangeEntry.Action.UPDATE,
            changes={"members": [None, {"added": added, "removed": removed}]},
        )
    segments.recount(segment)
    return added, removed


def segment_export(*, actor: Any, segment: Any, purpose: Any, fmt: str) -> Any:
    """The segment's contacts that may be processed for ``purpose``, as CSV or XLSX,
    under the export rules (the right to export segments and contacts, the row limits,
    the export log)."""

    check(actor, "export", segment)
    rows = processable(segments.evaluate(segment, user=actor), purpose)
    return export_file(
        user=actor,
        queryset=rows,
        fmt=fmt,
        filters={"segment": segment.pk, "purpose": purpose.code},
    )
