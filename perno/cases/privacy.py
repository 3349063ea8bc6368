"""Personal data of customer care. A case's subject and description are free text
about its contact (and whoever it names). Erasing the contact deletes the cases that are
only theirs; a case that also belongs to a company is kept, its link to the person cut
and the person's names replaced in its text. Queues, categories, members and rules are
configuration (which agent works which queue): no personal data of customers.

Retention counts from a case's closing: cases still open or only resolved are kept."""

from perno.cases.models import (
    Case,
    CaseCategory,
    CaseCounter,
    CaseNote,
    Queue,
    QueueCategoryRule,
    QueueMember,
)
from perno.core.privacy import declare

declare(
    Case,
    subject="the contact of the case, and the people named in it",
    personal={"subject": "free_text", "description": "free_text"},
    not_personal={"channel", "status"},
    erasure="delete",
    retain_from="closed_at",
    about=("contact",),
    shared=("company",),
)
# An internal note is free text about the case's contact: it goes with its case (kept
# with a company's case, the person's names replaced; deleted with the person's own).
declare(
    CaseNote,
    subject="the contact of the case, and the people named in the note",
    personal={"body": "free_text"},
    erasure="delete",
    retained_with="case",
    about=("case__contact",),
    shared=("case",),
)
declare(CaseCategory, personal={}, not_personal={"name"})
declare(Queue, personal={}, not_personal={"name", "assignment"})
declare(QueueMember, personal={})
declare(QueueCategoryRule, personal={})
declare(CaseCounter, personal={}, not_personal={"name"})
