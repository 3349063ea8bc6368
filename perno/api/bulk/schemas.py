"""Bodies and answers of bulk changes and saved list views."""

from __future__ import annotations

import datetime
from typing import Any

from ninja import Schema
from pydantic import ConfigDict, Field

from perno.api.inputs import InputSchema


class SelectionIn(InputSchema):
    """Either ``ids`` (at most 10,000), or ``everything: true`` with the list's
    ``filters`` (the query parameters of its list operation) and ids to ``exclude``."""

    model_config = ConfigDict(extra="forbid")

    ids: list[int] = Field(default_factory=list, max_length=10_000)
    everything: bool = False
    filters: dict[str, str] = Field(default_factory=dict)
    exclude: list[int] = Field(default_factory=list, max_length=10_000)
    versions: dict[str, int] = Field(
        default_factory=dict,
        description="id -> the version you saw; a record changed since is skipped.",
    )
    as_of: datetime.datetime | None = Field(
        default=None, description="When you read the list; records changed later are skipped."
    )


class ChangesIn(InputSchema):
    """What to set; leave out what stays as it is."""

    model_config = ConfigDict(extra="forbid")

    owner: int | None = None
    team: int | None = None
    add_tags: list[str] | None = None
    remove_tags: list[str] | None = None
    status: str | None = Field(default=None, description="Leads, activities and orders.")
    stage: int | None = Field(default=None, description="Deals: a stage of the deal's pipeline.")
    custom_fields: dict[str, Any] | None = None


class BulkEditIn(InputSchema):
    model_config = ConfigDict(extra="forbid")

    selection: SelectionIn
    changes: ChangesIn


class BulkDeleteIn(InputSchema):
    model_config = ConfigDict(extra="forbid")

    selection: SelectionIn


class SkippedOut(Schema):
    count: int
    reason: str
    ids: list[int]


class BulkResultOut(Schema):
    selected: int
    changed: int
    unchanged: int
    skipped: int
    skipped_by_reason: dict[str, SkippedOut]
    message: str


class BulkJobOut(Schema):
    id: int
    status: str
    total: int
    done: int
    percent: int
    message: str
    result: dict[str, Any]


class SavedViewIn(InputSchema):
    model_config = ConfigDict(extra="forbid")

    list_key: str = Field(
        description="companies, contacts, leads, deals, products, orders, activities"
    )
    name: str = Field(max_length=100)
    columns: list[str] = Field(default_factory=list, max_length=50)
    filters: dict[str, str] = Field(default_factory=dict)
    sort: str = ""
    is_default: bool = False
    shared: bool = Field(default=False, description="Shared with your team (read-only for them).")


class SavedViewPatch(InputSchema):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, max_length=100)
    columns: list[str] | None = None
    filters: dict[str, str] | None = None
    sort: str | None = None
    is_default: bool | None = None
    shared: bool | None = None


class SavedViewOut(Schema):
    id: int
    list_key: str
    name: str
    columns: list[str]
    filters: dict[str, Any]
    sort: str
    is_default: bool
    shared: bool
    mine: bool
    owner_id: int
