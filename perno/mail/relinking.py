"""Merges: the messages and conversations of a merged contact, company or case move to
the record that is kept; the merge indexes the moved rows again (their search entries,
and their attachments', follow the rights of their new record)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from perno.mail.models import MailMessage, MailThread
from perno.records.relinking import note_moved


def relinker(field: str) -> Callable[..., int]:
    """Move ``field`` of messages and conversations from the source to the target."""

    def relink(*, source: Any, actor: Any, target: Any, journal: dict[str, list[Any]]) -> int:
        message_ids = list(
            MailMessage.objects.filter(**{field: source.pk}).values_list("pk", flat=True)
        )
        thread_ids = list(
            MailThread.objects.filter(**{field: source.pk}).values_list("pk", flat=True)
        )
        MailMessage.objects.filter(pk__in=message_ids).update(**{field: target.pk})
        MailThread.objects.filter(pk__in=thread_ids).update(**{field: target.pk})
        note_moved(journal, MailMessage, field, message_ids)
        note_moved(journal, MailThread, field, thread_ids)  # the merge reindexes them
        return len(message_ids) + len(thread_ids)

    return relink
