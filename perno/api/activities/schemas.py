from __future__ import annotations

import datetime
from typing import Any, Literal

from ninja import Schema
from pydantic import Field

from perno.api.common import RecordOut, UserRef
from perno.api.inputs import InputSchema

Kind = Literal["task", "call", "meeting", "email", "note", "survey"]
Moment = Literal["", "positive", "negative"]
Status = Literal["open", "done", "cancelled"]
TargetType = Literal["company", "contact", "deal", "lead", "product", "activity"]


class ActivityOut(RecordOut):
    kind: str
    subject: str
    description: str
    assignee: UserRef | None
    due_at: datetime.datetime | None
    duration_minutes: int | None
    remind_at: datetime.datetime | None
    priority: int
    status: str
    moment: str
    completed_at: datetime.datetime | None
    company_id: int | None
    contact_id: int | None
    deal_id: int | None
    lead_id: int | None


class ActivityIn(InputSchema):
    kind: Kind = "task"
    subject: str = Field(..., min_length=1, max_length=200)
    description: str = ""
    assignee_id: int | None = None
    due_at: datetime.datetime | None = None
    duration_minutes: int | None = Field(
        None, ge=1, le=44_640, description="How long a meeting or call lasts (minutes)."
    )
    remind_at: datetime.datetime | None = None
    priority: int = Field(2, ge=1, le=4, description="1 low, 2 normal, 3 high, 4 urgent")
    status: Status = "open"
    moment: Moment = Field("", description="A moment of truth: strongly positive or negative.")
    company_id: int | None = None
    contact_id: int | None = None
    deal_id: int | None = None
    lead_id: int | None = None
    owner_id: int | None = None
    team_id: int | None = None
    tags: list[str] = []
    is_confidential: bool = False


class ActivityPatch(InputSchema):
    version: int | None = None
    kind: Kind | None = None
    subject: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = None
    assignee_id: int | None = None
    due_at: datetime.datetime | None = None
    duration_minutes: int | None = Field(None, ge=1, le=44_640)
    remind_at: datetime.datetime | None = None
    priority: int | None = Field(None, ge=1, le=4)
    status: Status | None = None
    moment: Moment | None = None
    company_id: int | None = None
    contact_id: int | None = None
    deal_id: int | None = None
    lead_id: int | None = None
    owner_id: int | None = None
    team_id: int | None = None
    tags: list[str] | None = None
    is_confidential: bool | None = None


class AttachmentOut(Schema):
    id: int
    comment_id: int
    original_name: str
    content_type: str
    size: int
    sha256: str
    created_at: datetime.datetime
    download_url: str

    @staticmethod
    def resolve_download_url(obj: Any) -> str:
        return f"/api/v1/attachments/{obj.pk}/download"


class CommentOut(Schema):
    id: int
    body: str
    author: UserRef | None
    parent_id: int | None
    target_type: str
    target_id: int
    created_at: datetime.datetime
    attachments: list[AttachmentOut]

    @staticmethod
    def resolve_target_type(obj: Any) -> str:
        return obj.target._meta.model_name

    @staticmethod
    def resolve_target_id(obj: Any) -> int:
        return obj.target.pk

    @staticmethod
    def resolve_attachments(obj: Any) -> list[Any]:
        return list(obj.attachments.all())


class CommentPatch(InputSchema):
    body: str = Field(..., max_length=20_000)


class CommentQuery(InputSchema):
    target_type: TargetType
    target_id: int = Field(..., ge=1)
