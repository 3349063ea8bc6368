"""Who takes a case that nobody was given: the queue's assignment rule.

- *manual*: nobody; someone assigns it;
- *round robin*: the available member of the queue assigned longest ago (never
  assigned first), among those whose roles let them see the case;
- *by category*: the member the queue's rule names for the case's category, when that
  member is available and may see the case; otherwise round robin.

Safe under concurrent creation: the caller's transaction holds the audit chain's lock
and ``pick`` locks the queue's row before it reads the members, so two cases created
at the same moment are given to two members in turn; the chosen member's
``last_assigned_at`` is written in the same transaction."""

from __future__ import annotations

from typing import Any

from django.db.models import F
from django.utils import timezone

from perno.accounts.permissions import can
from perno.cases.models import Case, Queue, QueueCategoryRule, QueueMember


def lock_queue(queue_id: int) -> Queue:
    """The queue's row, locked for the rest of the transaction (after the chain)."""
    return Queue.objects.select_for_update().select_related("team").get(pk=queue_id)


def note_assigned(queue: Queue, user: Any) -> None:
    """``user`` was given a case of ``queue`` (by a rule or by hand): their turn moves.
    The time is read now, under the queue's lock, so turns follow the order in which
    concurrent transactions took them."""
    QueueMember.objects.filter(queue=queue, user=user).update(last_assigned_at=timezone.now())


def _unavailable(queue: Queue, user: Any) -> bool:
    member = QueueMember.objects.filter(queue=queue, user=user).first()
    return member is None or not member.available or not user.is_active


def round_robin(queue: Queue, case: Case) -> Any | None:
    members = (
        QueueMember.objects.filter(queue=queue, available=True, user__is_active=True)
        .select_related("user")
        .order_by(F("last_assigned_at").asc(nulls_first=True), "id")
    )
    for member in members:
        if can(member.user, "view", case):
            QueueMember.objects.filter(pk=member.pk).update(last_assigned_at=timezone.now())
            return member.user
    return None


def pick(queue: Queue, case: Case) -> Any | None:
    """The assignee the queue's rule gives ``case`` (None: nobody), noted as assigned.
    The caller has locked the queue (``lock_queue``)."""
    if queue.assignment == Queue.Assignment.MANUAL:
        return None
    if queue.assignment == Queue.Assignment.BY_CATEGORY and case.category_id:
        rule = (
            QueueCategoryRule.objects.filter(queue=queue, category_id=case.category_id)
            .select_related("user")
            .first()
        )
        if rule is not None and not _unavailable(queue, rule.user) and can(rule.user, "view", case):
            note_assigned(queue, rule.user)
            return rule.user
    return round_robin(queue, case)
