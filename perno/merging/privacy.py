"""A merge keeps, for its undo period (``merging.models.UNDO_DAYS``, 30 days), a copy of
the merged record (personal data: names, e-mail, phones, notes, custom fields), the
rows it moved or dropped and the survivor's values before and after. The copy is about
the same person as the survivor: it is exported with the survivor, erased with it (the
merge row goes with its survivor) and emptied by ``merging.services.merges_purge`` (the
hourly ``merging-purge`` job) once the undo period is over, whatever the register's
periods. Redirects hold ids only."""

from perno.core.privacy import declare
from perno.merging.models import Merge, MergeRedirect

declare(
    Merge,
    subject="the person of the surviving contact (or company), and the merged record",
    personal={
        "snapshot": "identity",
        "merged_repr": "identity",
        "journal": "free_text",
        "survivor_before": "identity",
        "survivor_after": "identity",
    },
    not_personal={"kind", "chosen", "not_restored"},
    erasure="delete",
    retained_with="survivor_contact",
    about=("survivor_contact",),
)
declare(MergeRedirect, personal={}, not_personal={"kind"})
