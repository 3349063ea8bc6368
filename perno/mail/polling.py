"""Reading the mailboxes: a scheduled job (``tasks.poll_mailboxes_task``) polls every
active mailbox whose next attempt is due.

A poll claims the mailbox for a while (``lease_until``, a conditional update: two
workers never read one mailbox at once), logs in, opens the folder and imports the
messages above ``last_uid`` in batches, each message in its own transaction
(``intake.store_imported``). When the folder's UIDVALIDITY changed (the folder was
recreated or restored), every message is read again, and those already stored (same
Message-ID and bytes) are only given their new UID: nothing is stored twice.

Failures never raise out of the job. A connection lost half-way keeps what was already
imported; the next attempt waits longer after each failure (``PERNO_MAIL_RETRY_SECONDS``
doubling up to ``PERNO_MAIL_RETRY_MAX_SECONDS``). A failure that only a person can fix
(a wrong password, a missing folder, a certificate that does not verify) is shown on
the mailbox and tried again only after ``PERNO_MAIL_ATTENTION_SECONDS``, or as soon as
the mailbox is saved again: no retry storm against a server that refuses us."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from perno.core.sealing import SealError
from perno.mail import config, imap, intake
from perno.mail.credentials import imap_settings
from perno.mail.imap import MailboxError
from perno.mail.models import Mailbox
from perno.mail.parsing import parse, parse_headers

logger = logging.getLogger(__name__)

LEASE = timedelta(minutes=15)


@dataclass
class PollResult:
    mailbox_id: int
    ran: bool = False
    imported: int = 0
    duplicates: int = 0
    forgotten: int = 0
    resynced: bool = False
    more: bool = False  # messages are left for the next poll
    error: str = ""
    outcomes: list[str] = field(default_factory=list)


def due(now: datetime | None = None) -> list[int]:
    """Active mailboxes whose next attempt has come."""
    now = now or timezone.now()
    return list(
        Mailbox.objects.filter(is_active=True)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .order_by("next_attempt_at", "id")
        .values_list("pk", flat=True)
    )


def _claim(mailbox_id: int, now: datetime) -> bool:
    claimed = (
        Mailbox.objects.filter(pk=mailbox_id, is_active=True)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .update(lease_until=now + LEASE)
    )
    return bool(claimed)


def _succeeded(mailbox_id: int, more: bool) -> None:
    now = timezone.now()
    Mailbox.objects.filter(pk=mailbox_id).update(
        last_polled_at=now,
        last_error="",
        last_error_detail="",
        failures=0,
        next_attempt_at=now if more else now + timedelta(seconds=config.poll_seconds()),
        lease_until=None,
    )


def delay_after(failures: int, retry: bool) -> timedelta:
    """How long to wait after the ``failures``-th failure in a row."""
    if not retry:
        return timedelta(seconds=config.attention_seconds())
    first, longest = config.retry_seconds()
    return timedelta(seconds=min(first * 2 ** max(failures - 1, 0), longest))


def failed(mailbox_id: int, error: MailboxError) -> None:
    """Record a failure on the mailbox (shown on its page) and when to try again."""
    now = timezone.now()
    with transaction.atomic():
        mailbox = Mailbox.objects.select_for_update().get(pk=mailbox_id)
        failures = mailbox.failures + 1
        Mailbox.objects.filter(pk=mailbox_id).update(
            last_polled_at=now,
            last_error=error.code,
            last_error_detail=error.detail[:500],
            last_error_at=now,
            failures=failures,
            next_attempt_at=now + delay_after(failures, error.retry),
            lease_until=None,
        )


def _resync(mailbox_id: int, uidvalidity: int, uidnext: int) -> bool:
    """Start again from the first UID when the folder's UIDVALIDITY changed; the
    messages there now (below UIDNEXT) may be stored already."""
    with transaction.atomic():
        mailbox = Mailbox.objects.select_for_update().get(pk=mailbox_id)
        if mailbox.uidvalidity == uidvalidity:
            return False
        again = mailbox.uidvalidity is not None or mailbox.resync_until is not None
        Mailbox.objects.filter(pk=mailbox_id).update(
            uidvalidity=uidvalidity,
            last_uid=0,
            # Not told UIDNEXT: every message is checked.
            resync_until=(uidnext - 1 if uidnext else 2**62) if again else None,
        )
        return mailbox.uidvalidity is not None


def poll_mailbox(
    mailbox_id: int,
    *,
    limit: int | None = None,
    progress: Callable[[int, str], Any] | None = None,
) -> PollResult:
    """Import what is new in one mailbox. ``progress(uid, outcome)`` is called after
    each message (the fault tests restart the server from it)."""
    result = PollResult(mailbox_id)
    now = timezone.now()
    if not _claim(mailbox_id, now):
        return result
    result.ran = True
    try:
        mailbox = Mailbox.objects.get(pk=mailbox_id)
        try:
            options = imap_settings(mailbox)
        except SealError as exc:
            raise MailboxError("key", str(exc), retry=False) from exc
        with imap.connect(options) as session:
            result.resynced = _resync(mailbox_id, session.uidvalidity, session.uidnext)
            last_uid = Mailbox.objects.values_list("last_uid", flat=True).get(pk=mailbox_id)
            _import(session, mailbox_id, last_uid, limit or config.poll_batch(), result, progress)
    except MailboxError as exc:
        logger.info("mail: mailbox %s: %s", mailbox_id, exc.code)
        result.error = exc.code
        failed(mailbox_id, exc)
        return result
    except Exception as exc:
        # A fault of ours (a bug, the database gone): recorded, retried with backoff.
        logger.exception("mail: mailbox %s could not be read", mailbox_id)
        result.error = "protocol"
        failed(mailbox_id, MailboxError("protocol", f"internal error ({type(exc).__name__})"))
        return result
    _succeeded(mailbox_id, result.more)
    return result


def _import(
    session: imap.Session,
    mailbox_id: int,
    last_uid: int,
    limit: int,
    result: PollResult,
    progress: Callable[[int, str], Any] | None,
) -> None:
    uids = session.uids_after(last_uid)
    if len(uids) > limit:
        uids, result.more = uids[:limit], True
    if not uids:
        return
    sizes = session.sizes(uids)
    largest = config.max_message_bytes()
    uidvalidity = session.uidvalidity
    waiting = list(uids)
    lookups = intake.Lookups()
    for batch in imap.batches(uids, sizes, largest, config.fetch_batch()):
        # Messages too large to download come in their place, headers only.
        while waiting and waiting[0] < batch[0]:
            _one(session, mailbox_id, uidvalidity, waiting.pop(0), sizes, result, progress)
        fetched = [(uid, parse(raw)) for uid, raw in session.fetch(batch)]
        lookups.prepare(mailbox_id, [parsed for _uid, parsed in fetched])
        for uid, parsed in fetched:
            stored = intake.store_imported(mailbox_id, uidvalidity, uid, parsed, lookups)
            _record(result, stored)
            if progress is not None:
                progress(uid, result.outcomes[-1])
        waiting = [uid for uid in waiting if uid > batch[-1]]
    for uid in waiting:
        _one(session, mailbox_id, uidvalidity, uid, sizes, result, progress)


def _one(
    session: imap.Session,
    mailbox_id: int,
    uidvalidity: int,
    uid: int,
    sizes: dict[int, int],
    result: PollResult,
    progress: Callable[[int, str], Any] | None,
) -> None:
    """A message over ``PERNO_MAIL_MAX_MESSAGE_BYTES``: its headers only."""
    for found_uid, raw in session.fetch([uid], "BODY.PEEK[HEADER]"):
        parsed = parse_headers(raw, sizes.get(uid, 0))
        _record(result, intake.store_imported(mailbox_id, uidvalidity, found_uid, parsed))
        if progress is not None:
            progress(found_uid, result.outcomes[-1])


def _record(result: PollResult, stored: intake.Stored) -> None:
    result.outcomes.append(stored.outcome)
    if stored.outcome == "stored":
        result.imported += 1
    elif stored.outcome == "duplicate":
        result.duplicates += 1
    elif stored.outcome == "forgotten":
        result.forgotten += 1


def poll_due() -> list[PollResult]:
    """The scheduled job: every mailbox that is due, one after the other."""
    return [poll_mailbox(pk) for pk in due()]
