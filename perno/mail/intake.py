"""Storing a message read from a mailbox (or dropped on a record as .eml): one
transaction per message, with its attachments, thread, links, case steps, search entries
and audit entry; for a mailbox also the mailbox's ``last_uid``, so a crash or a server
restart in the middle of a poll loses nothing and stores nothing twice (the unique key
``(mailbox, uidvalidity, uid)`` and ``last_uid`` move together).

What a message does to cases: in a support mailbox, a person's message that starts a
conversation opens a case in the mailbox's queue (channel e-mail, the sender's contact
and company), and one on a case's conversation is the customer's reply
(``case_customer_replied``; on a closed case it opens a new one). A message from the
mailbox's own address on a case is the agent's answer (``case_agent_responded``).
Automatic mail (auto-replies, bulk mail, bounces) and loops (our own X-Loop mark, or
more than ``PERNO_MAIL_SENDER_RATE`` messages an hour from one sender) is stored and
flagged but never opens, reopens or answers anything. Mail from someone who asked to
be forgotten is not imported again."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from perno.audit.trail import lock_chain
from perno.cases.models import Case
from perno.cases.services import (
    CustomerReply,
    case_agent_responded,
    case_create,
    case_customer_replied,
    case_find_by_token,
)
from perno.mail import config, files, threads
from perno.mail.models import Mailbox, MailMessage, MailThread
from perno.mail.parsing import ParsedMessage
from perno.mail.tasks import acknowledge_task
from perno.privacy.erasure import forgotten, forgotten_among

logger = logging.getLogger(__name__)

CASE_TEXT = 20_000  # characters of the first message copied into a new case
# Mail sent this long before its support mailbox was connected is its history: stored,
# never opening cases (connecting a mailbox must not open a case per old message).
HISTORY = timedelta(days=1)
LOOP_WINDOW = timedelta(hours=1)  # the sender rate guard counts messages in this window


@dataclass
class Lookups:
    """What a poll reads once per batch of messages rather than once per message: the
    mailbox's settings, the senders who asked to be forgotten, each address's contact
    and company, the dates of the senders' recent messages (the loop guard) and which
    of the batch's ids already root a conversation. A poll holds the mailbox's lease,
    so nothing else adds messages or conversations to it meanwhile; without a
    ``prepare`` (a single message) each is read when needed."""

    mailbox: Mailbox | None = None
    forgotten: set[str] | None = None  # lower-case addresses
    parties: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    sent: dict[str, list[datetime]] | None = None  # sender -> dates of stored messages
    roots: set[str] | None = None  # root ids of the mailbox's conversations

    def prepare(self, mailbox_id: int, messages: list[ParsedMessage]) -> None:
        if self.mailbox is None:
            self.mailbox = Mailbox.objects.select_related("queue").get(pk=mailbox_id)
        senders = sorted({m.from_address for m in messages if m.from_address})
        self.forgotten = {a.lower() for a in forgotten_among(senders)}
        now = timezone.now()
        dates = [min(m.sent_at or now, now) for m in messages]
        self.sent = {}
        if senders and dates:
            rows = MailMessage.objects.filter(
                mailbox_id=mailbox_id,
                from_address__in=senders,
                sent_at__gt=min(dates) - LOOP_WINDOW,
            ).values_list("from_address", "sent_at")
            for address, sent_at in rows:
                self.sent.setdefault(address, []).append(sent_at)
        ids = {i for m in messages for i in [m.message_id, m.in_reply_to, *m.references] if i}
        self.roots = set(
            MailThread.objects.filter(mailbox_id=mailbox_id, root_id__in=sorted(ids))
            .values_list("root_id", flat=True)
            .distinct()
        )

    def is_forgotten(self, address: str) -> bool:
        if not address:
            return False
        if self.forgotten is None:
            return forgotten(address)
        return address.lower() in self.forgotten

    def party(self, address: str) -> tuple[Any, Any]:
        """(contact, company) of an address."""
        key = address.lower()
        if key not in self.parties:
            contact = threads.contact_for(address)
            self.parties[key] = (contact, threads.company_for(contact, address))
        return self.parties[key]

    def recent(self, mailbox: Mailbox, address: str, sent: datetime) -> int:
        """How many stored messages ``address`` sent within the hour before ``sent``."""
        if self.sent is None:
            return MailMessage.objects.filter(
                mailbox=mailbox,
                from_address=address,
                sent_at__gt=sent - LOOP_WINDOW,
                sent_at__lte=sent,
            ).count()
        return sum(1 for d in self.sent.get(address, []) if sent - LOOP_WINDOW < d <= sent)

    def stored(self, message: MailMessage, thread: MailThread) -> None:
        if self.sent is not None and message.from_address:
            self.sent.setdefault(message.from_address, []).append(message.sent_at)
        if self.roots is not None and thread.root_id:
            self.roots.add(thread.root_id)


@dataclass
class Stored:
    """What storing one message did."""

    message: MailMessage | None
    outcome: str  # "stored", "duplicate", "forgotten", "stale"
    opened_case: bool = False


def _loop(mailbox: Mailbox, parsed: ParsedMessage, now: datetime, lookups: Lookups) -> bool:
    """Our own mark came back, or one sender wrote faster than a person does (by the
    messages' dates: a year of history read at once is no loop)."""
    if mailbox.address.lower() in parsed.loop_marks:
        return True
    if not parsed.from_address:
        return False
    sent = min(parsed.sent_at or now, now)
    return lookups.recent(mailbox, parsed.from_address, sent) >= config.sender_rate()


def _duplicate(mailbox: Mailbox, parsed: ParsedMessage) -> MailMessage | None:
    """The stored copy of this message in the mailbox: the same Message-ID and bytes
    (a re-sync after a UIDVALIDITY change), or our own sent message seen again."""
    rows = MailMessage.objects.filter(mailbox=mailbox)
    if parsed.message_id:
        found = list(rows.filter(message_id=parsed.message_id).order_by("id")[:20])
        for row in found:
            if row.direction == MailMessage.Direction.OUT or row.digest == parsed.digest:
                return row
        return None
    return rows.filter(digest=parsed.digest, message_id="").order_by("id").first()


def _open_case(mailbox: Mailbox, message: MailMessage) -> Any:
    subject = " ".join((message.subject or "").split())[:200] or _("(no subject)")
    description = message.text[:CASE_TEXT]
    try:
        return case_create(
            actor=None,
            data={
                "subject": subject,
                "description": description,
                "contact": message.contact,
                "company": message.company,
                "channel": "email",
                "queue": mailbox.queue,
            },
            now=min(message.sent_at, timezone.now()),
        )
    except ValidationError as exc:
        # A queue that cannot take cases any more: the message is kept without one.
        fields = sorted(getattr(exc, "error_dict", {}) or ["__all__"])
        logger.warning("mail: mailbox %s could not open a case (%s)", mailbox.pk, fields)
        return None


def _case_steps(mailbox: Mailbox, message: MailMessage, thread_case: Any) -> bool:
    """Link the message to its case (``thread_case``: its conversation's) and take the
    case's step; True when a case was opened by it."""
    case = thread_case
    if case is None:
        case = message.case if message.case_id else case_find_by_token(message.subject)
    at = min(message.sent_at, timezone.now())
    if message.direction == MailMessage.Direction.OUT:
        if case is not None:
            message.case = case
            # Once answered and open, answering again changes nothing on the case.
            if case.first_response_at is None or case.status == Case.Status.NEW:
                case_agent_responded(case=case, at=at, actor=None)
        return False
    if message.is_automatic:
        message.case = case
        return False
    if case is not None:
        outcome = case_customer_replied(case=case, at=at)
        if outcome != CustomerReply.CLOSED:
            message.case = case
            return False
    if (
        mailbox.purpose != Mailbox.Purpose.SUPPORT
        or mailbox.queue_id is None
        or message.sent_at < mailbox.created_at - HISTORY
    ):
        message.case = case  # the mailbox's history from before it was connected
        return False
    message.case = _open_case(mailbox, message)
    return message.case is not None


def store_imported(
    mailbox_id: int,
    uidvalidity: int,
    uid: int,
    parsed: ParsedMessage,
    lookups: Lookups | None = None,
) -> Stored:
    """Store message ``uid`` of the mailbox's folder (in its own transaction) and
    advance the mailbox's ``last_uid`` to it."""
    lookups = lookups or Lookups()
    prepared = files.prepare(parsed.attachments)
    now = timezone.now()
    stored_files: list[str] = []
    try:
        with transaction.atomic():
            lock_chain()  # the audit chain before any row (audit.trail.lock_chain)
            _commit_without_waiting_for_disk()
            # Claim the UID: the row stays locked until the commit, and a poll that
            # got here first (or a UIDVALIDITY that changed) leaves nothing to do.
            claimed = Mailbox.objects.filter(
                pk=mailbox_id, uidvalidity=uidvalidity, last_uid__lt=uid
            ).update(last_uid=uid)
            if not claimed:
                return Stored(None, "stale")
            mailbox = lookups.mailbox or Mailbox.objects.select_related("queue").get(pk=mailbox_id)
            if lookups.is_forgotten(parsed.from_address):
                return Stored(None, "forgotten")
            own = parsed.from_address.lower() == mailbox.address.lower()
            resyncing = mailbox.resync_until is not None and uid <= mailbox.resync_until
            duplicate = _duplicate(mailbox, parsed) if resyncing or own else None
            if duplicate is not None:
                if duplicate.direction == MailMessage.Direction.IN:
                    MailMessage.objects.filter(pk=duplicate.pk).update(
                        uidvalidity=uidvalidity, uid=uid
                    )
                return Stored(duplicate, "duplicate")
            result = _store(mailbox, parsed, prepared, stored_files, now, uidvalidity, uid, lookups)
    except Exception:
        files.remove(stored_files)
        raise
    if result.opened_case and result.message is not None and mailbox.acknowledgement_id:
        _after_commit_acknowledge(result.message, parsed)
    return result


def _commit_without_waiting_for_disk() -> None:
    """On PostgreSQL, this transaction's commit does not wait for its write-ahead log to
    reach the disk (``synchronous_commit`` off, for it alone). A server crash may then
    lose the last fraction of a second of imported messages, never corrupt anything,
    and since the mailbox's ``last_uid`` advances in the same transaction, what is lost
    is read again by the next poll: no message goes missing. Each message is one
    transaction, so the wait for the disk was a large part of importing one."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")


def _store(
    mailbox: Mailbox,
    parsed: ParsedMessage,
    prepared: list[files.Prepared],
    stored_files: list[str],
    now: datetime,
    uidvalidity: int,
    uid: int,
    lookups: Lookups,
) -> Stored:
    own = parsed.from_address.lower() == mailbox.address.lower()
    direction = MailMessage.Direction.OUT if own else MailMessage.Direction.IN
    party = parsed.to[0][1] if own and parsed.to else parsed.from_address
    contact, company = lookups.party(party)
    message = threads.new_message(
        parsed,
        mailbox=mailbox,
        direction=direction,
        source=MailMessage.Source.IMAP,
        uidvalidity=uidvalidity,
        uid=uid,
        contact=contact,
        company=company,
        is_loop=_loop(mailbox, parsed, now, lookups),
        created_at=now,
    )
    thread = threads.find_thread(mailbox, parsed, roots=lookups.roots)
    if thread is None:
        token_case = case_find_by_token(parsed.subject)
        if token_case is not None:
            thread = threads.case_thread(mailbox, token_case)
            message.case = token_case
    opened = _case_steps(mailbox, message, thread.case if thread is not None else None)
    if thread is None:
        thread = threads.new_thread(
            mailbox, parsed, contact=message.contact, company=message.company, case=message.case
        )
    if lookups.roots is None or parsed.message_id in lookups.roots:
        joined = threads.absorb(mailbox, thread, parsed.message_id)
        if message.case_id in joined:  # the case it opened joined the earlier one
            message.case = joined[message.case_id]
            opened = False
    files.save_message(message, thread, prepared, stored_files)
    lookups.stored(message, thread)
    return Stored(message, "stored", opened_case=opened)


def _after_commit_acknowledge(message: MailMessage, parsed: ParsedMessage) -> None:
    if message.is_automatic or parsed.no_acknowledgement:
        return
    pk = message.pk
    transaction.on_commit(lambda: acknowledge_task.delay(pk))
