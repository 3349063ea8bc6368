"""The finder's pairs say that two records may be the same person or company: only ids,
a score and the names of the comparisons that matched, no values. A pair goes with
either of its records (foreign keys cascade: erasure, merge and delete remove it), and
so does a "not a duplicate" decision, which is the pair's status."""

from perno.core.privacy import DELETE, declare
from perno.duplicates.models import DuplicatePair, FinderRun, FinderSettings

declare(FinderSettings, personal={})
declare(FinderRun, personal={}, not_personal={"status", "stage", "error"})
declare(
    DuplicatePair,
    subject="the two contacts (or companies) that may be the same",
    personal={
        "contact_low": "profiling",
        "contact_high": "profiling",
        "score": "profiling",
        "reasons": "profiling",
    },
    not_personal={"kind", "status"},
    erasure=DELETE,
    retain_from="found_at",
    about=("contact_low", "contact_high"),
)
