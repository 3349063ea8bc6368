"""Reads of service levels: the settings lists (through the gate: administrators) and
``policy_for``, the policy a case of a given priority and customer gets."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, F, OuterRef, Q, QuerySet

from perno.accounts.permissions import obtain, restrict
from perno.contacts.models import Contact
from perno.marketing.segments import evaluate
from perno.sla.models import BusinessCalendar, SlaPolicy

# Rank first; at equal rank a policy for a customer group before one for everyone, and
# one for this priority before one for any priority.
_ORDER = (
    "rank",
    F("segment_id").asc(nulls_last=True),
    F("priority").asc(nulls_last=True),
    "id",
)


def calendar_list(*, user: Any) -> QuerySet[BusinessCalendar]:
    return restrict(BusinessCalendar.objects.all(), user, "view").order_by("name", "id")


def calendar_get(*, user: Any, pk: Any) -> BusinessCalendar:
    return obtain(BusinessCalendar.objects.all(), user, pk, "view")


def policy_list(*, user: Any) -> QuerySet[SlaPolicy]:
    return (
        restrict(SlaPolicy.objects.all(), user, "view")
        .select_related("calendar", "segment")
        .order_by(*_ORDER)
    )


def policy_get(*, user: Any, pk: Any) -> SlaPolicy:
    return obtain(SlaPolicy.objects.select_related("calendar", "segment"), user, pk, "view")


def _member_of(contact_id: int, segments: list[Any]) -> set[int]:
    """The ids among ``segments`` that the contact belongs to (a member of a static
    list, or matching a dynamic segment's criteria), in one query on the contact's row."""
    if not segments:
        return set()
    checks = {
        f"in_{segment.pk}": Exists(evaluate(segment).filter(pk=OuterRef("pk")))
        for segment in segments
    }
    row: dict[str, Any] | None = (
        Contact.objects.filter(pk=contact_id).values(**checks).first()  # type: ignore[assignment]
    )
    if row is None:
        return set()
    return {segment.pk for segment in segments if row[f"in_{segment.pk}"]}


def policy_for(*, priority: int, contact: Any) -> SlaPolicy | None:
    """The first active policy by rank for ``priority`` (1 low … 4 urgent, as
    ``Activity.Priority``) and ``contact`` (a ``Contact``, its id, or None): a policy
    for this priority or any, and for a customer group the contact is in or any
    customer. At equal rank a policy with a customer group wins over one without.
    For the system (case intake, timers): not limited by a user's rights."""
    candidates = list(
        SlaPolicy.objects.filter(active=True)
        .filter(Q(priority=priority) | Q(priority__isnull=True))
        .select_related("calendar", "segment")
        .order_by(*_ORDER)
    )
    # Only the groups of policies before the first one for everyone can matter.
    relevant: list[Any] = []
    for policy in candidates:
        if policy.segment_id is None:
            break
        relevant.append(policy.segment)
    contact_id = getattr(contact, "pk", contact)
    members = (
        _member_of(int(contact_id), list({s.pk: s for s in relevant}.values()))
        if contact_id is not None
        else set()
    )
    for policy in candidates:
        if policy.segment_id is None or policy.segment_id in members:
            return policy
    return None
