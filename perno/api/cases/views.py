"""Cases, their queues and categories over the API. Cases follow the gate (the queue's
team is the case's team); queues and categories are read by everyone and changed by
administrators."""

from __future__ import annotations

import datetime
from functools import partial
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import models
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from perno.accounts.models import Team, User
from perno.activities.calendar_time import calendar_zone
from perno.api.cases.schemas import (
    AvailabilityIn,
    CaseAssignIn,
    CaseIn,
    CaseMergeIn,
    CaseNoteIn,
    CaseNoteOut,
    CaseOut,
    CasePatch,
    CaseStatusIn,
    CategoryIn,
    CategoryOut,
    CategoryPatch,
    MemberOut,
    QueueIn,
    QueueOut,
    QueuePatch,
)
from perno.api.common import (
    ERRORS,
    WRITE_ERRORS,
    FieldErrors,
    PageParams,
    expected_version,
    filter_schema,
    page_schema,
    paged,
    refuse_nulls,
    resolve,
    resolve_ids,
    shown,
    split_payload,
)
from perno.api.errors import CONFLICT_SERIALIZERS
from perno.api.inputs import InputSchema
from perno.cases import config, selectors, services
from perno.cases import dashboard as care
from perno.cases.filters import CaseFilter
from perno.cases.models import Case, CaseCategory, Queue
from perno.contacts.models import Company, Contact
from perno.marketing.models import Survey

router = Router(tags=["cases"])
if TYPE_CHECKING:
    CaseQuery = Schema
else:
    CaseQuery = filter_schema(CaseFilter, "CaseQuery")
LINKS = {
    "owner_id": User,
    "assignee_id": User,
    "company_id": Company,
    "contact_id": Contact,
}
CONFLICT_SERIALIZERS[Case] = lambda obj: CaseOut.from_orm(obj).model_dump(mode="json")


def _config(model: type[models.Model], pk: int | None, field: str) -> Any:
    """A queue or category by id (configuration: every user may name one)."""
    if pk is None:
        return None
    found = model._default_manager.filter(pk=pk).first()
    if found is None:
        raise ValidationError(
            {
                field: [
                    _("No %(model)s with id %(id)s.")
                    % {"model": model._meta.verbose_name, "id": pk}
                ]
            }
        )
    return found


def _links(request: HttpRequest, data: dict[str, Any]) -> dict[str, Any]:
    """Ids in the body turned into records (each error named by its field)."""
    errors = FieldErrors()
    out: dict[str, Any] = {}
    for key, model in (("queue_id", Queue), ("category_id", CaseCategory)):
        if key in data:
            out[key.removesuffix("_id")] = errors.catch(partial(_config, model, data.pop(key), key))
    out.update(errors.catch(partial(resolve_ids, request.user, data, LINKS)) or {})
    errors.raise_any()
    return out


def _shown(request: HttpRequest, pk: int, action: str = "view") -> Case:
    return shown(selectors.case_get, request, pk, action)


@router.get("/cases", response={200: page_schema(CaseOut), **ERRORS}, summary="List cases")
def case_list(request: HttpRequest, filters: Query[CaseQuery], params: Query[PageParams]) -> Any:
    return paged(
        selectors.case_list(
            user=request.user, filters=filters.dict(exclude_none=True)
        ).prefetch_related("tags"),
        params,
        request,
    )


@router.post(
    "/cases",
    response={201: CaseOut, **WRITE_ERRORS},
    summary="Open a case (any channel; a chat or social message names its contact by id, e-mail or phone)",
)
def case_create(request: HttpRequest, payload: CaseIn) -> Any:
    data, _custom, tags = split_payload(payload.dict())
    email, phone = data.pop("contact_email", None), data.pop("contact_phone", None)
    if data.get("contact_id") is not None and (email or phone):
        raise ValidationError(
            {"contact_id": [_("Give the contact's id or its e-mail or phone, not both.")]}
        )
    links = _links(request, data)
    if email or phone:
        links["contact"] = selectors.contact_match(
            user=request.user,
            email=email or "",
            phone=phone or "",
            field="contact_email" if email else "contact_phone",
        )
    case = services.case_create(actor=request.user, data=links, tags=tags)
    return Status(201, _shown(request, case.pk))


# The care dashboard's figures (perno/cases/dashboard.py; the page is /cases/dashboard/),
# before /cases/{case_id} so that its path is matched first. ------------------------


class DashboardQuery(InputSchema):
    weeks: int = Field(8, ge=1, le=care.MAX_WEEKS, description="The current week and those before.")
    queue_id: int | None = Field(None, description="Only this queue's cases.")


class QueueStatusOut(Schema):
    queue_id: int
    queue: str
    status: str
    count: int


class OpenOut(Schema):
    rows: list[QueueStatusOut]
    total: int
    sla: dict[str, int] = Field(..., description="Open cases per SLA state now.")


class TargetWeekOut(Schema):
    met: int
    breached: int


class ComplianceWeekOut(Schema):
    week: datetime.date = Field(..., description="The Monday of the week (your time zone).")
    first_response: TargetWeekOut
    resolution: TargetWeekOut


class TargetTotalOut(TargetWeekOut):
    rate: float | None = Field(..., description="Percent met; null without decided targets.")


class ComplianceOut(Schema):
    weeks: list[ComplianceWeekOut]
    totals: dict[str, TargetTotalOut]


class TimesOut(Schema):
    count: int
    median: float | None = Field(..., description="Minutes from opening.")
    p90: float | None = Field(..., description="Minutes from opening (90th percentile).")


class AgentOut(Schema):
    assignee_id: int
    name: str
    open: int
    resolved: int
    breaches: int
    first_response_median: float | None
    resolution_median: float | None


class SatisfactionWeekOut(Schema):
    week: datetime.date
    answers: int
    csat: float | None
    nps: int | None


class SatisfactionOut(Schema):
    weeks: list[SatisfactionWeekOut]
    answers: int
    csat: float | None
    nps: int | None


class DashboardOut(Schema):
    start: datetime.datetime
    end: datetime.datetime
    queue_id: int | None
    open: OpenOut
    compliance: ComplianceOut
    times: dict[str, TimesOut]
    agents: list[AgentOut]
    satisfaction: SatisfactionOut


@router.get(
    "/cases/dashboard",
    response={200: DashboardOut, **ERRORS},
    summary="The care dashboard's figures over the cases you may see",
)
def case_dashboard(request: HttpRequest, params: Query[DashboardQuery]) -> Any:
    queue = _config(Queue, params.queue_id, "queue_id")
    period = care.Period.last_weeks(params.weeks, zone=calendar_zone(request.user))
    figures = care.dashboard(user=request.user, period=period, queue=queue)
    return {
        "start": period.start,
        "end": period.end,
        "queue_id": getattr(queue, "pk", None),
        **figures,
    }


@router.get("/cases/{case_id}", response={200: CaseOut, **ERRORS}, summary="Get a case")
def case_get(request: HttpRequest, case_id: int) -> Any:
    return _shown(request, case_id)


@router.patch(
    "/cases/{case_id}",
    response={200: CaseOut, **WRITE_ERRORS},
    summary="Update a case (version in the body or If-Match)",
)
def case_update(request: HttpRequest, case_id: int, payload: CasePatch) -> Any:
    case = _shown(request, case_id, "edit")
    raw = payload.dict(exclude_unset=True)
    version = expected_version(request, raw.get("version"))
    data, _custom, tags = split_payload(raw)
    refuse_nulls(data, ("subject", "priority", "status", "channel", "queue_id"))
    services.case_update(
        actor=request.user,
        case=case,
        data=_links(request, data),
        expected_version=version,
        tags=tags,
    )
    return _shown(request, case_id)


@router.post(
    "/cases/{case_id}/status",
    response={200: CaseOut, **WRITE_ERRORS},
    summary="Change a case's status (only to the statuses allowed next)",
)
def case_status(request: HttpRequest, case_id: int, payload: CaseStatusIn) -> Any:
    case = _shown(request, case_id, "edit")
    services.case_set_status(
        actor=request.user,
        case=case,
        status=payload.status,
        expected_version=expected_version(request, payload.version),
    )
    return _shown(request, case_id)


@router.post(
    "/cases/{case_id}/assign",
    response={200: CaseOut, **WRITE_ERRORS},
    summary="Assign a case to someone, to nobody, or by the queue's rule (auto)",
)
def case_assign(request: HttpRequest, case_id: int, payload: CaseAssignIn) -> Any:
    case = _shown(request, case_id, "edit")
    assignee = resolve(request.user, User, payload.assignee_id, "assignee_id")
    services.case_assign(
        actor=request.user,
        case=case,
        assignee=assignee,
        auto=payload.auto,
        expected_version=expected_version(request, payload.version),
    )
    return _shown(request, case_id)


@router.post(
    "/cases/{case_id}/merge",
    response={200: CaseOut, **WRITE_ERRORS},
    summary="Merge other cases into this one (they are closed, what they hold moves here)",
)
def case_merge(request: HttpRequest, case_id: int, payload: CaseMergeIn) -> Any:
    target = _shown(request, case_id, "edit")
    sources = [resolve(request.user, Case, pk, "sources") for pk in payload.sources]
    services.case_merge(
        actor=request.user,
        target=target,
        sources=sources,
        expected_version=expected_version(request, payload.version),
    )
    return _shown(request, case_id)


@router.get(
    "/cases/{case_id}/notes",
    response={200: list[CaseNoteOut], **ERRORS},
    summary="The internal notes of a case, oldest first",
)
def case_notes(request: HttpRequest, case_id: int) -> Any:
    return list(_shown(request, case_id).notes.select_related("author"))


@router.post(
    "/cases/{case_id}/notes",
    response={201: CaseNoteOut, **WRITE_ERRORS},
    summary="Add an internal note to a case (never sent to the customer)",
)
def case_note_add(request: HttpRequest, case_id: int, payload: CaseNoteIn) -> Any:
    case = _shown(request, case_id, "edit")
    return Status(201, services.case_note_add(actor=request.user, case=case, body=payload.body))


@router.delete("/cases/{case_id}", response={204: None, **ERRORS}, summary="Delete a case")
def case_delete(request: HttpRequest, case_id: int) -> Any:
    services.case_delete(actor=request.user, case=_shown(request, case_id, "delete"))
    return Status(204, None)


# Configuration -------------------------------------------------------------------------


@router.get(
    "/case-categories", response={200: list[CategoryOut], **ERRORS}, summary="Case categories"
)
def category_list(request: HttpRequest) -> Any:
    return list(selectors.category_list())


@router.post(
    "/case-categories",
    response={201: CategoryOut, **WRITE_ERRORS},
    summary="Create a case category (administrators)",
)
def category_create(request: HttpRequest, payload: CategoryIn) -> Any:
    return Status(201, config.category_create(actor=request.user, data=payload.dict()))


@router.patch(
    "/case-categories/{category_id}",
    response={200: CategoryOut, **WRITE_ERRORS},
    summary="Change a case category (administrators)",
)
def category_update(request: HttpRequest, category_id: int, payload: CategoryPatch) -> Any:
    data = payload.dict(exclude_unset=True)
    refuse_nulls(data, ("name", "active"))
    return config.category_update(
        actor=request.user, category=selectors.category_get(pk=category_id), data=data
    )


@router.delete(
    "/case-categories/{category_id}",
    response={204: None, **ERRORS},
    summary="Delete a case category (administrators; its cases keep no category)",
)
def category_delete(request: HttpRequest, category_id: int) -> Any:
    config.category_delete(actor=request.user, category=selectors.category_get(pk=category_id))
    return Status(204, None)


def _queue_lists(request: HttpRequest, data: dict[str, Any]) -> tuple[dict[str, Any], Any, Any]:
    """Turn the ids of a queue's body into records; every error at once."""
    errors = FieldErrors()
    out: dict[str, Any] = {}
    members = rules = None
    user = request.user
    for key, model in (
        ("team_id", Team),
        ("escalate_to_id", User),
        ("satisfaction_survey_id", Survey),
    ):
        if key in data:
            out[key.removesuffix("_id")] = errors.catch(
                partial(resolve, user, model, data[key], key), key
            )
    for key in ("name", "assignment"):
        if key in data:
            out[key] = data[key]
    if data.get("members") is not None:
        members = [
            (
                errors.catch(partial(resolve, user, User, m["user_id"], "members"), "members"),
                # A PATCH body keeps only what was sent: an unsent "available" is
                # the schema's default.
                m.get("available", True),
            )
            for m in data["members"]
        ]
    if data.get("rules") is not None:
        rules = [
            (
                errors.catch(partial(_config, CaseCategory, r["category_id"], "rules"), "rules"),
                errors.catch(partial(resolve, user, User, r["user_id"], "rules"), "rules"),
            )
            for r in data["rules"]
        ]
    errors.raise_any()
    return out, members, rules


@router.get("/queues", response={200: list[QueueOut], **ERRORS}, summary="Case queues")
def queue_list(request: HttpRequest) -> Any:
    return list(selectors.queue_list())


@router.get("/queues/{queue_id}", response={200: QueueOut, **ERRORS}, summary="Get a queue")
def queue_get(request: HttpRequest, queue_id: int) -> Any:
    return selectors.queue_get(pk=queue_id)


@router.post(
    "/queues",
    response={201: QueueOut, **WRITE_ERRORS},
    summary="Create a queue of a team, with its members and rules (administrators)",
)
def queue_create(request: HttpRequest, payload: QueueIn) -> Any:
    data, members, rules = _queue_lists(request, payload.dict())
    queue = config.queue_create(actor=request.user, data=data, members=members, rules=rules)
    return Status(201, selectors.queue_get(pk=queue.pk))


@router.patch(
    "/queues/{queue_id}",
    response={200: QueueOut, **WRITE_ERRORS},
    summary="Change a queue; members and rules, when given, replace the lists (administrators)",
)
def queue_update(request: HttpRequest, queue_id: int, payload: QueuePatch) -> Any:
    raw = payload.dict(exclude_unset=True)
    refuse_nulls(raw, ("name", "team_id", "assignment"))
    data, members, rules = _queue_lists(request, raw)
    config.queue_update(
        actor=request.user,
        queue=selectors.queue_get(pk=queue_id),
        data=data,
        members=members,
        rules=rules,
    )
    return selectors.queue_get(pk=queue_id)


@router.delete(
    "/queues/{queue_id}",
    response={204: None, **ERRORS},
    summary="Delete an empty queue (administrators)",
)
def queue_delete(request: HttpRequest, queue_id: int) -> Any:
    config.queue_delete(actor=request.user, queue=selectors.queue_get(pk=queue_id))
    return Status(204, None)


@router.put(
    "/queues/{queue_id}/availability",
    response={200: MemberOut, **WRITE_ERRORS},
    summary="Say whether you take new cases of a queue you are a member of",
)
def queue_availability(request: HttpRequest, queue_id: int, payload: AvailabilityIn) -> Any:
    return config.queue_availability_set(
        actor=request.user, queue=selectors.queue_get(pk=queue_id), available=payload.available
    )
