"""What a role may do: per record type (subject) and action, a scope.

This module is data, not policy code: the default roles below are what a new
installation starts with, and administrators change them in Settings → Roles or through
the API without a restart. ``permissions.py`` reads the roles from the database.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# The record types that carry an owner and a team.
SUBJECTS: dict[str, Any] = {
    "company": _("companies"),
    "contact": _("contacts"),
    "lead": _("leads"),
    "deal": _("deals"),
    "product": _("products"),
    "activity": _("activities"),
    "order": _("orders"),
    "survey": _("surveys"),
    "segment": _("segments"),
    "article": _("knowledge-base articles"),
    "case": _("cases"),
    "mailbox": _("mailboxes"),
}
RECORD_ACTIONS: dict[str, Any] = {
    "view": _("view"),
    "create": _("create"),
    "edit": _("edit"),
    "delete": _("delete"),
    "export": _("export"),
}
NONE, OWN, TEAM, ALL = "none", "own", "team", "all"
SCOPES: dict[str, Any] = {
    NONE: _("none"),
    OWN: _("own records"),
    TEAM: _("own team's records"),
    ALL: _("all records"),
}
SCOPE_RANK = {NONE: 0, OWN: 1, TEAM: 2, ALL: 3}

Rights = dict[str, dict[str, str]]


def uniform(scope: str, subjects: list[str] | None = None, actions: list[str] | None = None):
    return {
        subject: dict.fromkeys(actions or list(RECORD_ACTIONS), scope)
        for subject in (subjects or list(SUBJECTS))
    }


def merge(*parts: Rights) -> Rights:
    result: Rights = {}
    for part in parts:
        for subject, actions in part.items():
            result.setdefault(subject, {}).update(actions)
    return result


def normalise(rights: Any) -> Rights:
    """Validate a rights matrix from a form or the API and fill the gaps with "none"."""
    if not isinstance(rights, dict):
        raise ValidationError({"rights": _("Rights must be an object of record types.")})
    errors: list[str] = []
    result: Rights = {s: dict.fromkeys(RECORD_ACTIONS, NONE) for s in SUBJECTS}
    for subject, actions in rights.items():
        if subject not in SUBJECTS:
            errors.append(
                str(_("Unknown record type “%(name)s”; use one of: %(known)s."))
                % {"name": subject, "known": ", ".join(SUBJECTS)}
            )
            continue
        if not isinstance(actions, dict):
            errors.append(
                str(_("The rights for %(name)s must map actions to scopes.")) % {"name": subject}
            )
            continue
        for action, scope in actions.items():
            if action not in RECORD_ACTIONS:
                errors.append(
                    str(_("Unknown action “%(name)s”; use one of: %(known)s."))
                    % {"name": action, "known": ", ".join(RECORD_ACTIONS)}
                )
            elif scope not in SCOPES:
                errors.append(
                    str(_("Unknown scope “%(name)s”; use one of: %(known)s."))
                    % {"name": scope, "known": ", ".join(SCOPES)}
                )
            else:
                result[subject][action] = scope
    if errors:
        raise ValidationError({"rights": errors})
    return result


SALES_SUBJECTS = ["company", "contact", "lead", "deal", "activity"]

# code: (name, description, rights, flags)
DEFAULT_ROLES: dict[str, dict[str, Any]] = {
    "administrator": {
        "name": "Administrator",
        "description": "Configures Perno: users, roles, teams, fields and pipelines; sees and changes every record.",
        "rights": uniform(ALL),
        "administer": True,
        "see_confidential": True,
        "require_2fa": True,
    },
    "manager": {
        "name": "Manager",
        "description": "Leads a team: sees and changes the records of the team and of the teams below it, and exports them.",
        "rights": merge(uniform(TEAM), uniform(ALL, ["product", "article"], ["view"])),
        "see_confidential": True,
        "export_max_rows": 50_000,
        "export_daily_rows": 200_000,
    },
    "sales": {
        "name": "Sales",
        "description": "Works the team's customers, leads and deals; changes and deletes own records; cannot export.",
        "rights": merge(
            uniform(TEAM, [*SALES_SUBJECTS, "order", "survey", "segment", "case"], ["view"]),
            uniform(OWN, [*SALES_SUBJECTS, "order"], ["create", "edit", "delete"]),
            # Mailboxes: the team's shared ones are read, personal ones are one's own.
            uniform(TEAM, ["mailbox"], ["view"]),
            uniform(OWN, ["mailbox"], ["create", "edit", "delete"]),
            uniform(ALL, ["product", "article"], ["view"]),
        ),
    },
    "support": {
        "name": "Support",
        "description": "Helps every customer: sees all companies and contacts, corrects their details, logs activities.",
        "rights": merge(
            uniform(ALL, ["company", "contact", "product", "order", "survey"], ["view"]),
            uniform(TEAM, ["company", "contact"], ["edit"]),
            uniform(TEAM, ["deal"], ["view"]),
            uniform(TEAM, ["activity"], ["view"]),
            uniform(OWN, ["activity"], ["create", "edit", "delete"]),
            # The support desk writes the knowledge base together.
            uniform(ALL, ["article"], ["view", "edit"]),
            uniform(OWN, ["article"], ["create", "delete"]),
            # Customer care: the cases of the queues of the agent's team.
            uniform(TEAM, ["case"], ["view", "create", "edit"]),
            uniform(OWN, ["case"], ["delete"]),
            uniform(TEAM, ["mailbox"], ["view"]),
            uniform(OWN, ["mailbox"], ["create", "edit", "delete"]),
        ),
    },
    "marketing": {
        "name": "Marketing",
        "description": "Works with audiences: sees and exports companies, contacts and leads, creates and edits leads.",
        "rights": merge(
            uniform(
                ALL,
                ["company", "contact", "lead", "product", "order", "survey", "segment"],
                ["view"],
            ),
            uniform(ALL, ["company", "contact", "lead", "segment"], ["export"]),
            uniform(OWN, ["lead", "activity", "survey", "segment"], ["create", "edit", "delete"]),
            uniform(OWN, ["activity"], ["view"]),
            uniform(ALL, ["article"], ["view"]),
            uniform(OWN, ["article"], ["create", "edit", "delete"]),
            uniform(OWN, ["mailbox"], ["view", "create", "edit", "delete"]),
        ),
        "export_max_rows": 20_000,
        "export_daily_rows": 50_000,
    },
    "dpo": {
        "name": "Data protection officer",
        "description": "Answers data subject requests: sees every record including confidential ones, corrects, erases and exports personal data.",
        "rights": merge(
            uniform(ALL, actions=["view", "export"]),
            uniform(ALL, ["company", "contact", "lead"], ["edit", "delete"]),
        ),
        "see_confidential": True,
        "handle_privacy": True,
        "require_2fa": True,
    },
    "auditor": {
        "name": "Read-only auditor",
        "description": "Reviews: sees every record, changes nothing, exports nothing.",
        "rights": uniform(ALL, actions=["view"]),
    },
}
