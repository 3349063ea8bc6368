"""The CRM health check through the API (monitoring): the score, the area scores and
every figure, under the same rule as the page: the stored snapshot over every record
for roles that see every contact, company, deal and activity, else the figures computed
over the records the caller may see."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema

from perno.api.common import ERRORS
from perno.health.services import gate, health_for

router = Router(tags=["health"])


class RecordFiguresOut(Schema):
    total: int = Field(..., description="Records counted")
    open: int | None = Field(None, description="Open deals (deals only)")
    checks: dict[str, int] = Field(..., description="Records with each problem, by check")


class HealthOut(Schema):
    scope: str = Field(..., description="all: every record (the snapshot); visible: yours")
    computed_at: datetime
    score: int = Field(..., description="0-100, see docs/health.md")
    areas: dict[str, float] = Field(..., description="quality, compliance, usage: 0-100")
    records: dict[str, RecordFiguresOut] = Field(..., description="contact, company, deal")
    compliance: dict[str, int | None] | None = Field(
        None, description="Retention, requests and breaches: for who handles personal data"
    )
    usage: dict[str, float]


@router.get("/health", response={200: HealthOut, **ERRORS}, summary="CRM health check")
def health(request: HttpRequest) -> Any:
    gate(request.user)
    snapshot, figures = health_for(user=request.user)
    return {**figures, "scope": "all" if snapshot else "visible"}
