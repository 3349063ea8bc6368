"""The SLA job (Celery beat, ``cases.tasks.sla_check_task``): a warning before a target
is missed and an escalation when it is, each once per case and target.

- **warning**: the running target passed its warning time (the policy's "warn before",
  in business minutes ahead of the due time): the assignee is notified (the bell and an
  e-mail), or, when nobody is assigned, the queue's escalation contact, else the team's
  managers;
- **breach**: the due time passed while the clock ran: the assignee, the queue's
  escalation contact and the team's managers are notified.

"The team's managers": active users holding the shipped *manager* role whose team is
the queue's team or a team above it. Each step is claimed by a conditional update of
its flag (``*_warned_at``, ``*_breached_at``) before anyone is told, so running the job
twice, or twice at once, tells nobody twice. A target breached before it was warned
about gets the escalation only."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from perno.accounts.models import Team, User
from perno.activities.services import notify
from perno.cases.models import Case
from perno.cases.states import ACTIVE_STATUSES
from perno.cases.timers import DONE

MANAGER_ROLE = "manager"
TARGETS = tuple(DONE)


def _label(target: str) -> str:
    return _("first response") if target == "first_response" else _("resolution")


def _when(moment: datetime.datetime | None) -> str:
    if moment is None:
        return ""
    return formats.date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")


def team_managers(team_id: int | None) -> list[Any]:
    """Active users with the manager role in the team or a team above it."""
    teams: list[int] = []
    seen: set[int] = set()
    current = team_id
    parents = dict(Team.objects.values_list("id", "parent_id"))
    while current is not None and current not in seen:
        seen.add(current)
        teams.append(current)
        current = parents.get(current)
    if not teams:
        return []
    return list(
        User.objects.filter(is_active=True, team_id__in=teams, roles__code=MANAGER_ROLE)
        .distinct()
        .order_by("id")
    )


def _running(target: str) -> Q:
    """Cases whose ``target`` clock runs: not done, not waiting on the customer."""
    return Q(
        status__in=[s for s in ACTIVE_STATUSES if s != Case.Status.WAITING],
        paused_since__isnull=True,
        **{f"{DONE[target]}__isnull": True},
    )


def _recipients(case: Case, *, breach: bool) -> list[Any]:
    people: list[Any] = []
    if case.assignee is not None and case.assignee.is_active:
        people.append(case.assignee)
    if breach or not people:
        escalate = case.queue.escalate_to
        if escalate is not None and escalate.is_active:
            people.append(escalate)
    if breach or not people:
        people.extend(team_managers(case.queue.team_id))
    unique: dict[int, Any] = {}
    for person in people:
        unique.setdefault(person.pk, person)
    return list(unique.values())


def _tell(case: Case, target: str, *, breach: bool) -> int:
    due = getattr(case, f"{target}_due")
    for person in _recipients(case, breach=breach):

        def title(target: str = target, due: Any = due) -> str:
            values = {
                "case": case.reference,
                "subject": case.subject,
                "target": _label(target),
                "due": _when(due),
            }
            if breach:
                return (
                    _("SLA breached on %(case)s: the %(target)s was due %(due)s (%(subject)s)")
                    % values
                )
            return (
                _("SLA at risk on %(case)s: the %(target)s is due %(due)s (%(subject)s)") % values
            )

        notify(
            user=person,
            title=title,
            body=_("Queue: %(queue)s") % {"queue": case.queue.name},
            url=case.get_absolute_url(),
        )
    return 1


def _claim(pk: int, flag: str, now: datetime.datetime, **also: Any) -> bool:
    return bool(
        Case.objects.filter(pk=pk, **{f"{flag}__isnull": True}).update(**{flag: now}, **also)
    )


def sla_check(*, now: datetime.datetime | None = None, batch: int = 500) -> dict[str, int]:
    """Warn about and escalate the cases whose targets are at risk or missed; returns
    how many of each were handled now."""
    now = now or timezone.now()
    counts = {"warned": 0, "breached": 0}
    related = ("queue", "queue__escalate_to", "assignee")
    for target in TARGETS:
        due, warn = f"{target}_due", f"{target}_warn_at"
        breached_flag, warned_flag = f"{target}_breached_at", f"{target}_warned_at"
        missed = (
            Case.objects.filter(
                _running(target), **{f"{due}__lte": now, f"{breached_flag}__isnull": True}
            )
            .select_related(*related)
            .order_by(due, "id")[:batch]
        )
        for case in missed:
            with transaction.atomic():
                if not _claim(case.pk, breached_flag, now):
                    continue
                Case.objects.filter(pk=case.pk, **{f"{warned_flag}__isnull": True}).update(
                    **{warned_flag: now}
                )
                counts["breached"] += _tell(case, target, breach=True)
        nearly = (
            Case.objects.filter(
                _running(target),
                **{f"{warn}__lte": now, f"{due}__gt": now, f"{warned_flag}__isnull": True},
            )
            .select_related(*related)
            .order_by(warn, "id")[:batch]
        )
        for case in nearly:
            with transaction.atomic():
                if not _claim(case.pk, warned_flag, now):
                    continue
                counts["warned"] += _tell(case, target, breach=False)
    return counts
