"""Conversations: by Message-ID, In-Reply-To and References, when replies arrive before
their parent or their parent never arrives, and by the case token in the subject."""

from __future__ import annotations

import pytest

from perno.mail.models import MailThread
from perno.mail.tests.conftest import build, deliver

pytestmark = pytest.mark.django_db(transaction=True)


def test_replies_join_by_in_reply_to_references_or_either(offline_box):
    box = offline_box()
    root = deliver(box, build(message_id="r@x", subject="Ordine")[0])
    by_reply = deliver(box, build(message_id="a@x", in_reply_to="r@x")[0])
    by_refs = deliver(box, build(message_id="b@x", references=["r@x", "a@x"])[0])
    by_both = deliver(box, build(message_id="c@x", in_reply_to="b@x", references=["r@x", "b@x"])[0])
    other = deliver(box, build(message_id="o@x", subject="Ordine")[0])  # same subject, new talk

    assert {m.thread_id for m in (root, by_reply, by_refs, by_both)} == {root.thread_id}
    assert other.thread_id != root.thread_id
    assert MailThread.objects.filter(mailbox=box).count() == 2


def test_a_reply_that_arrives_first_is_joined_by_its_parent(offline_box):
    box = offline_box()
    start = deliver(box, build(message_id="p0@x")[0])
    early = deliver(box, build(message_id="p2@x", in_reply_to="p1@x")[0])  # its parent is late
    assert early.thread_id != start.thread_id
    late = deliver(box, build(message_id="p1@x", in_reply_to="p0@x", references=["p0@x"])[0])

    early.refresh_from_db()
    assert early.thread_id == late.thread_id == start.thread_id
    assert MailThread.objects.filter(mailbox=box).count() == 1  # the early one's is gone


def test_replies_to_a_message_never_imported_meet_by_their_first_reference(offline_box):
    box = offline_box()
    # Our answer went out from a mail program: only the customer's replies arrive.
    one = deliver(box, build(message_id="q1@x", references=["sent@perno", "x1@perno"])[0])
    two = deliver(box, build(message_id="q2@x", references=["sent@perno", "x2@perno"])[0])
    assert one.thread_id == two.thread_id


def test_messages_of_different_mailboxes_stay_apart(offline_box, other_team):
    ours, theirs = offline_box(), offline_box(team=other_team)
    first = deliver(ours, build(message_id="s@x")[0])
    copy = deliver(theirs, build(message_id="t@x", in_reply_to="s@x")[0])
    assert first.thread_id != copy.thread_id
