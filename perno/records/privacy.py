"""Privacy declarations of the shared record models."""

from perno.core.privacy import DERIVED, declare
from perno.records.models import SealedDigest, SealedField, Tag

declare(Tag, personal={}, not_personal={"name", "color"})
declare(SealedField, personal={}, not_personal={"subject", "field"})
declare(
    SealedDigest,
    subject="the person whose sensitive custom field (tax code, IBAN...) it hashes",
    personal={"digest": "pseudonym"},
    not_personal={"subject", "key"},
    erasure=DERIVED,
)
