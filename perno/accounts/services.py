from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from perno.accounts.models import ApiToken, Role, Team, User

TOKEN_PREFIX = "pno_"  # noqa: S105 - a public prefix, not a secret

DEFAULT_ROLES = [
    (Role.ADMINISTRATOR, "Administrator"),
    (Role.MANAGER, "Manager"),
    (Role.SALES, "Sales"),
    (Role.SUPPORT, "Support"),
    (Role.MARKETING, "Marketing"),
    (Role.DPO, "Data protection officer"),
    (Role.AUDITOR, "Read-only auditor"),
]


def roles_ensure_defaults() -> None:
    for code, name in DEFAULT_ROLES:
        Role.objects.get_or_create(code=code, defaults={"name": name})


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
    if check_password:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise ValidationError({"password": exc.messages}) from exc
    user.set_password(password)
    if team:
        user.team = team_get_or_create(name=team)
    codes = roles or [Role.SALES]
    role_objects = list(Role.objects.filter(code__in=codes))
    missing = set(codes) - {role.code for role in role_objects}
    if missing:
        raise ValidationError(
            {
                "roles": _("Unknown role(s): %(roles)s. Known: %(known)s.")
                % {
                    "roles": ", ".join(sorted(missing)),
                    "known": ", ".join(code for code, _name in DEFAULT_ROLES),
                }
            }
        )
    if Role.ADMINISTRATOR in codes:
        user.is_staff = True
        user.is_superuser = True
    user.full_clean()
    user.save()
    user.roles.set(role_objects)
    return user


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_create(
    *, user: User, name: str, expires_in_days: int | None = 365
) -> tuple[ApiToken, str]:
    """Create an API token; returns the row and the clear token (shown once)."""
    clear = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires = timezone.now() + timedelta(days=expires_in_days) if expires_in_days else None
    token = ApiToken.objects.create(
        user=user,
        name=name or "token",
        prefix=clear[:10],
        key_hash=_hash(clear),
        expires_at=expires,
    )
    return token, clear


def token_authenticate(clear: str) -> User | None:
    """The active user owning this token, or None. Updates last use at most once a minute."""
    if not clear.startswith(TOKEN_PREFIX):
        return None
    token = ApiToken.objects.select_related("user").filter(key_hash=_hash(clear)).first()
    if token is None or not token.is_active or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def token_revoke(*, token: ApiToken) -> None:
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())


def user_set_language(*, user: Any, language: str) -> None:
    """Remember the user's language for e-mails and notifications sent in the background."""
    from django.conf import settings

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
