from __future__ import annotations

import datetime
from typing import Any

from ninja import Schema
from pydantic import Field

from perno.api.common import Ref, UserRef
from perno.api.inputs import InputSchema

RIGHTS_DESCRIPTION = (
    "Per record type (company, contact, lead, deal, product, activity) and action (view, "
    "create, edit, delete, export) a scope: none, own, team or all. Missing entries mean "
    '"none". Example: {"contact": {"view": "team", "edit": "own"}}.'
)


class RoleOut(Schema):
    id: int
    code: str
    name: str
    description: str
    rights: dict[str, dict[str, str]]
    administer: bool
    see_confidential: bool
    handle_privacy: bool
    require_2fa: bool
    export_max_rows: int | None
    export_daily_rows: int | None
    user_count: int = 0

    @staticmethod
    def resolve_user_count(obj: Any) -> int:
        return int(getattr(obj, "user_count", 0) or 0)


class RoleIn(InputSchema):
    code: str = Field(..., min_length=1, max_length=50, pattern=r"^[-a-zA-Z0-9_]+$")
    name: str = Field(..., min_length=1, max_length=100)
    description: str = ""
    rights: dict[str, Any] = Field({}, description=RIGHTS_DESCRIPTION)
    administer: bool = False
    see_confidential: bool = False
    handle_privacy: bool = False
    require_2fa: bool = False
    export_max_rows: int | None = Field(None, ge=0, le=2_147_483_647)
    export_daily_rows: int | None = Field(None, ge=0, le=2_147_483_647)


class RolePatch(InputSchema):
    code: str | None = Field(None, min_length=1, max_length=50, pattern=r"^[-a-zA-Z0-9_]+$")
    name: str | None = Field(None, min_length=1, max_length=100)
    description: str | None = None
    rights: dict[str, Any] | None = Field(
        None, description=RIGHTS_DESCRIPTION + " Replaces the whole matrix."
    )
    administer: bool | None = None
    see_confidential: bool | None = None
    handle_privacy: bool | None = None
    require_2fa: bool | None = None
    export_max_rows: int | None = Field(None, ge=0, le=2_147_483_647)
    export_daily_rows: int | None = Field(None, ge=0, le=2_147_483_647)


COUNTRY_DESCRIPTION = (
    "ISO 3166 two-letter country code, e.g. RO. Phone numbers sent without a +country code are read "
    "as numbers of the record's country, else of the user's country, else of the user's "
    "team's (or its parent team's), else of the installation default."
)


class TeamOut(Schema):
    id: int
    name: str
    parent: Ref | None = None
    country: str = ""


class TeamIn(InputSchema):
    name: str = Field(..., min_length=1, max_length=100)
    parent_id: int | None = None
    country: str = Field("", max_length=2, description=COUNTRY_DESCRIPTION)


class TeamPatch(InputSchema):
    name: str | None = Field(None, min_length=1, max_length=100)
    parent_id: int | None = None
    country: str | None = Field(None, max_length=2, description=COUNTRY_DESCRIPTION)


class UserOut(Schema):
    id: int
    username: str
    first_name: str
    last_name: str
    email: str
    is_active: bool
    team: Ref | None = None
    country: str = ""
    roles: list[str]
    last_login: datetime.datetime | None = None

    @staticmethod
    def resolve_roles(obj: Any) -> list[str]:
        return sorted(role.code for role in obj.roles.all())


class UserIn(InputSchema):
    username: str = Field(..., min_length=1, max_length=150)
    first_name: str = Field("", max_length=150)
    last_name: str = Field("", max_length=150)
    email: str = Field("", max_length=254)
    is_active: bool = True
    team_id: int | None = None
    country: str = Field("", max_length=2, description=COUNTRY_DESCRIPTION)
    roles: list[str] = Field([], description='Role codes, e.g. ["sales"].')
    password: str = Field(
        ...,
        min_length=1,
        max_length=4096,
        description="Initial password; the password policy applies (12 characters or more).",
    )


class UserPatch(InputSchema):
    username: str | None = Field(None, min_length=1, max_length=150)
    first_name: str | None = Field(None, max_length=150)
    last_name: str | None = Field(None, max_length=150)
    email: str | None = Field(None, max_length=254)
    is_active: bool | None = None
    team_id: int | None = None
    country: str | None = Field(None, max_length=2, description=COUNTRY_DESCRIPTION)
    roles: list[str] | None = Field(None, description="Role codes; replaces the user's roles.")
    password: str | None = Field(None, min_length=1, max_length=4096)


class ConfidentialFieldsOut(Schema):
    subject: str
    fields: list[str] = Field(..., description="Fields marked confidential.")
    available: list[str] = Field(..., description="Fields that can be marked.")


class ConfidentialFieldsIn(InputSchema):
    fields: list[str]


class EncryptedFieldsOut(Schema):
    subject: str
    fields: list[str] = Field(..., description="Fields whose values are encrypted at rest.")
    available: list[str] = Field(..., description="Fields that can be marked.")


class KeyRotationOut(Schema):
    id: int
    status: str = Field(..., description="queued, running, done or failed")
    key_id: str = Field(..., description="The key every sensitive value ends under.")
    started_at: datetime.datetime
    finished_at: datetime.datetime | None = None
    total: int = Field(..., description="Records to check.")
    done: int = Field(..., description="Records checked so far.")
    counts: dict[str, int] = Field(..., description="Values rewritten, per table and field.")
    error: str


class ExportOut(Schema):
    id: int
    user: UserRef | None = None
    subject: str
    format: str
    channel: str
    rows: int
    filters: dict[str, Any]
    created_at: datetime.datetime
