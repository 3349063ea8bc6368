from __future__ import annotations

import datetime
from typing import Any, Literal

from ninja import Schema
from pydantic import Field

from perno.api.common import RecordOut, Ref, UserRef
from perno.api.inputs import InputSchema

Channel = Literal["email", "phone", "web", "portal", "chat", "social"]
Status = Literal["new", "open", "waiting", "resolved", "closed", "reopened"]
Assignment = Literal["manual", "round_robin", "by_category"]
PRIORITY = "1 low, 2 normal, 3 high, 4 urgent"


class CaseOut(RecordOut):
    number: int
    reference: str = Field(..., description="The number as shown, e.g. C-000123.")
    subject: str
    description: str
    contact_id: int | None
    company_id: int | None
    channel: str
    category: Ref | None
    priority: int
    status: str
    queue: Ref
    assignee: UserRef | None
    merged_into_id: int | None
    first_response_at: datetime.datetime | None
    resolved_at: datetime.datetime | None
    closed_at: datetime.datetime | None
    sla_policy_id: int | None
    first_response_due: datetime.datetime | None
    resolution_due: datetime.datetime | None
    paused_since: datetime.datetime | None
    first_response_breached_at: datetime.datetime | None
    resolution_breached_at: datetime.datetime | None
    sla_state: str = Field(
        ..., description="on_track, at_risk, breached, met, paused or none (no SLA policy)."
    )


class CaseIn(InputSchema):
    subject: str = Field(..., min_length=1, max_length=200)
    description: str = Field("", max_length=100_000)
    queue_id: int
    contact_id: int | None = None
    contact_email: str | None = Field(
        None,
        max_length=254,
        description="Instead of contact_id: the e-mail address of a contact you may see.",
    )
    contact_phone: str | None = Field(
        None,
        max_length=40,
        description="Instead of contact_id: the phone number of a contact you may see.",
    )
    company_id: int | None = None
    channel: Channel = "phone"
    category_id: int | None = None
    priority: int = Field(2, ge=1, le=4, description=PRIORITY)
    status: Literal["new", "open"] = "new"
    assignee_id: int | None = Field(
        None, description="Empty: the queue's assignment rule picks someone (or nobody)."
    )
    owner_id: int | None = None
    tags: list[str] = []
    is_confidential: bool = False


class CasePatch(InputSchema):
    version: int | None = None
    subject: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = Field(None, max_length=100_000)
    queue_id: int | None = None
    contact_id: int | None = None
    company_id: int | None = None
    channel: Channel | None = None
    category_id: int | None = None
    priority: int | None = Field(None, ge=1, le=4, description=PRIORITY)
    status: Status | None = None
    assignee_id: int | None = None
    owner_id: int | None = None
    tags: list[str] | None = None
    is_confidential: bool | None = None


class CaseStatusIn(InputSchema):
    status: Status
    version: int | None = None


class CaseAssignIn(InputSchema):
    assignee_id: int | None = Field(None, description="Empty (and auto false): unassigned.")
    auto: bool = Field(False, description="Let the queue's assignment rule pick.")
    version: int | None = None


class CaseMergeIn(InputSchema):
    sources: list[int] = Field(
        ..., min_length=1, max_length=50, description="The cases merged into this one."
    )
    version: int | None = None


class CategoryOut(Schema):
    id: int
    name: str
    active: bool


class CategoryIn(InputSchema):
    name: str = Field(..., min_length=1, max_length=100)
    active: bool = True


class CategoryPatch(InputSchema):
    name: str | None = Field(None, min_length=1, max_length=100)
    active: bool | None = None


class MemberOut(Schema):
    user: UserRef
    available: bool
    last_assigned_at: datetime.datetime | None


class RuleOut(Schema):
    category: Ref
    user: UserRef


class QueueOut(Schema):
    id: int
    name: str
    team: Ref
    assignment: str
    escalate_to: UserRef | None
    satisfaction_survey: Ref | None
    members: list[MemberOut]
    rules: list[RuleOut]

    @staticmethod
    def resolve_members(obj: Any) -> list[Any]:
        return list(obj.memberships.all())

    @staticmethod
    def resolve_rules(obj: Any) -> list[Any]:
        return list(obj.category_rules.all())


class MemberIn(InputSchema):
    user_id: int
    available: bool = True


class RuleIn(InputSchema):
    category_id: int
    user_id: int


class QueueIn(InputSchema):
    name: str = Field(..., min_length=1, max_length=100)
    team_id: int
    assignment: Assignment = "manual"
    escalate_to_id: int | None = None
    satisfaction_survey_id: int | None = None
    members: list[MemberIn] = Field([], max_length=500)
    rules: list[RuleIn] = Field([], max_length=500)


class QueuePatch(InputSchema):
    name: str | None = Field(None, min_length=1, max_length=100)
    team_id: int | None = None
    assignment: Assignment | None = None
    escalate_to_id: int | None = None
    satisfaction_survey_id: int | None = None
    members: list[MemberIn] | None = Field(None, max_length=500)
    rules: list[RuleIn] | None = Field(None, max_length=500)


class AvailabilityIn(InputSchema):
    available: bool


class CaseNoteOut(Schema):
    id: int
    case_id: int
    author: UserRef | None
    body: str
    created_at: datetime.datetime


class CaseNoteIn(InputSchema):
    body: str = Field(..., min_length=1, max_length=20_000, description="The note's text.")
