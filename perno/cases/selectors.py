"""Every read of cases, queues and categories, with the user.

Cases go through the gate (``restrict`` / ``obtain``): the queue's team is the case's
team, so the team scope is the queue scope. Queues and categories are configuration
that every user reads (to file a case); only administrators change them."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from perno.accounts.confidential import redact
from perno.accounts.permissions import obtain, restrict
from perno.accounts.regions import phone_region
from perno.activities.selectors import TimelineEntry
from perno.cases.filters import CaseFilter
from perno.cases.models import Case, CaseCategory, Queue
from perno.contacts.models import Affiliation, Contact
from perno.core.validators import normalize_phone
from perno.records.filtering import apply_filters

# Joined in the list's query; more joins make PostgreSQL's planner cost more than the
# query itself (7 tables: ~13 ms of planning, 6: ~2 ms), so owner and team, and on the
# detail the rest, come with one small query each.
RELATED = ("queue", "assignee", "contact", "company", "category")
PREFETCHED = ("owner", "team")


def case_list(*, user: Any, filters: Any = None) -> QuerySet[Case]:
    """The cases ``user`` may see, filtered (``CaseFilter``), newest first unless sorted."""
    qs = (
        restrict(Case.objects.all(), user, "view")
        .select_related(*RELATED)
        .prefetch_related(*PREFETCHED)
    )
    return apply_filters(CaseFilter, filters, qs)


def case_get(*, user: Any, pk: Any, action: str = "view") -> Case:
    """One case for ``action``: 404 when the user may not see it, 403 when they may see
    but not act."""
    return obtain(
        Case.objects.select_related(*RELATED, "merged_into", "sla_policy").prefetch_related("tags"),
        user,
        pk,
        action,
    )


def merged_cases(*, user: Any, case: Case) -> QuerySet[Case]:
    """The cases merged into ``case`` that the user may see."""
    return restrict(case.merged_cases.all(), user, "view").order_by("number")


def category_list(*, active_only: bool = False) -> QuerySet[CaseCategory]:
    qs = CaseCategory.objects.all()
    return qs.filter(active=True) if active_only else qs


def category_get(*, pk: Any) -> CaseCategory:
    found = CaseCategory.objects.filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def queue_list() -> QuerySet[Queue]:
    return Queue.objects.select_related("team", "escalate_to").prefetch_related(
        "memberships__user", "category_rules__category", "category_rules__user"
    )


def queue_get(*, pk: Any) -> Queue:
    found = queue_list().filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def contact_match(
    *, user: Any, email: str = "", phone: str = "", field: str = "contact"
) -> Contact | None:
    """The contact ``user`` may see with this e-mail address or phone number (for cases
    pushed through the API from a chat or a social network). None when nothing is
    given; a field error when nothing matches or several people do."""
    email = (email or "").strip()
    phone = (phone or "").strip()
    if not email and not phone:
        return None
    visible = restrict(Contact.objects.all(), user, "view")
    if email:
        found = list(visible.filter(email__iexact=email).order_by("id")[:2])
        what = email
    else:
        try:
            number = normalize_phone(phone, phone_region(user).code)
        except ValidationError as exc:
            raise ValidationError({field: exc.messages}) from exc
        found = list(visible.filter(Q(phone=number) | Q(mobile=number)).order_by("id")[:2])
        what = number
    if not found:
        raise ValidationError(
            {
                field: [
                    _(
                        "No contact you may see has %(value)s; give the contact's id, or create the contact first."
                    )
                    % {"value": what}
                ]
            }
        )
    if len(found) > 1:
        raise ValidationError(
            {
                field: [
                    _("Several contacts have %(value)s; give the contact's id instead.")
                    % {"value": what}
                ]
            }
        )
    return found[0]


def case_timeline(
    *, user: Any, target: Any, before: datetime.datetime | None, limit: int
) -> list[TimelineEntry]:
    """The cases on a contact's timeline, or on a company's: its own and its contacts'
    (those the user may see), newest first, as the gate allows."""
    name = target._meta.model_name
    cases = restrict(Case.objects.all(), user, "view")
    if name == "contact":
        cases = cases.filter(contact=target)
    elif name == "company":
        contacts = Affiliation.objects.filter(
            company=target, contact__in=restrict(Contact.objects.all(), user, "view")
        ).values("contact_id")
        cases = cases.filter(Q(company=target) | Q(contact__in=contacts))
    else:
        return []
    if before is not None:
        cases = cases.filter(created_at__lt=before)
    rows = cases.select_related("queue", "assignee", "contact", "category").order_by(
        "-created_at", "-id"
    )[:limit]
    return [TimelineEntry("case", case.created_at, redact(user, case)) for case in rows]
