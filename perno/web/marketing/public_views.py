"""The public answer page of a personal survey link: no log-in, in the respondent's
language (the survey's content and the page's own words), usable on a phone. A link
works once and until it expires; a tampered link is refused without saying more."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from perno.audit.trail import set_channel
from perno.marketing import services
from perno.marketing.languages import chrome
from perno.marketing.models import Invitation, Question

STATUS = {"invalid": 404, "expired": 410, "answered": 409, "closed": 410}


def _problem(request: HttpRequest, code: str, invitation: Invitation | None) -> HttpResponse:
    language = invitation.language if invitation else "en"
    words = chrome(language)
    return render(
        request,
        "marketing/public/problem.html",
        {"language": language, "message": words[code], "code": code},
        status=STATUS[code],
    )


def _rows(invitation: Invitation, raw: dict[str, Any], errors: dict[str, list[str]]) -> list:
    language = invitation.language
    rows = []
    for n, question in enumerate(services.questions_for(invitation), 1):
        key = str(question.pk)
        value = raw.get(key)
        chosen = value if isinstance(value, list) else ([value] if value not in (None, "") else [])
        low, high = (0, 10) if question.kind == Question.Kind.SCALE else (1, 5)
        rows.append(
            {
                "n": n,
                "id": key,
                "kind": question.kind,
                "required": question.required,
                "text": question.text.get(language, ""),
                "choices": [
                    {"key": c["key"], "text": c["text"].get(language, c["key"])}
                    for c in question.choices
                ],
                "points": [str(v) for v in range(low, high + 1)],
                "chosen": [str(v) for v in chosen],
                "error": " ".join(errors.get(key, [])),
            }
        )
    return rows


@never_cache
def answer(request: HttpRequest, token: str) -> HttpResponse:
    set_channel("public")
    try:
        invitation = services.invitation_from_token(token)
    except services.LinkError as exc:
        return _problem(request, exc.code, exc.invitation)
    words = chrome(invitation.language)
    raw: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        multiple = {
            str(q.pk)
            for q in services.questions_for(invitation)
            if q.kind == Question.Kind.MULTIPLE
        }
        raw = {
            key: (request.POST.getlist(key) if key in multiple else request.POST.get(key))
            for key in request.POST
            if key != "csrfmiddlewaretoken"
        }
        try:
            services.response_submit(invitation=invitation, raw=raw)
        except services.LinkError as exc:
            return _problem(request, exc.code, exc.invitation)
        except ValidationError as exc:
            errors = exc.message_dict
        else:
            return render(
                request,
                "marketing/public/thanks.html",
                {"language": invitation.language, "words": words},
            )
    survey = invitation.survey
    return render(
        request,
        "marketing/public/answer.html",
        {
            "language": invitation.language,
            "words": words,
            "title": survey.title.get(invitation.language) or survey.name,
            "intro": survey.intro.get(invitation.language, ""),
            "rows": _rows(invitation, raw, errors),
            "errors": errors,
            "form_error": " ".join(errors.get("__all__", [])),
        },
        status=400 if errors else 200,
    )
