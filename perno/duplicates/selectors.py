"""Every read of the duplicate queue goes through these, with the user: a pair shows
only to users who may edit records of its kind, and only when they may see both
records (the gate's ``restrict``, in SQL)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from perno.accounts.permissions import can, restrict
from perno.contacts.models import Company, Contact
from perno.duplicates.models import DuplicatePair, FinderRun, Kind


def reviewable_kinds(user: Any) -> list[str]:
    """The kinds of pairs ``user`` may review: those of records they may edit."""
    return [kind for kind in Kind.values if can(user, "edit", kind)]


def pair_list(
    *,
    user: Any,
    kind: str,
    min_score: float | None = None,
    status: str | None = DuplicatePair.Status.OPEN,
) -> QuerySet[DuplicatePair]:
    if kind not in reviewable_kinds(user):
        return DuplicatePair.objects.none()
    model = Contact if kind == Kind.CONTACT else Company
    visible = restrict(model.objects.all(), user, "view").values("pk")
    pairs = DuplicatePair.objects.filter(
        kind=kind,
        **{f"{kind}_low__in": visible, f"{kind}_high__in": visible},
    ).select_related(f"{kind}_low", f"{kind}_high")
    if status is not None:
        pairs = pairs.filter(status=status)
    if min_score is not None:
        pairs = pairs.filter(score__gte=min_score)
    return pairs.order_by("-score", "id")


def pair_get(*, user: Any, pk: Any) -> DuplicatePair:
    """One pair the user may review; 404 otherwise (whatever the reason)."""
    try:
        kind = DuplicatePair.objects.filter(pk=pk).values_list("kind", flat=True).first()
    except (ValueError, TypeError):
        kind = None
    if kind is None:
        raise Http404
    pair = pair_list(user=user, kind=kind, status=None).filter(pk=pk).first()
    if pair is None:
        raise Http404
    return pair


def latest_run() -> FinderRun | None:
    return FinderRun.objects.order_by("-started_at", "-id").first()
