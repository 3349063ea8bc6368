"""The consent history of a merged contact moves to the survivor (copied: it is append-only), and the strictest
answer wins: a merge never turns a withdrawal or an objection into a consent.

Both histories are kept whole (every step with its proof). Per purpose (and for the
objection to all direct marketing) the latest step of each contact is read before the
move; if either ended in a withdrawal or an objection while the joined history would
now end in "given" (the other contact's consent was later), a step is added to the
survivor that repeats the strictest of them, dated now and recorded by the merging
user, with a note naming the merge. The undo removes the steps it added."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from perno.privacy.models import ConsentEvent
from perno.records.relinking import drop, note_created

Kind = ConsentEvent.Kind
# The stricter of two last steps (an objection also ends legitimate interest).
STRICTNESS: dict[str, int] = {Kind.GIVEN: 0, Kind.WITHDRAWN: 1, Kind.OBJECTED: 2}


def _latest(contact_id: int) -> dict[int | None, ConsentEvent]:
    latest: dict[int | None, ConsentEvent] = {}
    steps = ConsentEvent.objects.filter(contact_id=contact_id).order_by("occurred_at", "id")
    for step in steps:
        latest[step.purpose_id] = step  # the last one per purpose wins
    return latest


def relink_consents(*, source: Any, actor: Any, target: Any, journal: dict[str, list[Any]]) -> int:
    """Move ``source``'s consent history to ``target``, keeping the strictest answer.

    The history is append-only (a trigger refuses updates), so the steps are copied to
    the survivor unchanged (dates, proof, who recorded them) and the originals deleted;
    the undo puts the originals back and deletes the copies."""
    mine, theirs = _latest(target.pk), _latest(source.pk)
    originals = list(ConsentEvent.objects.filter(contact_id=source.pk).order_by("id"))
    copies = []
    for step in originals:
        copy = ConsentEvent(
            **{
                f.attname: getattr(step, f.attname)
                for f in ConsentEvent._meta.concrete_fields
                if not f.primary_key
            }
        )
        copy.contact_id = target.pk
        copy.save()
        copies.append(copy.pk)
    drop(journal, ConsentEvent.objects.filter(pk__in=[step.pk for step in originals]))
    joined = _latest(target.pk)
    added = []
    for purpose_id in set(mine) | set(theirs):
        strictest = max(
            (step for step in (mine.get(purpose_id), theirs.get(purpose_id)) if step),
            key=lambda step: STRICTNESS[step.kind],
        )
        now = joined[purpose_id]
        if STRICTNESS[now.kind] >= STRICTNESS[strictest.kind]:
            continue
        step = ConsentEvent(
            contact_id=target.pk,
            purpose_id=purpose_id,
            kind=strictest.kind,
            occurred_at=max(timezone.now(), now.occurred_at),
            channel=strictest.channel,
            notice_id=strictest.notice_id,
            notice_text=strictest.notice_text,
            notice_version=strictest.notice_version,
            source=strictest.source,
            note=_(
                "Kept by the merge of contact %(merged)s into contact %(survivor)s: the "
                "strictest answer wins (the step of %(when)s)."
            )
            % {
                "merged": source.pk,
                "survivor": target.pk,
                "when": strictest.occurred_at.date().isoformat(),
            },
            recorded_by=actor if getattr(actor, "pk", None) else None,
        )
        step.save()
        added.append(step.pk)
    note_created(journal, ConsentEvent, copies + added)
    return len(copies) + len(added)
