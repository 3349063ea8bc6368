from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from perno.accounts.models import ApiToken, Role, Team, User
from perno.accounts.permissions import check, forget_access
from perno.accounts.rights import DEFAULT_ROLES, normalise
from perno.audit.models import ChangeEntry
from perno.audit.services import change_record
from perno.audit.trail import lock_chain
from perno.core.countries import clean_record_country
from perno.core.diffs import diff

TOKEN_PREFIX = "pno_"  # noqa: S105 - a public prefix, not a secret

ROLE_FLAGS = (
    "administer",
    "see_confidential",
    "handle_privacy",
    "require_2fa",
    "export_max_rows",
    "export_daily_rows",
)


def roles_ensure_defaults() -> None:
    """Create the shipped roles that are missing; never overwrite an edited role."""
    for code, spec in DEFAULT_ROLES.items():
        if Role.objects.filter(code=code).exists():
            continue
        Role.objects.create(
            code=code,
            name=spec["name"],
            description=spec["description"],
            rights=spec["rights"],
            **{flag: spec[flag] for flag in ROLE_FLAGS if flag in spec},
        )


def roles_by_code(codes: list[str]) -> list[Role]:
    """The roles with these codes, or a field error naming the unknown ones."""
    found = list(Role.objects.filter(code__in=codes))
    missing = set(codes) - {role.code for role in found}
    if missing:
        raise ValidationError(
            {
                "roles": [
                    _("Unknown role(s): %(roles)s. Known: %(known)s.")
                    % {
                        "roles": ", ".join(sorted(missing)),
                        "known": ", ".join(Role.objects.values_list("code", flat=True)),
                    }
                ]
            }
        )
    return found


def team_get_or_create(*, name: str, parent: Team | None = None) -> Team:
    team, _created = Team.objects.get_or_create(name=name, defaults={"parent": parent})
    return team


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    roles: list[str] | None = None,
    team: str | None = None,
    check_password: bool = True,
) -> User:
    """Create a user with roles and team; passwords follow the password policy."""
    username = username.strip()
    if not username:
        raise ValidationError({"username": _("A user name is required.")})
    if User.objects.filter(username=username).exists():
        raise ValidationError(
            {"username": _("A user named “%(name)s” already exists.") % {"name": username}}
        )
    user = User(username=username, email=email, first_name=first_name, last_name=last_name)
    if team:  # before the password check, which judges it with the team's name
        user.team = team_get_or_create(name=team)
    if check_password:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise ValidationError({"password": exc.messages}) from exc
    user.set_password(password)
    role_objects = roles_by_code(roles or [Role.SALES])
    user.full_clean()
    user.save()
    user.roles.set(role_objects)
    return user


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


TOKEN_MAX_DAYS = 365


def token_create(
    *,
    user: User,
    name: str,
    scope: str = ApiToken.Scope.READ,
    expires_in_days: int = 90,
) -> tuple[ApiToken, str]:
    """Create an API token; returns the row and the clear token (shown once). Tokens
    always expire, at most a year after they are made."""
    if scope not in ApiToken.Scope.values:
        raise ValidationError(
            {"scope": _("Choose a scope: %(known)s.") % {"known": ", ".join(ApiToken.Scope.values)}}
        )
    if not 1 <= int(expires_in_days) <= TOKEN_MAX_DAYS:
        raise ValidationError(
            {
                "expires_in_days": _("A token lasts from 1 to %(max)s days.")
                % {"max": TOKEN_MAX_DAYS}
            }
        )
    name = (name or "").strip()[:100] or "token"
    clear = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        scope=scope,
        prefix=clear[:10],
        key_hash=_hash(clear),
        expires_at=timezone.now() + timedelta(days=int(expires_in_days)),
    )
    return token, clear


def token_authenticate(clear: str) -> ApiToken | None:
    """The active token (with its active user), or None. Updates last use at most once a
    minute."""
    if not clear.startswith(TOKEN_PREFIX):
        return None
    token = ApiToken.objects.select_related("user").filter(key_hash=_hash(clear)).first()
    if token is None or not token.is_active or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def token_revoke(*, actor: Any, token: ApiToken) -> None:
    """Users revoke their own tokens; administrators anyone's."""

    if token.user_id != getattr(actor, "pk", None):
        check(actor, "manage", "apitoken")
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())


def user_set_language(*, user: Any, language: str) -> None:
    """Remember the user's language for e-mails and notifications sent in the background."""

    if (
        language in dict(settings.LANGUAGES)
        and getattr(user, "pk", None)
        and user.language != language
    ):
        User.objects.filter(pk=user.pk).update(language=language)
        user.language = language


def user_set_preference(*, user: Any, key: str, value: object) -> None:
    prefs = dict(user.preferences or {})
    if prefs.get(key) == value:
        return
    prefs[key] = value
    User.objects.filter(pk=user.pk).update(preferences=prefs)
    user.preferences = prefs


# --- Administration: roles, users, teams, confidential fields -------------------------


def _audit(actor: Any, instance: Any, action: str, before: dict[str, Any]) -> None:

    after = _admin_state(instance)
    change_record(
        actor=actor,
        instance=instance,
        action=action,
        changes=diff(before, after)
        if action != ChangeEntry.Action.CREATE
        else {k: [None, v] for k, v in after.items() if v not in (None, "", [], {}, False)},
    )


def _admin_state(instance: Any) -> dict[str, Any]:
    if isinstance(instance, Role):
        return {
            "code": instance.code,
            "name": instance.name,
            "description": instance.description,
            "rights": instance.rights,
            **{flag: getattr(instance, flag) for flag in ROLE_FLAGS},
        }
    if isinstance(instance, User):
        return {
            "username": instance.username,
            "first_name": instance.first_name,
            "last_name": instance.last_name,
            "email": instance.email,
            "team": str(instance.team) if instance.team_id else None,
            "country": instance.country,
            "is_active": instance.is_active,
            "roles": sorted(r.code for r in instance.roles.all()) if instance.pk else [],
        }
    if isinstance(instance, Team):
        return {
            "name": instance.name,
            "parent": str(instance.parent) if instance.parent_id else None,
            "country": instance.country,
        }
    return {}


def role_save(*, actor: Any, role: Role | None, data: dict[str, Any], rights: Any = None) -> Role:
    """Create or change a role; takes effect on the users' next request."""

    check(actor, "manage", "role")
    allowed = {"code", "name", "description", *ROLE_FLAGS}
    unknown = set(data) - allowed
    if unknown:
        raise ValidationError({key: [_("Unknown field.")] for key in sorted(unknown)})
    creating = role is None
    role = role or Role()
    before = {} if creating else _admin_state(role)
    for key, value in data.items():
        setattr(role, key, value)
    if rights is not None:
        role.rights = normalise(rights)
    role.full_clean()
    with transaction.atomic():
        lock_chain()
        role.save()
        _audit(
            actor,
            role,
            ChangeEntry.Action.CREATE if creating else ChangeEntry.Action.UPDATE,
            before,
        )
    return role


def role_delete(*, actor: Any, role: Role) -> None:

    check(actor, "manage", "role")
    if role.users.exists():
        raise ValidationError(
            _("This role is still given to %(n)s user(s); take it away from them first.")
            % {"n": role.users.count()}
        )
    with transaction.atomic():
        change_record(actor=actor, instance=role, action=ChangeEntry.Action.DELETE, changes={})
        role.delete()


def user_save(
    *,
    actor: Any,
    user: User | None,
    data: dict[str, Any],
    roles: list[Role] | None = None,
    password: str | None = None,
) -> User:
    """An administrator creates or changes a user (team, roles, active)."""

    check(actor, "manage", "user")
    allowed = {"username", "first_name", "last_name", "email", "team", "country", "is_active"}
    unknown = set(data) - allowed
    if unknown:
        raise ValidationError({key: [_("Unknown field.")] for key in sorted(unknown)})
    data = dict(data)
    clean_record_country(data, user.country if user else "")
    creating = user is None
    target = user or User()
    before = {} if creating else _admin_state(target)
    for key, value in data.items():
        setattr(target, key, value)
    if creating and not password:
        raise ValidationError({"password": [_("Set an initial password.")]})
    if password:
        try:
            validate_password(password, target)
        except ValidationError as exc:
            raise ValidationError({"password": exc.messages}) from exc
        target.set_password(password)
    if target.pk == getattr(actor, "pk", None) and not target.is_active:
        raise ValidationError({"is_active": [_("You cannot deactivate yourself.")]})
    target.full_clean(exclude=["password"] if not creating else None)
    with transaction.atomic():
        lock_chain()
        deactivated = not creating and before.get("is_active") and not target.is_active
        if deactivated:
            target.security_stamp = secrets.token_hex(16)  # ends every session
        target.save()
        if roles is not None:
            target.roles.set(roles)
        _audit(
            actor,
            target,
            ChangeEntry.Action.CREATE if creating else ChangeEntry.Action.UPDATE,
            before,
        )
    forget_access(target)
    return target


def team_save(*, actor: Any, team: Team | None, data: dict[str, Any]) -> Team:

    check(actor, "manage", "team")
    data = dict(data)
    clean_record_country(data, team.country if team else "")
    creating = team is None
    team = team or Team()
    before = {} if creating else _admin_state(team)
    for key, value in data.items():
        setattr(team, key, value)
    parent = team.parent
    while parent is not None:
        if parent.pk == team.pk and team.pk is not None:
            raise ValidationError({"parent": [_("A team cannot sit below itself.")]})
        parent = parent.parent
    team.full_clean()
    with transaction.atomic():
        lock_chain()
        team.save()
        _audit(
            actor,
            team,
            ChangeEntry.Action.CREATE if creating else ChangeEntry.Action.UPDATE,
            before,
        )
    return team


def logout_everywhere(*, user: User) -> None:
    """End every session of the user, in every browser."""
    User.objects.filter(pk=user.pk).update(security_stamp=secrets.token_hex(16))
    user.refresh_from_db(fields=["security_stamp"])
