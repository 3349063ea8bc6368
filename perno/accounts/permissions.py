"""THE access gate. Every selector, view, API endpoint, export and job acting for a user
asks here:

- ``restrict(queryset, user, action)`` narrows a queryset to the rows the user may act
  on, inside the SQL query (scope and confidential records);
- ``check(user, action, obj)`` raises PermissionDenied, naming the missing right;
- ``obtain(queryset, user, pk, action)`` fetches one record: 404 when the user may not
  even see it (so its existence is not revealed), 403 when they may see but not act;
  it writes nothing (the page or API operation showing it calls ``record_shown``);
- ``access_sql(user, alias)`` is the same decision as SQL over rows that carry access
  columns (the search index), for the search backends.

Rights come from the user's roles in the database (``Role.rights``, edited by an
administrator), so a change applies to the next request without a restart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from perno.accounts.models import Team
from perno.accounts.rights import ALL, NONE, RECORD_ACTIONS, SCOPE_RANK, SCOPES, SUBJECTS, TEAM

ACTIONS = (*RECORD_ACTIONS, "manage")
# Configuration everyone may read (to pick an owner, a stage, a field) and only
# administrators change.
SHARED_CONFIG = {"user", "team", "pipeline", "stage", "customfielddefinition", "tag"}
# The privacy office's records (the register, requests, breaches, the audit trail): for
# roles that handle personal data, whatever their other rights.
PRIVACY_SUBJECTS = {
    "privacy",
    "controller",
    "purpose",
    "retentionrule",
    "notice",
    "consentevent",
    "consentrequest",
    "datasource",
    "restriction",
    "auditevent",
}
# Rows "own" to a user besides those they own.
EXTRA_OWNER_FIELDS = {"activity": ("assignee_id",)}


@dataclass
class Access:
    """A user's effective rights: the union over their roles."""

    user_id: int | None
    scopes: dict[tuple[str, str], str] = field(default_factory=dict)
    administer: bool = False
    see_confidential: bool = False
    handle_privacy: bool = False
    require_2fa: bool = False
    export_max_rows: int | None = 0
    export_daily_rows: int | None = 0
    team_ids: frozenset[int] = frozenset()

    def scope(self, subject: str, action: str) -> str:
        return self.scopes.get((subject, action), NONE)


def _subtree(team_id: int | None) -> frozenset[int]:
    """The team and every team below it (teams nest; a manager sees the teams below)."""
    if team_id is None:
        return frozenset()

    children: dict[int | None, list[int]] = {}
    for pk, parent in Team.objects.values_list("id", "parent_id"):
        children.setdefault(parent, []).append(pk)
    found, todo = set(), [team_id]
    while todo:
        current = todo.pop()
        if current not in found:
            found.add(current)
            todo.extend(children.get(current, []))
    return frozenset(found)


def _limit(values: list[int | None]) -> int | None:
    """The most generous export limit among roles (None = unlimited)."""
    if not values:
        return 0
    if any(v is None for v in values):
        return None
    return max(v for v in values if v is not None)


def access_for(user: Any) -> Access:
    """The user's rights, computed once per user object (that is, per request)."""
    cached = getattr(user, "_perno_access", None)
    if cached is not None:
        return cached
    if not (user is not None and user.is_authenticated and user.is_active):
        return Access(user_id=None)
    access = Access(user_id=user.pk, team_ids=_subtree(user.team_id))
    if user.is_superuser:
        access.scopes = {(s, a): ALL for s in SUBJECTS for a in RECORD_ACTIONS}
        access.administer = access.see_confidential = access.handle_privacy = True
        access.export_max_rows = access.export_daily_rows = None
    else:
        roles = list(user.roles.all())
        for role in roles:
            for subject, actions in (role.rights or {}).items():
                for action, scope in (actions or {}).items():
                    key = (subject, action)
                    if SCOPE_RANK.get(scope, 0) > SCOPE_RANK[access.scopes.get(key, NONE)]:
                        access.scopes[key] = scope
            access.administer |= role.administer
            access.see_confidential |= role.see_confidential
            access.handle_privacy |= role.handle_privacy
            access.require_2fa |= role.require_2fa
        exporters = [
            r for r in roles if any((r.rights or {}).get(s, {}).get("export") for s in SUBJECTS)
        ]
        access.export_max_rows = _limit([r.export_max_rows for r in exporters])
        access.export_daily_rows = _limit([r.export_daily_rows for r in exporters])
    user._perno_access = access
    return access


def forget_access(user: Any) -> None:
    """Drop the cached rights after the user's roles or team changed."""
    if hasattr(user, "_perno_access"):
        del user._perno_access


def _subject(obj: Model | str | type[Model] | None) -> str:
    if obj is None:
        return ""
    if isinstance(obj, str):
        return obj
    return obj._meta.model_name or ""


def _validate(action: str) -> None:
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")


def _own_condition(subject: str, user_id: Any) -> Q:
    condition = Q(owner_id=user_id)
    for name in EXTRA_OWNER_FIELDS.get(subject, ()):
        condition |= Q(**{name: user_id})
    return condition


def restrict(queryset: QuerySet, user: Any, action: str = "view") -> QuerySet:
    """Return only the rows of ``queryset`` that ``user`` may ``action``."""
    _validate(action)
    access = access_for(user)
    if access.user_id is None:
        return queryset.none()
    subject = _subject(queryset.model)
    if subject in SUBJECTS:
        scope = access.scope(subject, action)
        if scope == NONE:
            return queryset.none()
        if not access.see_confidential:
            queryset = queryset.filter(is_confidential=False)
        if scope == ALL:
            return queryset
        condition = _own_condition(subject, access.user_id)
        if scope == TEAM and access.team_ids:
            condition |= Q(team_id__in=sorted(access.team_ids))
        return queryset.filter(condition)
    if subject in SHARED_CONFIG and action == "view":
        return queryset
    if subject in PRIVACY_SUBJECTS:
        return queryset if access.handle_privacy else queryset.none()
    return queryset if access.administer else queryset.none()


def _in_scope(access: Access, subject: str, scope: str, obj: Model) -> bool:
    if scope == ALL:
        return True
    owners = [getattr(obj, "owner_id", None)] + [
        getattr(obj, name, None) for name in EXTRA_OWNER_FIELDS.get(subject, ())
    ]
    if access.user_id in owners:
        return True
    return scope == TEAM and getattr(obj, "team_id", None) in access.team_ids


def denial(user: Any, action: str, obj: Model | str | None = None) -> str | None:
    """Why ``user`` may not ``action`` ``obj`` (a message naming the missing right), or
    None when allowed."""
    _validate(action)
    access = access_for(user)
    if access.user_id is None:
        return _("Log in to continue.")
    subject = _subject(obj)
    if subject in SUBJECTS:
        scope = access.scope(subject, action)
        label = {"action": RECORD_ACTIONS[action], "subject": SUBJECTS[subject]}
        if scope == NONE:
            return (
                _(
                    "Your roles do not include the right to %(action)s %(subject)s. Ask an administrator to grant it."
                )
                % label
            )
        if isinstance(obj, Model):
            if getattr(obj, "is_confidential", False) and not access.see_confidential:
                return _(
                    "This record is confidential and your roles do not include the right to see confidential data."
                )
            if not _in_scope(access, subject, scope, obj):
                return _(
                    "Your roles allow you to %(action)s %(subject)s only within this scope: %(scope)s. This record is outside it."
                ) % {**label, "scope": SCOPES[scope]}
        return None
    if action == "view" and subject in SHARED_CONFIG:
        return None
    if subject in PRIVACY_SUBJECTS:
        if access.handle_privacy:
            return None
        return _(
            "Only people who handle personal data (such as the data protection officer) may do this: it needs a role with that right."
        )
    if access.administer:
        return None
    return _("Only administrators may do this: it needs the right to administer Perno.")


def sees_all(user: Any, *subjects: str) -> bool:
    """Whether ``user`` may view every record of each record type, confidential ones
    included. The rule for counts, totals and charts: an aggregate over all rows (a
    segment's stored size, the analytics snapshots) is shown only to such users; for
    anyone else it is computed over the rows they may see, or not shown."""
    access = access_for(user)
    if access.user_id is None or not access.see_confidential:
        return False
    return all(access.scope(subject, "view") == ALL for subject in subjects)


def can(user: Any, action: str, obj: Model | str | None = None) -> bool:
    return denial(user, action, obj) is None


def check(user: Any, action: str, obj: Model | str | None = None) -> None:
    """Raise PermissionDenied (with the missing right) unless ``user`` may ``action``."""
    reason = denial(user, action, obj)
    if reason is not None:
        raise PermissionDenied(reason)


def obtain(queryset: QuerySet, user: Any, pk: Any, action: str = "view") -> Any:
    """One record for ``action``: 404 if the user may not see it, 403 if they may see it
    but not act on it. Writes nothing: where the record is shown, the page or API
    operation calls ``perno.records.reads.record_shown``."""
    try:
        obj = restrict(queryset, user, "view").filter(pk=pk).first()
    except (ValueError, TypeError):
        obj = None
    if obj is None:
        raise Http404
    if action != "view":
        check(user, action, obj)
    return obj


def access_sql(user: Any, alias: str = "e") -> tuple[str, list[Any], str, list[Any]] | None:
    """The gate as SQL, for rows that carry a record's access columns (``subject``,
    ``owner_id``, ``assignee_id``, ``team_id``, ``confidential``: the search entries) under
    the table alias ``alias``. The search engine adds it to its queries as it is; it does
    not rebuild scopes, teams or confidentiality itself. Each record type the user
    may view, within the scope of their roles; confidential records only for roles that
    see confidential data. None: the user may see nothing.

    Also what every allowed entry has in common, when the user is limited to own or
    team records for some type: owner, assignee or team, or one of the types seen in
    full (SQL and parameters, "" when there is nothing in common). The gate includes
    it, so the database can narrow the entries through the indexes on those columns;
    the PostgreSQL backend also asks it how much of the index the user sees."""
    access = access_for(user)
    if access.user_id is None:
        return None
    parts: list[str] = []
    params: list[Any] = []
    whole: list[str] = []  # types seen in full
    owner_cols: set[str] = set()
    teams: list[int] = []
    for subject in SUBJECTS:
        scope = access.scope(subject, "view")
        if scope == NONE:
            continue
        if scope == ALL:
            parts.append(f"{alias}.subject = %s")
            params.append(subject)
            whole.append(subject)
            continue
        owners = [f"{alias}.owner_id = %s"]
        owner_params: list[Any] = [access.user_id]
        owner_cols.add("owner_id")
        if EXTRA_OWNER_FIELDS.get(subject):
            owners.append(f"{alias}.assignee_id = %s")
            owner_params.append(access.user_id)
            owner_cols.add("assignee_id")
        if scope == TEAM and access.team_ids:
            teams = sorted(access.team_ids)
            owners.append(f"{alias}.team_id IN (" + ", ".join(["%s"] * len(teams)) + ")")
            owner_params.extend(teams)
        parts.append(f"({alias}.subject = %s AND (" + " OR ".join(owners) + "))")
        params.extend([subject, *owner_params])
    if not parts:
        return None
    sql = "(" + " OR ".join(parts) + ")"
    hint = ""
    hint_params: list[Any] = []
    if owner_cols:
        common = [f"{alias}.{col} = %s" for col in sorted(owner_cols)]
        hint_params = [access.user_id] * len(common)
        if teams:
            common.append(f"{alias}.team_id IN (" + ", ".join(["%s"] * len(teams)) + ")")
            hint_params.extend(teams)
        if whole:
            common.append(f"{alias}.subject IN (" + ", ".join(["%s"] * len(whole)) + ")")
            hint_params.extend(whole)
        hint = "(" + " OR ".join(common) + ")"
        sql += " AND " + hint
        params.extend(hint_params)
    if not access.see_confidential:
        sql += f" AND {alias}.confidential = %s"
        params.append(False)
    return sql, params, hint, hint_params
