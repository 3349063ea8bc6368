"""A user's secret calendar address: the ICS feed a calendar app subscribes to.

The address carries a random token (256 bits); only its SHA-256 is stored, so the feed
is found by an indexed look-up of the hash (no comparison of secrets whose time could
leak how much of a guess was right) and a copy of the database opens no feed. The
address is shown once; a user has at most one active feed, and making a new one (or
revoking it) ends the old address at once."""

from __future__ import annotations

import datetime
import hashlib
import secrets
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from perno.activities.models import CalendarFeed

FEED_PREFIX = "pcal_"


def _hash(clear: str) -> str:
    return hashlib.sha256(clear.encode()).hexdigest()


def feed_list(*, user: Any) -> QuerySet[CalendarFeed]:
    """The user's own feeds (never anyone else's), newest first."""
    return CalendarFeed.objects.filter(user_id=getattr(user, "pk", None) or 0).order_by(
        "-created_at", "-id"
    )


def feed_get(*, user: Any, pk: Any) -> CalendarFeed:
    try:
        feed = feed_list(user=user).filter(pk=int(pk)).first()
    except (TypeError, ValueError):
        feed = None
    if feed is None:
        raise Http404
    return feed


def feed_create(*, actor: Any) -> tuple[CalendarFeed, str]:
    """A new secret address for the user's calendar; any older one stops working.
    Returns the row and the clear token (shown once)."""
    clear = FEED_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        now = timezone.now()
        CalendarFeed.objects.filter(user_id=actor.pk, revoked_at__isnull=True).update(
            revoked_at=now
        )
        feed = CalendarFeed.objects.create(
            user=actor, prefix=clear[: len(FEED_PREFIX) + 4], token_hash=_hash(clear)
        )
    return feed, clear


def feed_revoke(*, actor: Any, feed: CalendarFeed) -> None:
    """End a feed's address (users revoke their own feeds only)."""
    if feed.user_id != getattr(actor, "pk", None):
        raise Http404
    CalendarFeed.objects.filter(pk=feed.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


def feed_authenticate(clear: str) -> CalendarFeed | None:
    """The active feed of an active user for this token, or None (unknown, revoked, or
    its user deactivated). Notes the use at most once a minute."""
    if not clear.startswith(FEED_PREFIX) or len(clear) > 100:
        return None
    feed = CalendarFeed.objects.select_related("user").filter(token_hash=_hash(clear)).first()
    if feed is None or feed.revoked_at is not None or not feed.user.is_active:
        return None
    now = timezone.now()
    if feed.last_used_at is None or now - feed.last_used_at > datetime.timedelta(minutes=1):
        CalendarFeed.objects.filter(pk=feed.pk).update(last_used_at=now)
    return feed
