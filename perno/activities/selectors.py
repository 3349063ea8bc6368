"""Every read of activities, comments, notifications and timelines, with the user."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from perno.accounts.confidential import redact
from perno.accounts.permissions import can, check, obtain, restrict
from perno.activities.filters import ActivityFilter
from perno.activities.models import Activity, Attachment, Comment, Notification
from perno.contacts.models import Affiliation, Contact
from perno.records.filtering import apply_filters
from perno.sales.models import Deal

TIMELINE_KINDS = [k for k, _label in Activity.Kind.choices] + ["comment"]


@dataclass(frozen=True)
class TimelineSource:
    """Entries a higher app adds to the timelines (cases, e-mail messages), registered in
    its ``AppConfig.ready()``. ``entries(user=, target=, before=, limit=)`` returns up to
    ``limit`` ``TimelineEntry`` of this kind for the target record (a company rolls up
    its contacts' entries), newest first, already restricted by the gate; ``template``
    renders one entry (its context: ``entry``, ``item``, ``record_type``, ``object``)."""

    kind: str
    label: Any
    entries: Callable[..., list[TimelineEntry]]
    template: str


_SOURCES: dict[str, TimelineSource] = {}


def register_timeline_source(source: TimelineSource) -> None:
    _SOURCES[source.kind] = source


def timeline_kinds() -> list[str]:
    return TIMELINE_KINDS + list(_SOURCES)


def timeline_filters() -> list[tuple[str, Any]]:
    """The timeline's filter buttons besides "All" and "Comments": the activity kinds
    and the registered sources."""
    return list(Activity.Kind.choices) + [(s.kind, s.label) for s in _SOURCES.values()]


def timeline_template(kind: str) -> str:
    source = _SOURCES.get(kind)
    return source.template if source else ""


def activity_list(*, user: Any, filters: Any = None) -> QuerySet[Activity]:
    qs = restrict(Activity.objects.all(), user, "view").select_related(
        "owner", "team", "assignee", "company", "contact", "deal", "lead"
    )
    return apply_filters(ActivityFilter, filters, qs)


def activity_get(*, user: Any, pk: Any, action: str = "view") -> Activity:
    return obtain(
        Activity.objects.select_related(
            "owner", "team", "assignee", "company", "contact", "deal", "lead"
        ).prefetch_related("tags"),
        user,
        pk,
        action,
    )


def my_tasks_filters(*, user: Any, overdue: bool = False) -> dict[str, str]:
    """The activity list's filters for the user's open to-dos (or the overdue ones): the
    dashboard counts and lists them with these, and its "see all" opens the list with
    the same filters."""
    filters = {"assignee": str(user.pk), "status": "open", "todo": "true", "sort": "due"}
    if overdue:
        filters["overdue"] = "true"
    return filters


def my_open_tasks(*, user: Any, overdue: bool = False) -> QuerySet[Activity]:
    """The user's open to-dos (tasks, calls, meetings; never e-mails or notes), the
    soonest due first."""
    return activity_list(user=user, filters=my_tasks_filters(user=user, overdue=overdue))


def notification_list(
    *, user: Any, unread_only: bool = False, limit: int = 20
) -> QuerySet[Notification]:
    qs = (
        Notification.objects.filter(user=user)
        if getattr(user, "is_authenticated", False)
        else Notification.objects.none()
    )
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs.order_by("-created_at", "-id")[:limit]


def notification_get(*, user: Any, pk: Any) -> Notification:
    """Users see only their own notifications."""
    notification = (
        Notification.objects.filter(pk=pk, user=user).first()
        if getattr(user, "is_authenticated", False)
        else None
    )
    if notification is None:
        raise Http404
    return notification


def notification_unread_count(*, user: Any) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def attachment_get(*, user: Any, pk: Any) -> Attachment:
    attachment = Attachment.objects.select_related("comment").filter(pk=pk).first()
    # Not allowed to see the record means not found: a 403 would reveal that it exists.
    if attachment is None or not _visible(user, attachment.comment.target):
        raise Http404
    return attachment


def comment_get(*, user: Any, pk: Any) -> Comment:
    comment = Comment.objects.filter(pk=pk).first()
    if comment is None or not _visible(user, comment.target):
        raise Http404
    return comment


def _visible(user: Any, target: Any) -> bool:
    return target is not None and can(user, "view", target)


def comments_for(*, user: Any, target: Any) -> QuerySet[Comment]:
    check(user, "view", target)
    return (
        Comment.objects.filter(**{target._meta.model_name: target})
        .select_related("author")
        .prefetch_related("attachments")
        .order_by("created_at", "id")
    )


@dataclass
class TimelineEntry:
    kind: str  # an Activity.Kind value, "comment" or a registered source's kind
    at: datetime.datetime
    item: Any

    @property
    def template(self) -> str:
        """The partial of a registered source's entry ("" for activities and comments)."""
        return timeline_template(self.kind)


ACTIVITY_LINKS = {"company", "contact", "deal", "lead"}


def _scope(user: Any, target: Any) -> tuple[Q | None, Q]:
    """The activity and comment conditions for a record's timeline. A company rolls up
    the entries of its contacts and deals that the user may see; a product has comments
    only."""
    name = target._meta.model_name
    if name == "company":
        contacts = Affiliation.objects.filter(
            company=target, contact__in=restrict(Contact.objects.all(), user, "view")
        ).values("contact_id")
        deals = restrict(Deal.objects.filter(company=target), user, "view").values("id")
        condition = Q(company=target) | Q(contact__in=contacts) | Q(deal__in=deals)
        return condition, condition
    return (Q(**{name: target}) if name in ACTIVITY_LINKS else None), Q(**{name: target})


def timeline(
    *,
    user: Any,
    target: Any,
    kinds: list[str] | None = None,
    before: datetime.datetime | None = None,
    limit: int = 30,
) -> tuple[list[TimelineEntry], bool]:
    """The record's activities and comments (and, for a company, those of its contacts and
    deals), newest first. Returns (entries, has_more); page on with ``before``."""
    check(user, "view", target)
    known = timeline_kinds()
    kinds = [k for k in (kinds or known) if k in known]
    activity_kinds = [k for k in kinds if k in Activity.Kind.values]
    activity_q, comment_q = _scope(user, target)
    entries: list[TimelineEntry] = []
    if activity_kinds and activity_q is not None:
        activities = restrict(Activity.objects.all(), user, "view").filter(
            activity_q, kind__in=activity_kinds
        )
        if before:
            activities = activities.filter(created_at__lt=before)
        for activity in activities.select_related("assignee", "owner", "contact", "deal").order_by(
            "-created_at", "-id"
        )[: limit + 1]:
            entries.append(
                TimelineEntry(activity.kind, activity.created_at, redact(user, activity))
            )
    if "comment" in kinds:
        comments = Comment.objects.filter(comment_q, parent__isnull=True)
        if before:
            comments = comments.filter(created_at__lt=before)
        replies = Prefetch(
            "replies",
            queryset=Comment.objects.select_related("author")
            .prefetch_related("attachments")
            .order_by("created_at", "id"),
        )
        for comment in (
            comments.select_related("author", "contact", "deal")
            .prefetch_related("attachments", replies)
            .order_by("-created_at", "-id")[: limit + 1]
        ):
            entries.append(TimelineEntry("comment", comment.created_at, comment))
    for kind in kinds:
        if kind in _SOURCES:
            entries.extend(
                _SOURCES[kind].entries(user=user, target=target, before=before, limit=limit + 1)
            )
    entries.sort(key=lambda e: (e.at, e.item.pk), reverse=True)
    return entries[:limit], len(entries) > limit
