"""Every write to cases: create, update (status through the allowed transitions, queue,
priority and the SLA clocks), assign, merge, delete, internal notes, and the two steps
the mail app takes when a message goes out or comes in.

``actor=None`` is the system (the mail import, a scheduled job): the gate is not asked,
the change history names no user. A case's team is always its queue's team (see
``cases.models``): it is set here, never taken from the caller."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from perno.accounts.permissions import can, check
from perno.audit.models import ChangeEntry
from perno.audit.services import change_record
from perno.audit.trail import lock_chain
from perno.cases import assignment, satisfaction, timers, writes
from perno.cases.models import Case, CaseNote
from perno.core.exceptions import ConflictError
from perno.records import extensions
from perno.records.relinking import new_journal
from perno.records.services import (
    record_delete,
    record_lock,
    reject_unknown_fields,
    tags_from_names,
)
from perno.search import indexer

S = Case.Status
# The relinkers of a case merge: ``register_relinker(MERGE_KIND, moving(Model, "case"),
# handles=handles(Model, "case"))`` in the ``ready()`` of an app whose rows point at
# cases (the mail app's messages); they run for each merged case, in the merge's
# transaction, as ``relink(source=merged, actor=user, target=kept, journal=journal)``.
MERGE_KIND = "merge:case"
TRANSITIONS: dict[str, tuple[str, ...]] = {
    S.NEW: (S.OPEN, S.WAITING, S.RESOLVED, S.CLOSED),
    S.OPEN: (S.WAITING, S.RESOLVED, S.CLOSED),
    S.WAITING: (S.OPEN, S.RESOLVED, S.CLOSED),
    S.RESOLVED: (S.REOPENED, S.CLOSED),
    S.CLOSED: (),
    S.REOPENED: (S.OPEN, S.WAITING, S.RESOLVED, S.CLOSED),
}
EDIT_FIELDS = {
    "subject",
    "description",
    "contact",
    "company",
    "channel",
    "category",
    "priority",
    "queue",
    "assignee",
    "owner",
    "is_confidential",
    "status",
}
CREATE_STATUSES = (S.NEW, S.OPEN)
TOKEN = re.compile(r"\[C-(\d{1,15})\]", re.IGNORECASE)


def _team_follows_queue() -> str:
    return _("A case belongs to its queue's team: move it to another queue instead.")


def _refuse(data: dict[str, Any], allowed: set[str]) -> None:
    if "team" in data:
        raise ValidationError({"team": [_team_follows_queue()]})
    reject_unknown_fields(data, allowed)


def _check_links(actor: Any, data: dict[str, Any]) -> None:
    """The caller may link only records they may see."""
    if actor is None:
        return
    for name in ("contact", "company"):
        if data.get(name) is not None:
            check(actor, "view", data[name])


def case_create(
    *,
    actor: Any,
    data: dict[str, Any],
    tags: Iterable[str] | None = None,
    now: datetime.datetime | None = None,
) -> Case:
    """Open a case in a queue. Its team is the queue's; without an assignee the
    queue's assignment rule picks one; the SLA policy for its priority and customer
    sets the due times. ``actor=None``: opened by the system (an e-mail)."""
    _refuse(data, EDIT_FIELDS)
    now = now or timezone.now()
    queue = data.get("queue")
    errors: dict[str, list[str]] = {}
    if queue is None:
        errors["queue"] = [_("Choose the queue the case goes to.")]
    status = data.get("status") or S.NEW
    if status not in CREATE_STATUSES:
        errors["status"] = [
            _("A new case starts as “%(new)s” or “%(open)s”.")
            % {"new": S.NEW.label, "open": S.OPEN.label}
        ]
    if errors or queue is None:
        raise ValidationError(errors)
    _check_links(actor, data)
    case = Case(**{k: v for k, v in data.items() if v is not None})
    case.status = status
    case.team_id = queue.team_id
    case.created_at = now
    if case.owner_id is None and getattr(actor, "pk", None):
        case.owner = actor
    if case.company_id is None and case.contact_id is not None:
        case.company = writes.primary_company(actor, case.contact)
    with transaction.atomic():
        lock_chain()
        locked_queue = assignment.lock_queue(queue.pk)
        case.queue = locked_queue
        case.number = writes.next_number()
        if case.assignee_id is not None:
            writes.check_assignee(case, case.assignee)
            assignment.note_assigned(locked_queue, case.assignee)
        else:
            case.assignee = assignment.pick(locked_queue, case)
        timers.apply_policy(case, now)
        created = writes.create_row(actor, case, tags_from_names(tags or []))
        writes.notify_assignee(actor, created)
    return created


def _transition(case: Case, status: str, *, actor: Any, now: datetime.datetime) -> dict[str, Any]:
    """The fields a status change sets, after checking it is allowed."""
    current = case.status
    if status == current:
        return {}
    if status not in S.values:
        raise ValidationError(
            {
                "status": [
                    _("Unknown status; use one of: %(known)s.") % {"known": ", ".join(S.values)}
                ]
            }
        )
    allowed = TRANSITIONS[current]
    if status not in allowed:
        labels = {"from": S(current).label, "to": S(status).label}
        if not allowed:
            message = _("A closed case cannot change status; open a new case instead.")
        else:
            message = _(
                "A case cannot go from “%(from)s” to “%(to)s”. From “%(from)s” it can go to: %(allowed)s."
            ) % {**labels, "allowed": ", ".join(f"“{S(s).label}”" for s in allowed)}
        raise ValidationError({"status": [message]})
    changes: dict[str, Any] = {"status": status}
    if current == S.WAITING:
        changes.update(timers.resume(case, now))
    if status == S.WAITING:
        changes.update(timers.pause(case, now))
    elif status == S.RESOLVED:
        changes["resolved_at"] = case.resolved_at = now
        case_id = case.pk
        transaction.on_commit(lambda: satisfaction.ask_after_resolution(case_id))
        if case.first_response_at is None and actor is not None:
            changes["first_response_at"] = case.first_response_at = now
    elif status == S.CLOSED:
        changes["closed_at"] = case.closed_at = now
    elif status == S.REOPENED:
        changes.update(timers.reopen(case, now))
        changes["closed_at"] = case.closed_at = None
    case.status = status
    return changes


def case_update(
    *,
    actor: Any,
    case: Case,
    data: dict[str, Any],
    expected_version: int | None,
    tags: Iterable[str] | None = None,
    now: datetime.datetime | None = None,
) -> Case:
    """Change a case. A status change must follow ``TRANSITIONS``; a new queue brings
    its team (and its assignment rule, when the assignee may not see the case there);
    a new priority or contact finds the SLA policy again."""
    _refuse(data, EDIT_FIELDS)
    if "queue" in data and data["queue"] is None:
        raise ValidationError({"queue": [_("A case must stay in a queue.")]})
    now = now or timezone.now()
    _check_links(actor, data)
    with transaction.atomic():
        locked = record_lock(Case, case.pk)
        was = {
            "queue": locked.queue_id,
            "assignee": locked.assignee_id,
            "priority": locked.priority,
            "contact": locked.contact_id,
        }
        changes = dict(data)
        status = changes.pop("status", None)
        for key, value in changes.items():
            setattr(locked, key, value)
        if status is not None:
            changes.update(_transition(locked, status, actor=actor, now=now))
        if locked.queue_id != was["queue"]:
            _moved(locked, changes, assignee_given="assignee" in data)
        elif locked.assignee_id is not None and locked.assignee_id != was["assignee"]:
            writes.check_assignee(locked, locked.assignee)
            assignment.note_assigned(locked.queue, locked.assignee)
        if locked.priority != was["priority"] or locked.contact_id != was["contact"]:
            changes.update(timers.apply_policy(locked, now))
        updated = writes.save_changes(
            actor=actor,
            case=locked,
            changes=changes,
            expected_version=expected_version,
            tags=tags_from_names(tags) if tags is not None else None,
        )
        if updated.assignee_id is not None and updated.assignee_id != was["assignee"]:
            writes.notify_assignee(actor, updated)
    return updated


def _moved(case: Case, changes: dict[str, Any], *, assignee_given: bool) -> None:
    """The case moved to another queue: it takes the queue's team; an assignee who may
    not see it there is replaced by the queue's assignment rule."""
    queue = assignment.lock_queue(case.queue_id)
    case.queue = queue
    changes["team"] = case.team = queue.team
    if assignee_given and case.assignee is not None:
        writes.check_assignee(case, case.assignee)
        assignment.note_assigned(queue, case.assignee)
        return
    if case.assignee is not None and can(case.assignee, "view", case):
        return
    changes["assignee"] = case.assignee = (
        assignment.pick(queue, case) if case.is_active and not assignee_given else None
    )


def case_set_status(
    *,
    actor: Any,
    case: Case,
    status: str,
    expected_version: int | None = None,
    now: datetime.datetime | None = None,
) -> Case:
    return case_update(
        actor=actor, case=case, data={"status": status}, expected_version=expected_version, now=now
    )


def case_assign(
    *,
    actor: Any,
    case: Case,
    assignee: Any,
    auto: bool = False,
    expected_version: int | None = None,
) -> Case:
    """Give the case to ``assignee`` (None: nobody), or with ``auto`` to whom the
    queue's assignment rule picks."""
    with transaction.atomic():
        locked = record_lock(Case, case.pk)
        if actor is not None:
            check(actor, "edit", locked)
        was = locked.assignee_id
        queue = assignment.lock_queue(locked.queue_id)
        if auto:
            locked.assignee = None
            chosen = assignment.pick(queue, locked)
        else:
            chosen = assignee
            if chosen is not None:
                writes.check_assignee(locked, chosen)
                assignment.note_assigned(queue, chosen)
        if getattr(chosen, "pk", None) == was and expected_version is None:
            return Case.objects.get(pk=case.pk)
        updated = writes.save_changes(
            actor=actor,
            case=locked,
            changes={"assignee": chosen},
            expected_version=expected_version,
        )
        if chosen is not None and chosen.pk != was:
            writes.notify_assignee(actor, updated)
    return updated


def case_delete(*, actor: Any, case: Case) -> None:
    record_delete(actor=actor, instance=case)


def _reindex_moved(journal: dict[str, Any]) -> None:
    """Searchable rows a relinker moved carry the rights of their new case."""
    indexer.reindex_moved((label, ids) for label, _field, ids in journal.get("moved", []))


def case_merge(
    *,
    actor: Any,
    target: Case,
    sources: Iterable[Case],
    expected_version: int | None = None,
    now: datetime.datetime | None = None,
    system: bool = False,
) -> Case:
    """Merge ``sources`` into ``target``: what points at them (earlier merges, the
    messages of the mail app: the ``MERGE_KIND`` relinkers) moves to the target, and
    each source is closed with ``merged_into`` set. All or nothing. ``system``: the mail
    import found two cases to be one conversation (no actor, no rights to check)."""
    now = now or timezone.now()
    wanted = [c.pk for c in sources]
    if not wanted:
        raise ValidationError({"sources": [_("Name at least one case to merge into this one.")]})
    if len(set(wanted)) != len(wanted):
        raise ValidationError({"sources": [_("A case is named twice; name each case once.")]})
    if target.pk in wanted:
        raise ValidationError({"sources": [_("A case cannot be merged into itself.")]})
    with transaction.atomic():
        lock_chain()
        rows = {
            c.pk: c
            for c in Case.objects.select_for_update()
            .filter(pk__in=sorted([target.pk, *wanted]))
            .order_by("pk")
        }
        if target.pk not in rows or any(pk not in rows for pk in wanted):
            raise Case.DoesNotExist  # deleted meanwhile: 404
        kept = rows[target.pk]
        if not system:
            check(actor, "edit", kept)
        if expected_version is not None and kept.version != expected_version:
            raise ConflictError(
                _(
                    "Someone else changed this case while you were merging (your version %(mine)s, stored version %(theirs)s). Look at it again and merge once more."
                )
                % {"mine": expected_version, "theirs": kept.version},
                current=kept,
                current_version=kept.version,
            )
        if kept.status == S.CLOSED:
            raise ValidationError(
                {"target": [_("Cases are merged into a case that is not closed.")]}
            )
        merged = [rows[pk] for pk in wanted]
        already = [c.reference for c in merged if c.merged_into_id]
        if already:
            raise ValidationError(
                {
                    "sources": [
                        _("Already merged into another case: %(cases)s.")
                        % {"cases": ", ".join(already)}
                    ]
                }
            )
        for source in merged:
            if not system:
                check(actor, "edit", source)
        for source in merged:
            journal = new_journal()
            extensions.relink(MERGE_KIND, source=source, actor=actor, target=kept, journal=journal)
            _reindex_moved(journal)
            changes: dict[str, Any] = {"merged_into": kept}
            if source.status != S.CLOSED:
                changes.update(_transition(source, S.CLOSED, actor=actor, now=now))
            writes.save_changes(actor=actor, case=source, changes=changes)
        change_record(
            actor=actor,
            instance=kept,
            action=ChangeEntry.Action.UPDATE,
            changes={"merged": [None, ", ".join(c.reference for c in merged)]},
        )
    return Case.objects.get(pk=kept.pk)


# For the mail app -------------------------------------------------------------------


def case_token(case: Case) -> str:
    """What an outgoing subject carries so that replies find the case: ``[C-000123]``."""
    return case.token


def case_find_by_token(subject: str) -> Case | None:
    """The case whose token (``[C-000123]``) is in ``subject``, following merges to the
    case that was kept; None when there is none. For the system (mail import): not
    limited by a user's rights."""
    for match in TOKEN.finditer(subject or ""):
        case = Case.objects.filter(number=int(match.group(1))).first()
        seen: set[int] = set()
        while case is not None and case.merged_into_id and case.pk not in seen:
            seen.add(case.pk)
            case = Case.objects.filter(pk=case.merged_into_id).first()
        if case is not None:
            return case
    return None


def case_agent_responded(*, case: Case, at: datetime.datetime, actor: Any) -> Case:
    """An agent answered the customer (a message sent from the case, or seen in the
    mailbox): the first response is recorded once; a new case becomes open.
    ``actor`` may be None (seen by the mail import)."""
    with transaction.atomic():
        locked = record_lock(Case, case.pk)
        changes: dict[str, Any] = {}
        if locked.first_response_at is None:
            changes["first_response_at"] = at
        if locked.status == S.NEW:
            changes.update(_transition(locked, S.OPEN, actor=actor, now=at))
        if not changes:
            return locked
        return writes.save_changes(actor=actor, case=locked, changes=changes, system=True)


class CustomerReply:
    """What ``case_customer_replied`` did."""

    RESUMED = "resumed"  # waiting on the customer -> open, the SLA clocks run again
    REOPENED = "reopened"  # resolved -> reopened
    CLOSED = "closed"  # closed stays closed: the caller opens a new case
    UNCHANGED = "unchanged"  # new, open or reopened: already being worked


def case_customer_replied(*, case: Case, at: datetime.datetime) -> str:
    """The customer wrote on the case (by the system: the mail import). Returns a
    ``CustomerReply`` value."""
    with transaction.atomic():
        locked = record_lock(Case, case.pk)
        if locked.status == S.CLOSED:
            return CustomerReply.CLOSED
        if locked.status == S.WAITING:
            target, outcome = S.OPEN, CustomerReply.RESUMED
        elif locked.status == S.RESOLVED:
            target, outcome = S.REOPENED, CustomerReply.REOPENED
        else:
            return CustomerReply.UNCHANGED
        changes = _transition(locked, target, actor=None, now=at)
        writes.save_changes(actor=None, case=locked, changes=changes, system=True)
    return outcome


def case_note_add(*, actor: Any, case: Case, body: str) -> CaseNote:
    """Add an internal note to a case: who may edit the case may add one, at any status
    (a closed case too: what was learnt after). It is in the case's change history."""
    check(actor, "edit", case)
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": [_("Write the note first.")]})
    if len(body) > CaseNote.MAX_LENGTH:
        raise ValidationError(
            {
                "body": [
                    _("A note may be at most %(n)s characters; this one has %(length)s.")
                    % {"n": f"{CaseNote.MAX_LENGTH:,}", "length": f"{len(body):,}"}
                ]
            }
        )
    with transaction.atomic():
        lock_chain()
        note = CaseNote.objects.create(case=case, author=actor, body=body)
        change_record(
            actor=actor,
            instance=case,
            action=ChangeEntry.Action.UPDATE,
            changes={"note": [None, body[:200]]},
        )
    return note
