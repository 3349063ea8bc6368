"""One run of the finder: contacts, then companies; each read into DuckDB and scored by
``engine``; then the pairs of both are stored in one transaction, so a run that fails
leaves both queues as they were. What a run writes: new pairs, the score and reasons of
pairs found again, and the removal of open pairs no longer found; pairs marked "not a
duplicate" are left as they are, so they never come back."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from perno.audit import trail
from perno.audit.models import AuditEvent
from perno.contacts.models import Company, Contact
from perno.duplicates import engine, specs
from perno.duplicates.models import DuplicatePair, FinderRun, FinderSettings, Kind

logger = logging.getLogger(__name__)

KINDS = (Kind.CONTACT, Kind.COMPANY)
CHUNK = 2_000


def _say(run: FinderRun, stage: str, progress: int) -> None:
    run.stage, run.progress = stage, max(0, min(progress, 100))
    FinderRun.objects.filter(pk=run.pk).update(stage=run.stage, progress=run.progress)


def run(finder_run: FinderRun) -> FinderRun:
    """Run the finder; the run row says how far it got and how it ended."""
    settings = FinderSettings.current()
    records = found = 0
    scored: dict[str, list[engine.Pair]] = {}
    try:
        with engine.connection() as con:
            for index, kind in enumerate(KINDS):
                base = index * 50

                def say(stage: str, percent: int, kind: str = kind, base: int = base) -> None:
                    _say(finder_run, f"{kind}:{stage}", base + percent // 2)

                say("read", 0)
                table = f"perno_{kind}"
                records += specs.load(con, kind, table)
                say("read", 15)
                pairs = engine.find(
                    con, table, specs.spec(kind), threshold=settings.threshold(kind), progress=say
                )
                say("scored", 90)
                scored[kind] = pairs
        _say(finder_run, "store", 95)
        with transaction.atomic():
            for name, kind_pairs in scored.items():
                found += store(name, kind_pairs)
    except Exception as exc:
        # The class only: a database error's message can quote values.
        logger.exception("duplicate finder run %s failed", finder_run.pk)
        finder_run.status = FinderRun.Status.FAILED
        finder_run.error = type(exc).__name__
    else:
        finder_run.status = FinderRun.Status.DONE
        finder_run.stage, finder_run.progress = "done", 100
    finder_run.records, finder_run.pairs = records, found
    finder_run.finished_at = timezone.now()
    finder_run.save(
        update_fields=["status", "error", "stage", "progress", "records", "pairs", "finished_at"]
    )
    return finder_run


def _fields(kind: str) -> tuple[str, str]:
    return (f"{kind}_low_id", f"{kind}_high_id")


def _present(kind: str, ids: set[int]) -> set[int]:
    model = Contact if kind == Kind.CONTACT else Company
    ordered = sorted(ids)
    present: set[int] = set()
    for start in range(0, len(ordered), CHUNK):
        chunk = ordered[start : start + CHUNK]
        present.update(model.objects.filter(pk__in=chunk).values_list("pk", flat=True))
    return present


def _chunks(items: list[int]) -> Iterable[list[int]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def store(kind: str, pairs: list[engine.Pair]) -> int:
    """Replace the open pairs of ``kind`` by ``pairs``; returns how many are open."""
    low, high = _fields(kind)
    now = timezone.now()
    with transaction.atomic():
        trail.lock_chain()
        existing = {
            (a, b): (pk, status)
            for pk, a, b, status in DuplicatePair.objects.filter(kind=kind).values_list(
                "pk", low, high, "status"
            )
        }
        found = {(p.low, p.high): p for p in pairs}
        stale = [
            pk
            for key, (pk, status) in existing.items()
            if status == DuplicatePair.Status.OPEN and key not in found
        ]
        for chunk in _chunks(stale):
            DuplicatePair.objects.filter(pk__in=chunk).delete()
        again = [
            DuplicatePair(pk=existing[key][0], score=p.score, reasons=p.reasons, found_at=now)
            for key, p in found.items()
            if key in existing and existing[key][1] == DuplicatePair.Status.OPEN
        ]
        DuplicatePair.objects.bulk_update(again, ["score", "reasons", "found_at"], batch_size=CHUNK)
        new = [p for key, p in found.items() if key not in existing]
        # A record deleted since it was read is left out.
        present = _present(kind, {i for p in new for i in (p.low, p.high)})
        DuplicatePair.objects.bulk_create(
            (
                DuplicatePair(
                    kind=kind,
                    score=p.score,
                    reasons=p.reasons,
                    found_at=now,
                    **{low: p.low, high: p.high},
                )
                for p in new
                if p.low in present and p.high in present
            ),
            batch_size=CHUNK,
        )
        open_pairs = DuplicatePair.objects.filter(kind=kind, status=DuplicatePair.Status.OPEN)
        count = open_pairs.count()
        trail.record(
            actor=None,
            action=AuditEvent.Action.PROFILE,
            record_type="duplicates.duplicatepair",
            subject="",
            detail={"duplicate_finder": str(kind), "open_pairs": count},
        )
        return count
