"""Which conversation a message belongs to, and who it is from.

A message joins the thread of the message it answers (In-Reply-To, then References
from the nearest), or, when that one never arrived, the thread that names the same
first message (``MailThread.root_id``): replies that arrive before their parent, or
whose parent was never imported, still meet. A message that answers nothing Perno has
but carries a case token (``[C-000123]``) joins that case's conversation. Otherwise
it starts a new one.

Senders are matched to contacts by e-mail address among all contacts: the system is
importing, and what the import links is then read through the gate."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils import timezone

from perno.cases.models import Case
from perno.cases.services import case_merge
from perno.contacts.models import Affiliation, Company, Contact
from perno.mail.models import MailMessage, MailThread
from perno.mail.parsing import ParsedMessage


def address_forms(address: str) -> list[str]:
    """How an address may be stored (domain in lower case; all in lower case)."""
    if "@" not in address:
        return []
    local, _at, domain = address.rpartition("@")
    return list(dict.fromkeys([f"{local}@{domain.lower()}", address.lower()]))


def contact_for(address: str) -> Contact | None:
    forms = address_forms(address)
    if not forms:
        return None
    return Contact.objects.filter(email__in=forms).order_by("-updated_at", "-id").first()


def company_for(contact: Contact | None, address: str) -> Company | None:
    """The contact's primary company (or only one), else a company with this address."""
    if contact is not None:
        links = list(
            Affiliation.objects.filter(contact=contact)
            .order_by("-is_primary", "id")
            .values_list("company_id", "is_primary")[:2]
        )
        if links and (links[0][1] or len(links) == 1):
            return Company.objects.filter(pk=links[0][0]).first()
    forms = address_forms(address)
    if not forms:
        return None
    return Company.objects.filter(email__in=forms).order_by("-updated_at", "-id").first()


def find_thread(
    mailbox: Any,
    parsed: ParsedMessage,
    *,
    target: Q | None = None,
    roots: set[str] | None = None,
) -> MailThread | None:
    """The thread ``parsed`` continues, by its ids, in ``mailbox`` (or, for a message
    without a mailbox, among the messages matching ``target``). ``roots``: the root
    ids of the mailbox's conversations, when the caller knows them."""
    answered = parsed.thread_ids
    scope = Q(mailbox=mailbox) if mailbox is not None else Q(mailbox__isnull=True) & (target or Q())
    if answered:
        found = {
            m.message_id: m.thread
            for m in MailMessage.objects.filter(scope, message_id__in=answered)
            .select_related("thread__case")
            .only("message_id", "thread")
            .order_by("sent_at", "id")
        }
        for message_id in answered:  # the nearest first
            if message_id in found:
                return found[message_id]
    keys = [k for k in [*answered, parsed.message_id] if k]
    if not keys or (roots is not None and not roots.intersection(keys)):
        return None
    threads = MailThread.objects.filter(root_id__in=keys)
    if mailbox is not None:
        threads = threads.filter(mailbox=mailbox)
    else:
        thread_ids = MailMessage.objects.filter(scope).values("thread_id")
        threads = threads.filter(mailbox__isnull=True, pk__in=thread_ids)
    return threads.select_related("case").order_by("-last_message_at", "-id").first()


def absorb(mailbox: Any, thread: MailThread, message_id: str) -> dict[int, Any]:
    """Replies that arrived before this message (naming only it, so they started a
    conversation of their own rooted at it) join its conversation. When they had opened
    a case of their own, the conversation's two cases become one: the newer is merged
    into the older (``join_cases``). Returns {merged case id: the case kept}."""
    joined: dict[int, Any] = {}
    if not message_id or mailbox is None:
        return joined
    orphans = list(
        MailThread.objects.filter(mailbox=mailbox, root_id=message_id).exclude(pk=thread.pk)
    )
    for orphan in orphans:
        MailMessage.objects.filter(thread=orphan).update(thread=thread)
        changed: dict[str, Any] = {}
        if orphan.last_message_at > thread.last_message_at:
            changed["last_message_at"] = thread.last_message_at = orphan.last_message_at
        if thread.case_id is None and orphan.case_id is not None:
            changed["case_id"] = thread.case_id = orphan.case_id
        if changed:
            MailThread.objects.filter(pk=thread.pk).update(**changed)
        if orphan.case_id is not None and orphan.case_id != thread.case_id:
            joined.update(join_cases(thread, orphan.case_id))
        orphan.delete()
    return joined


def join_cases(thread: MailThread, other_id: int) -> dict[int, Any]:
    """The conversation ``thread`` has two cases, its own and ``other_id``: the newer is
    merged into the older (the one the customer heard of first), unless the older is
    closed or either was merged already; the conversation keeps the older."""
    found = {c.pk: c for c in Case.objects.filter(pk__in=[thread.case_id, other_id])}
    if len(found) != 2:
        return {}
    kept, newer = (found[pk] for pk in sorted(found))
    if kept.status == Case.Status.CLOSED or kept.merged_into_id or newer.merged_into_id:
        return {}
    kept = case_merge(actor=None, target=kept, sources=[newer], system=True)
    thread.case_id = kept.pk  # the relinker moved the stored row already
    return {newer.pk: kept}


def case_thread(mailbox: Any, case: Any) -> MailThread | None:
    """The latest conversation of ``case`` in ``mailbox``."""
    return (
        MailThread.objects.filter(mailbox=mailbox, case=case)
        .order_by("-last_message_at", "-id")
        .first()
    )


def new_thread(mailbox: Any, parsed: ParsedMessage, **links: Any) -> MailThread:
    now = timezone.now()
    return MailThread.objects.create(
        mailbox=mailbox,
        subject=parsed.subject[:500],
        root_id=parsed.root_id[:250],
        created_at=now,
        last_message_at=parsed.sent_at or now,
        **links,
    )


def new_message(parsed: ParsedMessage, **fields: Any) -> MailMessage:
    """A message (not saved yet) of what was parsed, with ``fields`` (its mailbox,
    direction, source and links)."""
    return MailMessage(
        message_id=parsed.message_id,
        in_reply_to=parsed.in_reply_to,
        references=" ".join(parsed.references)[:20_000],
        digest=parsed.digest,
        subject=parsed.subject,
        from_address=parsed.from_address,
        from_name=parsed.from_name,
        reply_to=parsed.reply_to,
        to=[list(pair) for pair in parsed.to],
        cc=[list(pair) for pair in parsed.cc],
        sent_at=parsed.sent_at or timezone.now(),
        text=parsed.text,
        html=parsed.html,
        html_with_images=parsed.html_with_images,
        remote_images=parsed.remote_images,
        headers=parsed.headers,
        size=parsed.raw_size,
        is_auto_reply=parsed.auto_reply,
        is_bounce=parsed.bounce,
        problems=parsed.problems,
        **fields,
    )
