"""Service levels through the API: business calendars (with the days they are closed)
and SLA policies. Administrators only, like Settings → Service levels, through the same
audited services."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import get_language
from ninja import Query, Router, Status

from perno.accounts.permissions import check
from perno.api.common import ERRORS, WRITE_ERRORS, refuse_nulls, resolve_ids
from perno.api.sla.schemas import (
    CalendarIn,
    CalendarOut,
    CalendarPatch,
    ClosureOut,
    PolicyIn,
    PolicyOut,
    PolicyPatch,
    YearParams,
    day_values,
)
from perno.marketing.models import Segment
from perno.sla import schedule, selectors, services
from perno.sla.models import CALENDARS, POLICIES, BusinessCalendar, SlaPolicy

router = Router(tags=["service levels"])


def _calendar_data(payload: Any, *, partial: bool) -> dict[str, Any]:
    data = payload.dict(exclude_unset=partial)
    if not partial and data.get("time_zone") is None:
        data.pop("time_zone", None)  # the model's default: the installation's zone
    refuse_nulls(data, ("name", "time_zone", "country", "subdivision", "hours"))
    for key in ("closed_days", "open_days"):
        if key in data:
            refuse_nulls(data, (key,))
            data[key] = day_values(data[key])
    return data


def _calendar(request: HttpRequest, calendar_id: int) -> BusinessCalendar:
    """A business calendar, for administrators of service levels."""
    check(request.user, "manage", CALENDARS)
    return selectors.calendar_get(user=request.user, pk=calendar_id)


@router.get(
    "/sla/calendars",
    response={200: list[CalendarOut], **ERRORS},
    summary="List business calendars (administrators)",
)
def calendar_list(request: HttpRequest) -> Any:
    check(request.user, "manage", CALENDARS)
    return list(selectors.calendar_list(user=request.user))


@router.post(
    "/sla/calendars",
    response={201: CalendarOut, **WRITE_ERRORS},
    summary="Create a business calendar",
)
def calendar_create(request: HttpRequest, payload: CalendarIn) -> Any:
    check(request.user, "manage", CALENDARS)
    calendar = services.calendar_create(
        actor=request.user, data=_calendar_data(payload, partial=False)
    )
    return Status(201, calendar)


@router.get(
    "/sla/calendars/{calendar_id}",
    response={200: CalendarOut, **ERRORS},
    summary="Get a business calendar",
)
def calendar_get(request: HttpRequest, calendar_id: int) -> Any:
    return _calendar(request, calendar_id)


@router.patch(
    "/sla/calendars/{calendar_id}",
    response={200: CalendarOut, **WRITE_ERRORS},
    summary="Change a business calendar (the fields given)",
)
def calendar_update(request: HttpRequest, calendar_id: int, payload: CalendarPatch) -> Any:
    calendar = _calendar(request, calendar_id)
    return services.calendar_update(
        actor=request.user, calendar=calendar, data=_calendar_data(payload, partial=True)
    )


@router.delete(
    "/sla/calendars/{calendar_id}",
    response={204: None, **WRITE_ERRORS},
    summary="Delete a business calendar no policy uses",
)
def calendar_delete(request: HttpRequest, calendar_id: int) -> Any:
    calendar = _calendar(request, calendar_id)
    services.calendar_delete(actor=request.user, calendar=calendar)
    return Status(204, None)


@router.get(
    "/sla/calendars/{calendar_id}/closures",
    response={200: list[ClosureOut], **ERRORS},
    summary="The days of a year the calendar is closed: public holidays and company days",
)
def calendar_closures(request: HttpRequest, calendar_id: int, params: Query[YearParams]) -> Any:
    calendar = _calendar(request, calendar_id)
    year = params.year or timezone.localdate().year
    return schedule.year_closures(calendar, year, get_language())


# --- Policies -----------------------------------------------------------------------------

LINKS = {"segment_id": Segment, "calendar_id": BusinessCalendar}


def _policy(request: HttpRequest, policy_id: int) -> SlaPolicy:
    """An SLA policy, for administrators of service levels."""
    check(request.user, "manage", POLICIES)
    return selectors.policy_get(user=request.user, pk=policy_id)


@router.get(
    "/sla/policies",
    response={200: list[PolicyOut], **ERRORS},
    summary="List SLA policies in the order they are tried (administrators)",
)
def policy_list(request: HttpRequest) -> Any:
    check(request.user, "manage", POLICIES)
    return list(selectors.policy_list(user=request.user))


@router.post(
    "/sla/policies", response={201: PolicyOut, **WRITE_ERRORS}, summary="Create an SLA policy"
)
def policy_create(request: HttpRequest, payload: PolicyIn) -> Any:
    check(request.user, "manage", POLICIES)
    data = resolve_ids(request.user, payload.dict(), LINKS)
    policy = services.policy_create(actor=request.user, data=data)
    return Status(201, selectors.policy_get(user=request.user, pk=policy.pk))


@router.get(
    "/sla/policies/{policy_id}", response={200: PolicyOut, **ERRORS}, summary="Get an SLA policy"
)
def policy_get(request: HttpRequest, policy_id: int) -> Any:
    return _policy(request, policy_id)


@router.patch(
    "/sla/policies/{policy_id}",
    response={200: PolicyOut, **WRITE_ERRORS},
    summary="Change an SLA policy (the fields given; null priority or segment: any)",
)
def policy_update(request: HttpRequest, policy_id: int, payload: PolicyPatch) -> Any:
    policy = _policy(request, policy_id)
    data = payload.dict(exclude_unset=True)
    refuse_nulls(
        data,
        (
            "name",
            "active",
            "calendar_id",
            "first_response_minutes",
            "resolution_minutes",
            "warn_before_minutes",
            "rank",
        ),
    )
    data = resolve_ids(request.user, data, LINKS)
    services.policy_update(actor=request.user, policy=policy, data=data)
    return selectors.policy_get(user=request.user, pk=policy_id)


@router.delete(
    "/sla/policies/{policy_id}",
    response={204: None, **WRITE_ERRORS},
    summary="Delete an SLA policy",
)
def policy_delete(request: HttpRequest, policy_id: int) -> Any:
    policy = _policy(request, policy_id)
    services.policy_delete(actor=request.user, policy=policy)
    return Status(204, None)
