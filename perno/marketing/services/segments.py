"""Every write to segments and static lists, and their export."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from perno.accounts.exports import export_file
from perno.accounts.permissions import check, restrict
from perno.audit.models import ChangeEntry
from perno.audit.services import change_record
from perno.contacts.models import Contact
from perno.marketing import segments
from perno.marketing.models import Segment, SegmentMember
from perno.privacy.rules import processable
from perno.records.services import (
    record_create,
    record_delete,
    record_update,
    reject_unknown_fields,
    tags_from_names,
)

SEGMENT_FIELDS = {"name", "description", "kind", "criteria", "owner", "team", "is_confidential"}


def segment_create(*, actor: Any, data: dict[str, Any], tags: Iterable[str] | None = None) -> Any:

    reject_unknown_fields(data, SEGMENT_FIELDS)
    clean = dict(data)
    clean["criteria"] = segments.clean(data.get("criteria", []), actor)
    if clean.get("kind", Segment.Kind.DYNAMIC) == Segment.Kind.STATIC:
        clean["criteria"] = []
    segment = Segment(**{k: v for k, v in clean.items() if v is not None})
    with transaction.atomic():
        segment = record_create(actor=actor, instance=segment, tags=tags_from_names(tags or []))
    segments.recount(segment)
    return segment


def segment_update(
    *,
    actor: Any,
    segment: Any,
    data: dict[str, Any],
    expected_version: int | None,
    tags: Iterable[str] | None = None,
) -> Any:

    reject_unknown_fields(data, SEGMENT_FIELDS)
    clean = dict(data)
    if "criteria" in data:
        clean["criteria"] = segments.clean(data["criteria"], actor)
    if "kind" in data and data["kind"] != segment.kind:
        raise ValidationError(
            {
                "kind": [
                    _("A segment cannot change between static list and dynamic; create a new one.")
                ]
            }
        )
    with transaction.atomic():
        updated = record_update(
            actor=actor,
            instance=segment,
            data=clean,
            expected_version=expected_version,
            tags=tags_from_names(tags) if tags is not None else None,
        )
    segments.recount(updated)
    return updated


def segment_delete(*, actor: Any, segment: Any) -> None:
    record_delete(actor=actor, instance=segment)


def segment_members_change(
    *, actor: Any, segment: Any, add: Iterable[int] = (), remove: Iterable[int] = ()
) -> tuple[int, int]:
    """Add contacts the actor may view to a static list, or remove them. Returns
    (added, removed)."""

    check(actor, "edit", segment)
    if segment.kind != segment.Kind.STATIC:
        raise ValidationError(
            _(
                "Only static lists have members added by hand; a dynamic segment follows its criteria."
            )
        )
    add, remove = list(add), list(remove)
    visible = set(restrict(Contact.objects.filter(pk__in=add), actor).values_list("pk", flat=True))
    unknown = [pk for pk in add if pk not in visible]
    if unknown:
        raise ValidationError(
            {
                "contacts": [
                    _("No contacts with ids %(ids)s that you may see.")
                    % {"ids": ", ".join(map(str, unknown))}
                ]
            }
        )
    with transaction.atomic():
        before = SegmentMember.objects.filter(segment=segment).count()
        SegmentMember.objects.bulk_create(
            [SegmentMember(segment=segment, contact_id=pk) for pk in visible], ignore_conflicts=True
        )
        added = SegmentMember.objects.filter(segment=segment).count() - before
        removed, _detail = SegmentMember.objects.filter(
            segment=segment, contact_id__in=remove
        ).delete()
        change_record(
            actor=actor,
            instance=segment,
            action=ChangeEntry.Action.UPDATE,
            changes={"members": [None, {"added": added, "removed": removed}]},
        )
    segments.recount(segment)
    return added, removed


def segment_export(*, actor: Any, segment: Any, purpose: Any, fmt: str) -> Any:
    """The segment's contacts that may be processed for ``purpose``, as CSV or XLSX,
    under the export rules (the right to export segments and contacts, the row limits,
    the export log)."""

    check(actor, "export", segment)
    rows = processable(segments.evaluate(segment, user=actor), purpose)
    return export_file(
        user=actor,
        queryset=rows,
        fmt=fmt,
        filters={"segment": segment.pk, "purpose": purpose.code},
    )
