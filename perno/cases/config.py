"""Writes to the configuration of customer care: case categories and queues (with their
members and category rules), for administrators; and a member's own availability.

A queue's team is its cases' team (``cases.models``): when an administrator moves a
queue to another team, its cases follow in the same transaction."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.http import Http404
from django.utils.translation import gettext as _

from perno.accounts.permissions import check
from perno.audit.models import ChangeEntry
from perno.audit.services import change_record
from perno.audit.trail import lock_chain
from perno.cases.models import Case, CaseCategory, Queue, QueueCategoryRule, QueueMember
from perno.cases.writes import queue_cases_follow
from perno.core.diffs import diff, snapshot
from perno.records.services import reject_unknown_fields

CATEGORY_FIELDS = ["name", "active"]
QUEUE_FIELDS = ["name", "team", "assignment", "escalate_to", "satisfaction_survey"]


def _history(
    actor: Any, instance: models.Model, before: dict[str, Any] | None, fields: list[str]
) -> None:
    after = snapshot(instance, fields)
    if before is None:
        change_record(
            actor=actor,
            instance=instance,
            action=ChangeEntry.Action.CREATE,
            changes={k: [None, v] for k, v in after.items() if v not in (None, "", False)},
        )
    else:
        change_record(
            actor=actor,
            instance=instance,
            action=ChangeEntry.Action.UPDATE,
            changes=diff(before, after),
        )


def _save[M: models.Model](
    actor: Any, model: type[M], instance: M | None, data: dict[str, Any], fields: list[str]
) -> M:
    check(actor, "manage", model._meta.model_name)
    reject_unknown_fields(data, set(fields))
    lock_chain()
    if instance is None:
        target = model()
        before = None
    else:
        target = model._default_manager.select_for_update().get(pk=instance.pk)
        before = snapshot(target, fields)
    for key, value in data.items():
        setattr(target, key, value)
    target.full_clean()
    target.save()
    _history(actor, target, before, fields)
    return target


@transaction.atomic
def category_create(*, actor: Any, data: dict[str, Any]) -> CaseCategory:
    return _save(actor, CaseCategory, None, data, CATEGORY_FIELDS)


@transaction.atomic
def category_update(*, actor: Any, category: CaseCategory, data: dict[str, Any]) -> CaseCategory:
    return _save(actor, CaseCategory, category, data, CATEGORY_FIELDS)


@transaction.atomic
def category_delete(*, actor: Any, category: CaseCategory) -> None:
    """Its cases keep no category; queue rules for it go with it."""
    check(actor, "manage", "casecategory")
    lock_chain()
    change_record(actor=actor, instance=category, action=ChangeEntry.Action.DELETE, changes={})
    category.delete()


def _members(
    queue: Queue, members: Iterable[tuple[Any, bool]], rules: Iterable[tuple[Any, Any]] | None
) -> dict[str, list[str]]:
    """Set the queue's members ((user, available) pairs; a member who stays keeps their
    turn) and, when given, its category rules ((category, user) pairs: the user must be
    a member)."""
    errors: dict[str, list[str]] = {}
    wanted: dict[int, tuple[Any, bool]] = {}
    for user, available in members:
        if user.pk in wanted:
            errors.setdefault("members", []).append(
                _("%(user)s is listed twice; list each member once.") % {"user": user}
            )
        wanted[user.pk] = (user, available)
    QueueMember.objects.filter(queue=queue).exclude(user_id__in=list(wanted)).delete()
    current = {m.user_id: m for m in QueueMember.objects.filter(queue=queue)}
    for pk, (user, available) in wanted.items():
        member = current.get(pk)
        if member is None:
            QueueMember.objects.create(queue=queue, user=user, available=available)
        elif member.available != available:
            QueueMember.objects.filter(pk=member.pk).update(available=available)
    if rules is None:
        QueueCategoryRule.objects.filter(queue=queue).exclude(user_id__in=list(wanted)).delete()
        return errors
    QueueCategoryRule.objects.filter(queue=queue).delete()
    seen: set[int] = set()
    for category, user in rules:
        if category.pk in seen:
            errors.setdefault("rules", []).append(
                _("The category “%(category)s” has two rules; give it one.")
                % {"category": category}
            )
            continue
        seen.add(category.pk)
        if user.pk not in wanted:
            errors.setdefault("rules", []).append(
                _("%(user)s is not a member of the queue; add them as a member first.")
                % {"user": user}
            )
            continue
        QueueCategoryRule.objects.create(queue=queue, category=category, user=user)
    return errors


def _queue_save(
    *,
    actor: Any,
    queue: Queue | None,
    data: dict[str, Any],
    members: Iterable[tuple[Any, bool]] | None,
    rules: Iterable[tuple[Any, Any]] | None,
) -> Queue:
    with transaction.atomic():
        old_team = queue.team_id if queue is not None else None
        saved = _save(actor, Queue, queue, data, QUEUE_FIELDS)
        if members is not None or rules is not None:
            current = [
                (m.user, m.available)
                for m in QueueMember.objects.filter(queue=saved).select_related("user")
            ]
            errors = _members(saved, members if members is not None else current, rules)
            if errors:
                raise ValidationError(errors)
        if old_team is not None and saved.team_id != old_team:
            queue_cases_follow(queue=saved)
    return saved


def queue_create(
    *,
    actor: Any,
    data: dict[str, Any],
    members: Iterable[tuple[Any, bool]] | None = None,
    rules: Iterable[tuple[Any, Any]] | None = None,
) -> Queue:
    """A queue of a team. ``members``: (user, available) pairs; ``rules``: (category,
    user) pairs for assignment by category (each user a member)."""
    return _queue_save(actor=actor, queue=None, data=data, members=members, rules=rules)


def queue_update(
    *,
    actor: Any,
    queue: Queue,
    data: dict[str, Any],
    members: Iterable[tuple[Any, bool]] | None = None,
    rules: Iterable[tuple[Any, Any]] | None = None,
) -> Queue:
    """Change a queue; ``members`` and ``rules``, when given, replace the lists. A new
    team takes the queue's cases with it."""
    if "team" in data and data["team"] is None:
        raise ValidationError({"team": [_("A queue belongs to a team; choose one.")]})
    return _queue_save(actor=actor, queue=queue, data=data, members=members, rules=rules)


@transaction.atomic
def queue_delete(*, actor: Any, queue: Queue) -> None:
    """Only an empty queue is deleted: its cases would lose their team."""
    check(actor, "manage", "queue")
    lock_chain()
    count = Case.objects.filter(queue=queue).count()
    if count:
        raise ValidationError(
            {
                "queue": [
                    _("The queue still holds %(count)s case(s); move them to another queue first.")
                    % {"count": count}
                ]
            }
        )
    change_record(actor=actor, instance=queue, action=ChangeEntry.Action.DELETE, changes={})
    queue.delete()


@transaction.atomic
def queue_availability_set(*, actor: Any, queue: Queue, available: bool) -> QueueMember:
    """A member says whether they take new cases of the queue now (an administrator
    uses ``queue_update``)."""
    member = QueueMember.objects.select_for_update().filter(queue=queue, user=actor).first()
    if member is None:
        raise Http404
    if member.available != available:
        QueueMember.objects.filter(pk=member.pk).update(available=available)
        member.available = available
    return member
