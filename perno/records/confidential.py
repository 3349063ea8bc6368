"""Which fields of a record type are confidential: set by an administrator, applied by
the gate, and the search index rebuilt in the same transaction."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from perno.accounts.confidential import field_choices
from perno.accounts.models import ConfidentialField
from perno.accounts.permissions import check
from perno.accounts.rights import SUBJECTS
from perno.search import indexer


def confidential_fields_set(*, actor: Any, subject: str, fields: list[str]) -> None:
    """Replace the list of confidential fields of one record type."""
    check(actor, "manage", "confidentialfield")
    if subject not in SUBJECTS:
        raise ValidationError({"subject": [_("Unknown record type.")]})
    known = {name for name, _label in field_choices(subject)}
    unknown = set(fields) - known
    if unknown:
        raise ValidationError(
            {"fields": [_("Unknown field(s): %(names)s.") % {"names": ", ".join(sorted(unknown))}]}
        )
    with transaction.atomic():
        ConfidentialField.objects.filter(subject=subject).exclude(field__in=fields).delete()
        for name in fields:
            ConfidentialField.objects.get_or_create(subject=subject, field=name)
        # In the same transaction: a field that became confidential is searchable (and
        # shown in snippets) only by roles that see confidential data from now on.
        indexer.reindex_all(subject)
