"""Privacy declarations of the shared record models."""

from perno.core.privacy import DERIVED, declare
from perno.records.models import BulkJob, SavedView, SealedDigest, SealedField, Tag

declare(Tag, personal={}, not_personal={"name", "color"})
declare(SealedField, personal={}, not_personal={"subject", "field"})
declare(
    SealedDigest,
    subject="the person whose sensitive custom field (tax code, IBAN...) it hashes",
    personal={"digest": "pseudonym"},
    not_personal={"subject", "key"},
    erasure=DERIVED,
)
declare(
    SavedView,
    subject="the user, and people named in the view's filters (a search word, a record id)",
    personal={"name": "free_text", "filters": "free_text", "columns": "preferences"},
    not_personal={"list_key", "sort"},
    erasure="delete",
    retained_with="owner",
    about_note="saved list views whose name or filters name the contact",
)
declare(
    BulkJob,
    subject="the user who ran the bulk change; its selection and message may name records",
    personal={"selection": "free_text", "changes": "free_text", "message": "free_text"},
    not_personal={"subject", "action", "status", "result"},
    erasure="delete",
    retain_from="created_at",
    about_note="bulk changes whose filter or message names the contact",
)
