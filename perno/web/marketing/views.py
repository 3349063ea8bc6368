"""Pages of surveys (editor, results, invitations) and segments (criteria, members,
export)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from perno.accounts.permissions import can, check, sees_all
from perno.accounts.selectors import user_list
from perno.analytics.models import CustomerScore
from perno.audit.trail import record_list
from perno.contacts.models import Contact
from perno.core.pagination import paginate
from perno.marketing import fans, segments, selectors, services
from perno.marketing.languages import CONTENT_LANGUAGES
from perno.marketing.models import Question, Segment, Survey
from perno.privacy.models import Purpose
from perno.records.history import change_history
from perno.records.reads import record_shown
from perno.web.editing import RecordFormView
from perno.web.lists import RecordListView
from perno.web.marketing.forms import QuestionForm, SegmentForm, SurveyForm
from perno.web.marketing.tables import SEGMENTS, SURVEYS


def _errors(request: HttpRequest, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


# --- Surveys -----------------------------------------------------------------------------


class SurveyListView(RecordListView):
    config = SURVEYS


class SurveyCreateView(RecordFormView):
    form_class = SurveyForm
    model = Survey
    title = gettext_lazy("New survey")

    def save(self, request: HttpRequest, form: Any, obj: Any) -> Any:
        return services.survey_create(
            actor=request.user, data=form.record_data(), tags=form.tag_names()
        )


class SurveyUpdateView(RecordFormView):
    form_class = SurveyForm
    get_object = selectors.survey_get
    title = gettext_lazy("Edit survey")

    def save(self, request: HttpRequest, form: Any, obj: Any) -> Any:
        return services.survey_update(
            actor=request.user,
            survey=obj,
            data=form.record_data(),
            expected_version=form.cleaned_data.get("version"),
            tags=form.tag_names(),
        )


@login_required
def survey_detail(request: HttpRequest, pk: int) -> HttpResponse:
    survey = record_shown(selectors.survey_get(user=request.user, pk=pk), user=request.user)
    responses = selectors.survey_responses(user=request.user, survey=survey)
    groups: dict[str, tuple[str, dict[str, Any] | None]] = {
        "audience": (_("Variant"), dict(Question.Audience.choices)),
        "language": (_("Language"), CONTENT_LANGUAGES),
        "rfm_segment": (_("RFM segment"), None),
        "matrix": (_("Loyalty × profitability"), None),
    }

    labels = {
        "rfm_segment": dict(CustomerScore.Segment.choices),
        "matrix": dict(CustomerScore.Matrix.choices),
    }
    breakdowns = []
    for key, (title, names) in groups.items():
        rows = services.nps_csat_by(responses, key)
        lookup: dict[str, Any] = names or labels.get(key, {})
        for row in rows:
            row["label"] = lookup.get(row["group"], row["group"]) if row["group"] else _("unknown")
        breakdowns.append({"key": key, "title": title, "rows": rows})
    by_segment = None
    wanted = request.GET.get("segment", "")
    chosen_segment = (
        selectors.segment_list(user=request.user).filter(pk=int(wanted)).first()
        if wanted.isdecimal()
        else None
    )
    if chosen_segment is not None:
        members = segments.evaluate(chosen_segment).values("pk")
        by_segment = services.nps_csat(responses.filter(contact__in=members))
    questions = list(survey.questions.all())
    language = survey.languages[0]
    return render(
        request,
        "marketing/survey_detail.html",
        {
            "object": survey,
            "record_type": "survey",
            "users": user_list(user=request.user),
            "history": change_history(user=request.user, instance=survey),
            "questions": [
                {
                    "q": q,
                    "text": q.text.get(language, ""),
                    "missing": [c for c in survey.languages if not q.text.get(c)],
                }
                for q in questions
            ],
            "language_names": [CONTENT_LANGUAGES[c] for c in survey.languages],
            "problems": services.publish_problems(survey)
            if survey.status == Survey.Status.DRAFT
            else [],
            "totals": services.nps_csat(responses),
            "breakdowns": breakdowns,
            "stats": selectors.invitation_stats(survey, user=request.user),
            "segments": selectors.segment_list(user=request.user)[:200],
            "may_edit": can(request.user, "edit", survey),
            "recent": responses.select_related("contact")[:20],
            "chosen_segment": chosen_segment,
            "by_segment": by_segment,
        },
    )


@login_required
@require_POST
def survey_delete(request: HttpRequest, pk: int) -> HttpResponse:
    services.survey_delete(
        actor=request.user,
        survey=record_shown(
            selectors.survey_get(user=request.user, pk=pk, action="delete"),
            user=request.user,
            purpose="delete",
        ),
    )
    messages.success(request, _("Survey deleted."))
    return HttpResponseRedirect("/surveys/")


@login_required
@require_POST
def survey_status(request: HttpRequest, pk: int) -> HttpResponse:
    survey = record_shown(
        selectors.survey_get(user=request.user, pk=pk, action="edit"),
        user=request.user,
        purpose="edit",
    )
    try:
        services.survey_set_status(
            actor=request.user, survey=survey, status=request.POST.get("status", "")
        )
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("Status changed."))
    return HttpResponseRedirect(survey.get_absolute_url())


@login_required
@require_POST
def survey_from_template(request: HttpRequest) -> HttpResponse:
    check(request.user, "create", "survey")
    purpose = Purpose.objects.filter(pk=request.POST.get("purpose") or 0).first()
    if purpose is None:
        messages.error(request, _("Choose the purpose the survey is sent for."))
        return HttpResponseRedirect("/surveys/")
    survey = services.survey_from_template(actor=request.user, purpose=purpose)
    messages.success(
        request, _("The fan questionnaire is ready in every language; review it and publish it.")
    )
    return HttpResponseRedirect(survey.get_absolute_url())


@login_required
def question_edit(request: HttpRequest, pk: int, question_pk: int | None = None) -> HttpResponse:
    survey = record_shown(
        selectors.survey_get(user=request.user, pk=pk, action="edit"),
        user=request.user,
        purpose="edit",
    )
    question = None
    if question_pk is not None:
        question = survey.questions.filter(pk=question_pk).first()
        if question is None:
            raise Http404
    form = QuestionForm(request.POST or None, survey=survey, question=question)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.question_save(
                    actor=request.user, survey=survey, data=form.question_data(), question=question
                )
            except ValidationError as exc:
                for field, errors in (
                    exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
                ).items():
                    for error in errors:
                        form.add_error(field if field in form.fields else None, error)
            else:
                messages.success(request, _("Question saved."))
                return HttpResponseRedirect(survey.get_absolute_url())
        status = 400
    return render(
        request,
        "marketing/question_form.html",
        {"form": form, "survey": survey, "question": question},
        status=status,
    )


@login_required
@require_POST
def question_delete(request: HttpRequest, pk: int, question_pk: int) -> HttpResponse:
    survey = record_shown(
        selectors.survey_get(user=request.user, pk=pk, action="edit"),
        user=request.user,
        purpose="edit",
    )
    question = survey.questions.filter(pk=question_pk).first()
    if question is None:
        raise Http404
    try:
        services.question_delete(actor=request.user, question=question)
    except ValidationError as exc:
        _errors(request, exc)
    return HttpResponseRedirect(survey.get_absolute_url())


@login_required
@require_POST
def survey_invite(request: HttpRequest, pk: int) -> HttpResponse:
    """Personal links for the contacts of a segment."""
    survey = record_shown(
        selectors.survey_get(user=request.user, pk=pk, action="edit"),
        user=request.user,
        purpose="edit",
    )
    segment = (
        selectors.segment_list(user=request.user)
        .filter(pk=request.POST.get("segment") or 0)
        .first()
    )
    if segment is None:
        messages.error(request, _("Choose a segment to invite."))
        return HttpResponseRedirect(survey.get_absolute_url())
    contacts = segments.evaluate(segment, user=request.user)
    try:
        result = services.invitations_create(actor=request.user, survey=survey, contacts=contacts)
    except ValidationError as exc:
        _errors(request, exc)
        return HttpResponseRedirect(survey.get_absolute_url())
    messages.success(
        request,
        _("%(n)s invitations created and queued for sending; %(skipped)s contacts skipped.")
        % {"n": len(result.created), "skipped": len(result.skipped)},
    )
    reasons: dict[str, int] = {}
    for _person, reason in result.skipped:
        reasons[str(reason)] = reasons.get(str(reason), 0) + 1
    for reason, count in reasons.items():
        messages.info(
            request, _("%(count)s skipped: %(reason)s") % {"count": count, "reason": reason}
        )
    return HttpResponseRedirect(survey.get_absolute_url())


# --- Segments ----------------------------------------------------------------------------


class SegmentListView(RecordListView):
    config = SEGMENTS


class _SegmentFormView(RecordFormView):
    form_class = SegmentForm
    template_name = "marketing/segment_form.html"

    def form(self, request: HttpRequest, obj: Any, data: Any = None, files: Any = None) -> Any:
        built = super().form(request, obj, data, files)
        built.fields_spec = [
            {"name": name, "label": spec.label, "ops": spec.ops, "choices": spec.choices}
            for name, spec in segments.FIELDS.items()
        ]
        return built


class SegmentCreateView(_SegmentFormView):
    model = Segment
    title = gettext_lazy("New segment")

    def save(self, request: HttpRequest, form: Any, obj: Any) -> Any:
        data = form.record_data()
        data["criteria"] = form.criteria()
        return services.segment_create(actor=request.user, data=data, tags=form.tag_names())


class SegmentUpdateView(_SegmentFormView):
    get_object = selectors.segment_get
    title = gettext_lazy("Edit segment")

    def save(self, request: HttpRequest, form: Any, obj: Any) -> Any:
        data = form.record_data()
        data.pop("kind", None)
        data["criteria"] = form.criteria()
        return services.segment_update(
            actor=request.user,
            segment=obj,
            data=data,
            expected_version=form.cleaned_data.get("version"),
            tags=form.tag_names(),
        )


@login_required
def segment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    segment = record_shown(selectors.segment_get(user=request.user, pk=pk), user=request.user)
    segments.recount(segment)
    members = segments.evaluate(segment, user=request.user).order_by(
        "last_name", "first_name", "pk"
    )
    try:
        number = int(request.GET.get("page", "1"))
    except ValueError:
        number = 1
    page = paginate(members, number, 50)

    record_list(actor=request.user, model=Contact, ids=[c.pk for c in page.items])
    labels = {name: spec.label for name, spec in segments.FIELDS.items()}
    return render(
        request,
        "marketing/segment_detail.html",
        {
            "object": segment,
            "record_type": "segment",
            "users": user_list(user=request.user),
            "history": change_history(user=request.user, instance=segment),
            "page_obj": page,
            "conditions": [
                {**c, "label": labels.get(c["field"], c["field"])} for c in segment.criteria
            ],
            "purposes": Purpose.objects.filter(is_active=True).order_by("name"),
            "may_export": can(request.user, "export", segment)
            and can(request.user, "export", "contact"),
            "may_edit": can(request.user, "edit", segment),
            # The stored size counts every contact: shown to who sees them all.
            "sees_all_contacts": sees_all(request.user, "contact"),
        },
    )


@login_required
@require_POST
def segment_members(request: HttpRequest, pk: int) -> HttpResponse:
    segment = record_shown(
        selectors.segment_get(user=request.user, pk=pk, action="edit"),
        user=request.user,
        purpose="edit",
    )

    def ids(name: str) -> list[int]:
        raw = request.POST.getlist(name)
        return [int(v) for v in raw if str(v).isdecimal()]

    try:
        added, removed = services.segment_members_change(
            actor=request.user, segment=segment, add=ids("add"), remove=ids("remove")
        )
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(
            request,
            _("%(added)s added, %(removed)s removed.") % {"added": added, "removed": removed},
        )
    return HttpResponseRedirect(segment.get_absolute_url())


@login_required
def segment_export(request: HttpRequest, pk: int) -> HttpResponse:
    segment = record_shown(selectors.segment_get(user=request.user, pk=pk), user=request.user)
    check(request.user, "export", segment)
    purpose = Purpose.objects.filter(pk=request.GET.get("purpose") or 0).first()
    if purpose is None:
        messages.error(
            request,
            _(
                "Choose the purpose the export is for: only contacts who may be processed for it are exported."
            ),
        )
        return HttpResponseRedirect(segment.get_absolute_url())
    try:
        result = services.segment_export(
            actor=request.user,
            segment=segment,
            purpose=purpose,
            fmt=request.GET.get("format", "csv"),
        )
    except PermissionDenied as exc:
        messages.error(request, str(exc))
        return HttpResponseRedirect(segment.get_absolute_url())
    response = HttpResponse(result.content, content_type=result.content_type)
    response["Content-Disposition"] = f'attachment; filename="{result.filename}"'
    return response


@login_required
@require_POST
def segment_delete(request: HttpRequest, pk: int) -> HttpResponse:
    services.segment_delete(
        actor=request.user,
        segment=record_shown(
            selectors.segment_get(user=request.user, pk=pk, action="delete"),
            user=request.user,
            purpose="delete",
        ),
    )
    messages.success(request, _("Segment deleted."))
    return HttpResponseRedirect("/segments/")


@login_required
@require_POST
def segment_from_fans(request: HttpRequest) -> HttpResponse:
    """Save a region of the fan portfolio as a dynamic segment."""
    kind = request.POST.get("fan_type", "")
    if kind not in fans.TYPES:
        raise Http404
    with transaction.atomic():
        segment = services.segment_create(
            actor=request.user,
            data={
                "name": _("Fan type: %(type)s") % {"type": fans.TYPES[kind]},
                "kind": Segment.Kind.DYNAMIC,
                "criteria": [{"field": "fan_type", "op": "in", "value": [kind]}],
            },
        )
    return HttpResponseRedirect(segment.get_absolute_url())
