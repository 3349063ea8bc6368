"""Administration through the API: roles and their rights, users, teams, confidential
fields, fields encrypted at rest and key rotation, and the export log. Every operation asks the gate for "manage", like the
Settings pages, and goes through the same audited services."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from perno.accounts import services
from perno.accounts.confidential import field_choices
from perno.accounts.models import ConfidentialField, ExportLog, Role, Team, User
from perno.accounts.permissions import check
from perno.accounts.rights import SUBJECTS
from perno.api.accounts.schemas import (
    ConfidentialFieldsIn,
    ConfidentialFieldsOut,
    EncryptedFieldsOut,
    ExportOut,
    KeyRotationOut,
    RoleIn,
    RoleOut,
    RolePatch,
    TeamIn,
    TeamOut,
    TeamPatch,
    UserIn,
    UserOut,
    UserPatch,
)
from perno.api.common import ERRORS, PageParams, page_schema, paginate_plain, refuse_nulls
from perno.privacy import keys
from perno.privacy.models import KeyRotation
from perno.records.confidential import confidential_fields_set
from perno.records.models import SealedField

router = Router(tags=["administration"])


def _roles() -> Any:
    return Role.objects.annotate(user_count=Count("users")).order_by("name")


def _team(pk: int | None) -> Team | None:
    if pk is None:
        return None
    team = Team.objects.filter(pk=pk).first()
    if team is None:
        raise ValidationError({"team_id": [_("No team with id %(id)s.") % {"id": pk}]})
    return team


@router.get("/roles", response={200: list[RoleOut], **ERRORS}, summary="List roles")
def role_list(request: HttpRequest) -> Any:
    check(request.user, "manage", "role")
    return list(_roles())


@router.post("/roles", response={201: RoleOut, **ERRORS}, summary="Create a role")
def role_create(request: HttpRequest, payload: RoleIn) -> Any:
    data = payload.dict()
    rights = data.pop("rights")
    role = services.role_save(actor=request.user, role=None, data=data, rights=rights)
    return Status(201, _roles().get(pk=role.pk))


@router.get("/roles/{role_id}", response={200: RoleOut, **ERRORS}, summary="Get a role")
def role_get(request: HttpRequest, role_id: int) -> Any:
    check(request.user, "manage", "role")
    return get_object_or_404(_roles(), pk=role_id)


@router.patch(
    "/roles/{role_id}",
    response={200: RoleOut, **ERRORS},
    summary="Change a role (its rights apply from the users' next request)",
)
def role_update(request: HttpRequest, role_id: int, payload: RolePatch) -> Any:
    check(request.user, "manage", "role")
    role = get_object_or_404(Role, pk=role_id)
    data = payload.dict(exclude_unset=True)
    rights = data.pop("rights", None)
    refuse_nulls(
        data,
        (
            "code",
            "name",
            "description",
            "administer",
            "see_confidential",
            "handle_privacy",
            "require_2fa",
        ),
    )
    services.role_save(actor=request.user, role=role, data=data, rights=rights)
    return _roles().get(pk=role_id)


@router.delete("/roles/{role_id}", response={204: None, **ERRORS}, summary="Delete a role")
def role_delete(request: HttpRequest, role_id: int) -> Any:
    check(request.user, "manage", "role")
    services.role_delete(actor=request.user, role=get_object_or_404(Role, pk=role_id))
    return Status(204, None)


def _users() -> Any:
    return User.objects.select_related("team").prefetch_related("roles").order_by("username")


@router.get(
    "/users", response={200: page_schema(UserOut), **ERRORS}, summary="List users (administrators)"
)
def user_list(request: HttpRequest, params: Query[PageParams]) -> Any:
    check(request.user, "manage", "user")
    return paginate_plain(_users(), params)


@router.post("/users", response={201: UserOut, **ERRORS}, summary="Create a user")
def user_create(request: HttpRequest, payload: UserIn) -> Any:
    check(request.user, "manage", "user")
    data = payload.dict()
    password = data.pop("password")
    roles = services.roles_by_code(data.pop("roles"))
    data["team"] = _team(data.pop("team_id"))
    user = services.user_save(
        actor=request.user, user=None, data=data, roles=roles, password=password
    )
    return Status(201, _users().get(pk=user.pk))


@router.get("/users/{user_id}", response={200: UserOut, **ERRORS}, summary="Get a user")
def user_get(request: HttpRequest, user_id: int) -> Any:
    check(request.user, "manage", "user")
    return get_object_or_404(_users(), pk=user_id)


@router.patch(
    "/users/{user_id}",
    response={200: UserOut, **ERRORS},
    summary="Change a user: names, e-mail, team, roles, active, password",
)
def user_update(request: HttpRequest, user_id: int, payload: UserPatch) -> Any:
    check(request.user, "manage", "user")
    target = get_object_or_404(User, pk=user_id)
    data = payload.dict(exclude_unset=True)
    password = data.pop("password", None)
    codes = data.pop("roles", None)
    roles = services.roles_by_code(codes) if codes is not None else None
    if "team_id" in data:
        data["team"] = _team(data.pop("team_id"))
    refuse_nulls(data, ("username", "first_name", "last_name", "email", "is_active", "country"))
    services.user_save(actor=request.user, user=target, data=data, roles=roles, password=password)
    return _users().get(pk=user_id)


@router.post(
    "/users/{user_id}/logout-everywhere",
    response={204: None, **ERRORS},
    summary="End every session of a user",
)
def user_logout_everywhere(request: HttpRequest, user_id: int) -> Any:
    check(request.user, "manage", "user")
    services.logout_everywhere(user=get_object_or_404(User, pk=user_id))
    return Status(204, None)


@router.get("/teams", response={200: list[TeamOut], **ERRORS}, summary="List teams")
def team_list(request: HttpRequest) -> Any:
    check(request.user, "manage", "team")
    return list(Team.objects.select_related("parent").order_by("name"))


@router.post("/teams", response={201: TeamOut, **ERRORS}, summary="Create a team")
def team_create(request: HttpRequest, payload: TeamIn) -> Any:
    check(request.user, "manage", "team")
    data = payload.dict()
    data["parent"] = _parent(data.pop("parent_id"))
    return Status(201, services.team_save(actor=request.user, team=None, data=data))


@router.patch(
    "/teams/{team_id}",
    response={200: TeamOut, **ERRORS},
    summary="Rename a team or move it below another",
)
def team_update(request: HttpRequest, team_id: int, payload: TeamPatch) -> Any:
    check(request.user, "manage", "team")
    team = get_object_or_404(Team, pk=team_id)
    data = payload.dict(exclude_unset=True)
    if "parent_id" in data:
        data["parent"] = _parent(data.pop("parent_id"))
    refuse_nulls(data, ("name", "country"))
    return services.team_save(actor=request.user, team=team, data=data)


def _parent(pk: int | None) -> Team | None:
    try:
        return _team(pk)
    except ValidationError as exc:
        raise ValidationError({"parent_id": exc.message_dict["team_id"]}) from exc


def _confidential(subject: str) -> dict[str, Any]:
    return {
        "subject": subject,
        "fields": sorted(
            ConfidentialField.objects.filter(subject=subject).values_list("field", flat=True)
        ),
        "available": [name for name, _label in field_choices(subject)],
    }


@router.get(
    "/confidential-fields",
    response={200: list[ConfidentialFieldsOut], **ERRORS},
    summary="Confidential fields per record type",
)
def confidential_list(request: HttpRequest) -> Any:
    check(request.user, "manage", "confidentialfield")
    return [_confidential(subject) for subject in SUBJECTS]


@router.put(
    "/confidential-fields/{subject}",
    response={200: ConfidentialFieldsOut, **ERRORS},
    summary="Set the confidential fields of a record type",
)
def confidential_set(request: HttpRequest, subject: str, payload: ConfidentialFieldsIn) -> Any:
    confidential_fields_set(actor=request.user, subject=subject, fields=payload.fields)
    return _confidential(subject)


def _encrypted(subject: str) -> dict[str, Any]:

    return {
        "subject": subject,
        "fields": sorted(
            SealedField.objects.filter(subject=subject).values_list("field", flat=True)
        ),
        "available": [name for name, _label in keys.field_choices(subject)],
    }


@router.get(
    "/encrypted-fields",
    response={200: list[EncryptedFieldsOut], **ERRORS},
    summary="Fields encrypted at rest, per record type",
)
def encrypted_list(request: HttpRequest) -> Any:

    check(request.user, "manage", "sealedfield")
    return [_encrypted(subject) for subject, _label in keys.subjects()]


@router.put(
    "/encrypted-fields/{subject}",
    response={200: EncryptedFieldsOut, **ERRORS},
    summary="Set the fields of a record type encrypted at rest (re-encrypts in the background)",
)
def encrypted_set(request: HttpRequest, subject: str, payload: ConfidentialFieldsIn) -> Any:

    keys.marks_set(actor=request.user, subject=subject, fields=payload.fields)
    return _encrypted(subject)


@router.get(
    "/key-rotations",
    response={200: list[KeyRotationOut], **ERRORS},
    summary="The latest re-encryption runs, newest first",
)
def rotation_list(request: HttpRequest) -> Any:

    check(request.user, "manage", "sealedfield")
    return list(KeyRotation.objects.all()[:20])


@router.post(
    "/key-rotations",
    response={202: KeyRotationOut, **ERRORS},
    summary="Re-encrypt every sensitive value under the current key, in the background",
)
def rotation_start(request: HttpRequest) -> Any:

    check(request.user, "manage", "sealedfield")
    try:
        rotation = keys.start(actor=request.user)
    except keys.RotationError as exc:
        raise ValidationError({"rotation": [str(exc)]}) from exc
    rotation.refresh_from_db()
    return Status(202, rotation)


@router.get(
    "/exports",
    response={200: page_schema(ExportOut), **ERRORS},
    summary="The export log: who exported what, how many rows, with which filter",
)
def export_list(request: HttpRequest, params: Query[PageParams], user: str | None = None) -> Any:
    check(request.user, "manage", "exportlog")
    qs = ExportLog.objects.select_related("user").order_by("-created_at", "-id")
    if user:
        qs = qs.filter(user__username=user)
    return paginate_plain(qs, params)
