"""The duplicate queue through the API: list and read pairs, mark one "not a
duplicate" or back, start a search and follow it, the thresholds."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from perno.api.common import ERRORS, WRITE_ERRORS, PageParams, page_schema, paginate_plain
from perno.api.duplicates.schemas import CandidateOut, PairOut, RecordRef, RunOut, SettingsOut
from perno.api.inputs import InputSchema
from perno.audit.trail import record_list
from perno.contacts.matching import Candidate, told_reasons
from perno.contacts.models import Company, Contact
from perno.duplicates import reasons, selectors, services
from perno.duplicates.models import DuplicatePair, FinderSettings, Kind
from perno.duplicates.tasks import find_task

router = Router(tags=["duplicates"])


def candidates_out(kind: str, found: list[Candidate]) -> list[dict[str, Any]]:
    return [
        CandidateOut(
            id=c.record.pk,
            kind=kind,
            name=str(c.record),
            reasons=c.reasons,
            why=reasons.describe(c.reasons),
        ).model_dump()
        for c in found
    ]


def pair_out(user: Any, pair: DuplicatePair) -> PairOut:
    """The pair as ``user`` may see it: no reason about a field hidden from them, nor
    about a linked company they may not open."""
    try:
        merge = reverse(
            "merging:merge_compare",
            kwargs={"kind": pair.kind, "merged_pk": pair.high_id, "survivor_pk": pair.low_id},
        )
    except NoReverseMatch:
        merge = ""
    low, high = pair.low, pair.high
    told = told_reasons(user, pair.kind, pair.reasons, (low, high))
    return PairOut(
        id=pair.pk,
        kind=pair.kind,
        score=pair.score,
        status=pair.status,
        reasons=told,
        why=reasons.describe(told, (str(low), str(high))),
        records=[RecordRef(id=r.pk, name=str(r)) for r in (low, high) if r is not None],
        merge_url=merge,
    )


def _not_reviewer() -> Status:
    return Status(
        403,
        {"message": _("The duplicate queue is for people who may edit contacts or companies.")},
    )


class PairQuery(InputSchema):
    kind: Kind = Kind.CONTACT
    status: DuplicatePair.Status = DuplicatePair.Status.OPEN
    min_score: float | None = None


@router.get(
    "/duplicates",
    response={200: page_schema(PairOut), **ERRORS},
    summary="List possible duplicate pairs",
)
def pair_list(request: HttpRequest, filters: Query[PairQuery], params: Query[PageParams]) -> Any:
    if filters.min_score is not None and not 0 <= filters.min_score <= 1:
        return Status(
            400,
            {
                "message": _("min_score is a number from 0 to 1, such as 0.9."),
                "errors": {"min_score": [_("Give a number from 0 to 1.")]},
            },
        )
    if not selectors.reviewable_kinds(request.user):
        return _not_reviewer()
    qs = selectors.pair_list(
        user=request.user, kind=filters.kind, min_score=filters.min_score, status=filters.status
    )
    if filters.kind == Kind.CONTACT:  # whether their companies may be named as a reason
        qs = qs.prefetch_related(
            *(f"contact_{side}__affiliations__company" for side in ("low", "high"))
        )
    result = paginate_plain(qs, params)
    record_list(
        actor=request.user,
        model=Contact if filters.kind == Kind.CONTACT else Company,
        ids=sorted({i for p in result["items"] for i in (p.low_id, p.high_id) if i is not None}),
    )
    result["items"] = [pair_out(request.user, p) for p in result["items"]]
    return result


@router.get("/duplicates/{pair_id}", response={200: PairOut, **ERRORS}, summary="Get a pair")
def pair_get(request: HttpRequest, pair_id: int) -> Any:
    pair = selectors.pair_get(user=request.user, pk=pair_id)
    record_list(
        actor=request.user,
        model=Contact if pair.kind == Kind.CONTACT else Company,
        ids=[pair.low_id, pair.high_id],
    )
    return pair_out(request.user, pair)


@router.post(
    "/duplicates/{pair_id}/dismiss",
    response={200: PairOut, **WRITE_ERRORS},
    summary="Mark a pair not a duplicate (remembered by later searches)",
)
def pair_dismiss(request: HttpRequest, pair_id: int) -> Any:
    return pair_out(request.user, services.pair_dismiss(actor=request.user, pk=pair_id))


@router.post(
    "/duplicates/{pair_id}/reopen",
    response={200: PairOut, **WRITE_ERRORS},
    summary="Put a pair marked not a duplicate back in the queue",
)
def pair_reopen(request: HttpRequest, pair_id: int) -> Any:
    return pair_out(request.user, services.pair_reopen(actor=request.user, pk=pair_id))


def run_out(run: Any) -> RunOut:
    return RunOut.from_orm(run)


@router.post(
    "/duplicate-runs",
    response={202: RunOut, **WRITE_ERRORS},
    summary="Start a search for duplicates (in the background)",
)
def run_start(request: HttpRequest) -> Any:
    try:
        run = services.run_start(actor=request.user)
    except services.RunRefused as exc:
        return Status(409, {"message": str(exc)})
    transaction.on_commit(lambda: find_task.delay(run.pk))
    return Status(202, run_out(run))


@router.get(
    "/duplicate-runs/latest",
    response={200: RunOut | None, **ERRORS},
    summary="The latest search for duplicates and its progress (null before the first)",
)
def run_latest(request: HttpRequest) -> Any:
    if not selectors.reviewable_kinds(request.user):
        return _not_reviewer()
    run = selectors.latest_run()
    return None if run is None else run_out(run)


class SettingsIn(InputSchema):
    contact_threshold: float | None = None
    company_threshold: float | None = None


@router.get("/duplicate-settings", response={200: SettingsOut, **ERRORS}, summary="The thresholds")
def settings_get(request: HttpRequest) -> Any:
    if not selectors.reviewable_kinds(request.user):
        return _not_reviewer()
    return SettingsOut.from_orm(FinderSettings.current())


@router.patch(
    "/duplicate-settings",
    response={200: SettingsOut, **WRITE_ERRORS},
    summary="Change the thresholds (administrators)",
)
def settings_update(request: HttpRequest, payload: SettingsIn) -> Any:
    values = payload.dict(exclude_none=True)
    return SettingsOut.from_orm(services.settings_update(actor=request.user, **values))
