"""The phone region of a user: which country a number typed without its +country code
belongs to. The record's own country comes first (the services pass it); otherwise the
user's country, then their team's (or the nearest parent team's), then the installation
default ``PERNO_DEFAULT_REGION``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from perno.core.countries import region_label

RECORD, USER, TEAM, DEFAULT = "record", "user", "team", "default"
SOURCES: dict[str, Promise] = {
    RECORD: gettext_lazy("the record's country"),
    USER: gettext_lazy("your country"),
    TEAM: gettext_lazy("your team's country"),
    DEFAULT: gettext_lazy("this installation's default"),
}


@dataclass(frozen=True)
class Region:
    code: str  # ISO 3166 country code
    source: str  # RECORD, USER, TEAM or DEFAULT

    def label(self) -> str:
        """E.g. "Romania (+40)"."""
        return region_label(self.code)

    def hint(self) -> str:
        """The sentence shown next to a phone field."""
        return _("Numbers without a +country code are read as %(region)s (%(source)s).") % {
            "region": self.label(),
            "source": SOURCES[self.source],
        }


def default_region() -> str:
    return (settings.PERNO_DEFAULT_REGION or "IT").upper()


def user_region(user: Any) -> Region:
    """The user's own country, else their team's (walking up to the parent teams), else
    the installation default. Anonymous callers and the command line get the default."""
    if getattr(user, "pk", None) is None:
        return Region(default_region(), DEFAULT)
    if getattr(user, "country", ""):
        return Region(user.country, USER)
    team = user.team if getattr(user, "team_id", None) else None
    seen: set[int] = set()
    while team is not None and team.pk not in seen:
        if team.country:
            return Region(team.country, TEAM)
        seen.add(team.pk)
        team = team.parent if team.parent_id else None
    return Region(default_region(), DEFAULT)


def phone_region(user: Any, record_country: str = "") -> Region:
    """The region for a record's phone numbers: the record's country when it has one,
    else ``user_region``."""
    if record_country:
        return Region(record_country, RECORD)
    return user_region(user)
