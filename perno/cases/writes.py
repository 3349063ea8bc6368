"""The steps every case write shares: the next number, the assignee check and
notice, and saving a case for a user (through the record services: the gate, the
version, the history, the index) or for the system (no actor: no gate)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext as _

from perno.accounts.permissions import can
from perno.activities.services import notify
from perno.audit.models import ChangeEntry
from perno.audit.services import change_record
from perno.audit.trail import lock_chain
from perno.cases.models import Case, CaseCounter, Queue
from perno.contacts.models import Affiliation
from perno.core.diffs import diff, snapshot
from perno.core.exceptions import ConflictError
from perno.records.services import record_create, record_lock, record_update, tracked_fields
from perno.search import indexer, indexing


def check_assignee(case: Case, user: Any) -> None:
    if not getattr(user, "is_active", False):
        raise ValidationError({"assignee": [_("This user is not active; choose someone else.")]})
    if not can(user, "view", case):
        raise ValidationError(
            {
                "assignee": [
                    _(
                        "%(user)s may not see the cases of the queue “%(queue)s” (team %(team)s): choose someone whose roles reach that team."
                    )
                    % {"user": user, "queue": case.queue, "team": case.queue.team}
                ]
            }
        )


def next_number() -> int:
    """The next case number, from the counter row locked for the rest of the
    transaction (the audit chain's lock is taken first: the one lock order)."""
    lock_chain()
    counter = CaseCounter.objects.select_for_update().filter(name="case").first()
    if counter is None:
        highest = Case.objects.aggregate(top=models.Max("number"))["top"] or 0
        try:
            with transaction.atomic():
                CaseCounter.objects.create(name="case", value=highest)
        except IntegrityError:
            pass  # created by a concurrent transaction meanwhile
        counter = CaseCounter.objects.select_for_update().get(name="case")
    counter.value += 1
    counter.save(update_fields=["value"])
    return counter.value


def primary_company(actor: Any, contact: Any) -> Any:
    link = (
        Affiliation.objects.filter(contact=contact, is_primary=True)
        .select_related("company")
        .first()
    )
    if link is None or (actor is not None and not can(actor, "view", link.company)):
        return None
    return link.company


def notify_assignee(actor: Any, case: Case) -> None:
    """Tell whom a case was given to (not who took it themselves)."""
    user = case.assignee
    if user is None or user.pk == getattr(actor, "pk", None):
        return
    notify(
        user=user,
        title=lambda: (
            _("Case %(case)s was assigned to you: %(subject)s")
            % {"case": case.reference, "subject": case.subject}
        ),
        url=case.get_absolute_url(),
    )


RELATIONS = [f.name for f in Case._meta.concrete_fields if f.is_relation]


def create_row(actor: Any, case: Case, tags: list[Any]) -> Case:
    if actor is not None:
        return record_create(actor=actor, instance=case, tags=tags)
    # Opened by the system (an e-mail): its links are rows just read (the locked queue
    # and its team, the member picked, the policy, the matched contact) and its number
    # comes from the locked counter, so the values are checked without asking the
    # database again whether they exist; its foreign keys and unique index still do.
    case.full_clean(exclude=RELATIONS, validate_unique=False)
    with transaction.atomic():
        lock_chain()
        case.save()
        if tags:
            case.tags.set(tags)
        indexing.saved(case, created=True)
        state = snapshot(case, tracked_fields(Case))
        change_record(
            actor=None,
            instance=case,
            action=ChangeEntry.Action.CREATE,
            changes={k: [None, v] for k, v in state.items() if v not in (None, "", False)},
        )
    return case


def save_changes(
    *,
    actor: Any,
    case: Case,
    changes: dict[str, Any],
    expected_version: int | None = None,
    tags: list[Any] | None = None,
    system: bool = False,
) -> Case:
    """Save ``changes`` through the record service (the gate, the version, the history
    and the index), or, for the system (``system`` or no actor), without the gate."""
    if not system and actor is not None:
        return record_update(
            actor=actor,
            instance=case,
            data=changes,
            expected_version=expected_version,
            tags=tags,
        )
    fresh = record_lock(Case, case.pk)
    if expected_version is not None and fresh.version != expected_version:
        raise ConflictError(
            _(
                "Someone else changed this record while you were editing it (your version %(mine)s, stored version %(theirs)s). Review the stored values and apply your changes again."
            )
            % {"mine": expected_version, "theirs": fresh.version},
            current=fresh,
            current_version=fresh.version,
        )
    fields = tracked_fields(Case)
    before = snapshot(fresh, fields)
    for key, value in changes.items():
        setattr(fresh, key, value)
    # The system's changes are its own (a status step, the clocks): the links and the
    # number were checked when set, as for a case the system opens (``create_row``).
    fresh.full_clean(exclude=RELATIONS, validate_unique=False)
    fresh.version += 1
    fresh.save()
    if tags is not None:
        fresh.tags.set(tags)
    indexing.saved(fresh)
    change_record(
        actor=actor,
        instance=fresh,
        action=ChangeEntry.Action.UPDATE,
        changes=diff(before, snapshot(fresh, fields)),
    )
    return fresh


def queue_cases_follow(*, queue: Queue) -> int:
    """After a queue changed team: its cases' team follows, and their search entries
    (in the caller's transaction)."""
    ids = list(
        Case.objects.filter(queue=queue).exclude(team=queue.team_id).values_list("pk", flat=True)
    )
    for start in range(0, len(ids), 1000):
        Case.objects.filter(pk__in=ids[start : start + 1000]).update(team=queue.team_id)
    indexer.reindex("case", ids)
    return len(ids)
