from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema

from perno.api.common import ConflictOut


class CandidateOut(Schema):
    id: int
    kind: str
    name: str
    reasons: list[str]
    why: list[str]


class DuplicateConflictOut(ConflictOut):
    """409: a unique value taken, a stale version, or, on create, possible duplicates
    (``candidates``; send ``force=true`` to create anyway)."""

    candidates: list[CandidateOut] = []


class RecordRef(Schema):
    id: int
    name: str


class PairOut(Schema):
    id: int
    kind: str
    score: float
    status: str
    reasons: list[str]
    why: list[str]
    records: list[RecordRef]
    merge_url: str


class RunOut(Schema):
    id: int
    status: str
    stage: str = Field(..., description="kind:step, e.g. contact:score")
    stage_label: str = Field(..., description="The stage in the user's language")
    progress: int
    records: int
    pairs: int
    started_at: datetime
    finished_at: datetime | None
    error: str


class SettingsOut(Schema):
    contact_threshold: float
    company_threshold: float
