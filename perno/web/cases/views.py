"""Case pages: the list, a case (its fields, status buttons with only the allowed
transitions, assigning, merging, the SLA panel, the conversation, the merged cases,
suggested articles and the change history), creating, editing and deleting, and the
open cases panel of a contact's or company's page.

Reads go through the cases selectors (the gate); writes through the cases services.
Times are shown in the user's time zone (``activities.calendar_time.calendar_zone``)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from perno.accounts.confidential import redact
from perno.accounts.permissions import can
from perno.activities.calendar_time import calendar_zone
from perno.cases import selectors, services
from perno.cases.models import Case
from perno.cases.services import TRANSITIONS
from perno.cases.states import ACTIVE_STATUSES
from perno.contacts import selectors as contact_selectors
from perno.core.exceptions import ConflictError
from perno.knowledge.selectors import user_language
from perno.knowledge.suggest import suggest_for_text
from perno.records.history import change_history
from perno.records.reads import record_shown
from perno.web.cases.forms import AssignForm, CaseForm, MergeForm
from perno.web.cases.sla import sla_context
from perno.web.cases.tables import CASES
from perno.web.editing import RecordFormView
from perno.web.lists import RecordListView

# The conversation of a case (its e-mail messages) is drawn by the mail pages' partial,
# included on the case page when it exists.
MAIL_PARTIAL = "mail/partials/_case_messages.html"
SUGGESTIONS = 5
MERGE_CANDIDATES = 50
PANEL_ROWS = 5


def _has_template(name: str) -> bool:
    try:
        get_template(name)
    except TemplateDoesNotExist:
        return False
    return True


class CaseListView(RecordListView):
    config = CASES

    def get(self, request: HttpRequest) -> HttpResponse:
        with timezone.override(calendar_zone(request.user)):
            return super().get(request)


def _number(value: Any) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 <= number < 2**31 else None


def _merge_candidates(user: Any, case: Case) -> list[Case]:
    """Other cases of the same contact the user may see, not merged yet."""
    if case.contact_id is None:
        return []
    return list(
        selectors.case_list(user=user, filters={"contact": str(case.contact_id)})
        .exclude(pk=case.pk)
        .filter(merged_into__isnull=True)
        .order_by("-created_at", "-id")[:MERGE_CANDIDATES]
    )


def _suggestions(user: Any, case: Case) -> list[Any]:
    text = f"{case.subject}\n{case.description}"
    return suggest_for_text(user=user, text=text, language=user_language(), limit=SUGGESTIONS)


def detail_context(request: HttpRequest, case: Case) -> dict[str, Any]:
    user = request.user
    may_edit = can(user, "edit", case)
    merged_into = case.merged_into
    context: dict[str, Any] = {
        "object": redact(user, case),
        "record_type": "case",
        "can_edit": may_edit,
        "can_delete": can(user, "delete", case),
        "transitions": [
            (status, Case.Status(status).label) for status in TRANSITIONS.get(case.status, ())
        ]
        if may_edit and merged_into is None
        else [],
        "assign_form": AssignForm(initial={"assignee": case.assignee_id}, queue=case.queue)
        if may_edit
        else None,
        "merge_form": MergeForm(candidates=_merge_candidates(user, case))
        if may_edit and case.status != Case.Status.CLOSED and merged_into is None
        else None,
        "merged_cases": list(selectors.merged_cases(user=user, case=case)),
        "merged_into": merged_into if merged_into and can(user, "view", merged_into) else None,
        "suggestions": _suggestions(user, case),
        "notes": list(case.notes.select_related("author")),
        "mail_partial": MAIL_PARTIAL if _has_template(MAIL_PARTIAL) else "",
        "history": change_history(user=user, instance=case),
        **sla_context(case),
    }
    return context


def _page(request: HttpRequest, case: Case, status: int = 200, **extra: Any) -> HttpResponse:
    with timezone.override(calendar_zone(request.user)):
        return render(
            request,
            "cases/pages/case_detail.html",
            {**detail_context(request, case), **extra},
            status=status,
        )


@login_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = record_shown(selectors.case_get(user=request.user, pk=pk), user=request.user)
    return _page(request, case)


def _edited(request: HttpRequest, pk: int, action: str = "edit") -> Case:
    return record_shown(
        selectors.case_get(user=request.user, pk=pk, action=action),
        user=request.user,
        purpose=action,
    )


def _failed(request: HttpRequest, pk: int, exc: Exception) -> HttpResponse:
    """The case page again with what went wrong: 409 for a stale version (the page
    shows the stored case), 400 otherwise."""
    case = selectors.case_get(user=request.user, pk=pk)
    if isinstance(exc, ConflictError):
        return _page(request, case, status=409, action_errors=[exc.message])
    assert isinstance(exc, ValidationError)
    return _page(request, case, status=400, action_errors=exc.messages)


@login_required
@require_POST
def case_status(request: HttpRequest, pk: int) -> HttpResponse:
    """A status button: only the statuses the case may go to next are accepted."""
    case = _edited(request, pk)
    status = request.POST.get("status", "")
    try:
        case = services.case_set_status(
            actor=request.user,
            case=case,
            status=status,
            expected_version=_number(request.POST.get("version")),
        )
    except (ValidationError, ConflictError) as exc:
        return _failed(request, pk, exc)
    messages.success(
        request,
        _("%(case)s is now “%(status)s”.")
        % {"case": case.reference, "status": case.get_status_display()},
    )
    return HttpResponseRedirect(case.get_absolute_url())


@login_required
@require_POST
def case_assign(request: HttpRequest, pk: int) -> HttpResponse:
    case = _edited(request, pk)
    form = AssignForm(request.POST)
    if not form.is_valid():
        return _failed(
            request, pk, ValidationError([e for errors in form.errors.values() for e in errors])
        )
    to = form.cleaned_data.get("to")
    assignee = request.user if to == AssignForm.ME else form.cleaned_data.get("assignee")
    try:
        case = services.case_assign(
            actor=request.user,
            case=case,
            assignee=None if to == AssignForm.NOBODY else assignee,
            auto=to == AssignForm.AUTO,
            expected_version=form.cleaned_data.get("version"),
        )
    except (ValidationError, ConflictError) as exc:
        return _failed(request, pk, exc)
    if case.assignee_id:
        messages.success(
            request,
            _("%(case)s is assigned to %(user)s.")
            % {"case": case.reference, "user": case.assignee},
        )
    else:
        messages.success(
            request, _("%(case)s is not assigned to anyone.") % {"case": case.reference}
        )
    return HttpResponseRedirect(case.get_absolute_url())


@login_required
@require_POST
def case_merge(request: HttpRequest, pk: int) -> HttpResponse:
    """Merge ticked cases of the same contact into this one: first a confirmation page
    naming them, then the merge (``confirm``)."""
    case = _edited(request, pk)
    candidates = _merge_candidates(request.user, case)
    form = MergeForm(request.POST, candidates=candidates)
    if not form.is_valid():
        return _failed(
            request, pk, ValidationError([e for errors in form.errors.values() for e in errors])
        )
    chosen = [c for c in candidates if c.pk in set(form.cleaned_data["sources"])]
    if not form.cleaned_data.get("confirm"):
        with timezone.override(calendar_zone(request.user)):
            return render(
                request,
                "cases/pages/case_merge.html",
                {"object": case, "sources": chosen, "version": form.cleaned_data.get("version")},
            )
    try:
        kept = services.case_merge(
            actor=request.user,
            target=case,
            sources=chosen,
            expected_version=form.cleaned_data.get("version"),
        )
    except (ValidationError, ConflictError) as exc:
        return _failed(request, pk, exc)
    except Case.DoesNotExist:
        raise Http404 from None
    messages.success(
        request,
        _("Merged %(cases)s into %(case)s.")
        % {"cases": ", ".join(c.reference for c in chosen), "case": kept.reference},
    )
    return HttpResponseRedirect(kept.get_absolute_url())


@login_required
@require_POST
def case_note(request: HttpRequest, pk: int) -> HttpResponse:
    """Add an internal note; a refused one is shown on the page with its text kept."""
    case = _edited(request, pk)
    body = request.POST.get("body", "")
    try:
        services.case_note_add(actor=request.user, case=case, body=body)
    except ValidationError as exc:
        return _page(request, case, status=400, note_errors=exc.messages, note_body=body)
    messages.success(request, _("Note added to %(case)s.") % {"case": case.reference})
    return HttpResponseRedirect(f"{case.get_absolute_url()}#notes-h")


@login_required
@require_POST
def case_delete(request: HttpRequest, pk: int) -> HttpResponse:
    case = _edited(request, pk, "delete")
    services.case_delete(actor=request.user, case=case)
    messages.success(request, _("Deleted %(case)s.") % {"case": case.reference})
    return HttpResponseRedirect(reverse("cases:case_list"))


class CaseCreateView(RecordFormView):
    form_class = CaseForm
    model = Case
    title = gettext_lazy("New case")

    def initial(self, request: HttpRequest) -> dict[str, Any]:
        initial: dict[str, Any] = {"status": Case.Status.NEW}
        for name in ("contact", "company", "queue"):
            if request.GET.get(name, "").isdecimal():
                initial[name] = request.GET[name]
        return initial

    def save(self, request: HttpRequest, form: Any, obj: Any) -> Any:
        return services.case_create(
            actor=request.user, data=form.record_data(), tags=form.tag_names()
        )


class CaseUpdateView(RecordFormView):
    form_class = CaseForm
    get_object = selectors.case_get
    title = gettext_lazy("Edit case")

    def save(self, request: HttpRequest, form: Any, obj: Any) -> Any:
        return services.case_update(
            actor=request.user,
            case=obj,
            data=form.record_data(),
            expected_version=form.cleaned_data.get("version"),
            tags=form.tag_names(),
        )


@login_required
def record_cases(request: HttpRequest, record_type: str, pk: int) -> HttpResponse:
    """The open cases of a contact or a company (its own cases), for its page: the
    first few and their count, with a link to the filtered list."""
    getters = {"contact": contact_selectors.contact_get, "company": contact_selectors.company_get}
    getter = getters.get(record_type)
    if getter is None:
        raise Http404
    target = getter(user=request.user, pk=pk)
    filters = {record_type: str(target.pk), "status": "active", "sort": "-created"}
    cases = selectors.case_list(user=request.user, filters=filters)
    rows = list(cases[: PANEL_ROWS + 1])
    with timezone.override(calendar_zone(request.user)):
        return render(
            request,
            "cases/pages/_record_cases.html",
            {
                "rows": rows[:PANEL_ROWS],
                "more": len(rows) > PANEL_ROWS,
                "count": cases.count() if len(rows) > PANEL_ROWS else len(rows),
                "list_url": f"{reverse('cases:case_list')}?{urlencode(filters)}",
                "new_url": f"{reverse('cases:case_create')}?{urlencode({record_type: target.pk})}"
                if can(request.user, "create", "case")
                else "",
                "active_statuses": ACTIVE_STATUSES,
            },
        )
