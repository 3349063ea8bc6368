"""Privacy by design (GDPR): the register of processing activities (Art. 30), privacy
notices, consent with its proof (Art. 7), where each contact's data came from, and
restrictions of processing (Art. 18); data subject requests, erasure tombstones,
retention runs, breaches and key rotations.

One module per part of the privacy office; every model is imported here (Django finds
the app's models in ``perno.privacy.models``), in the order the app has always
registered them."""

# isort: off
from perno.privacy.models.register import Controller, LegalBasis, Notice, Purpose, RetentionRule
from perno.privacy.models.consent import (
    Channel,
    ConsentEvent,
    ConsentRequest,
    DataSource,
    Restriction,
)
from perno.privacy.models.subject_requests import (
    SubjectExport,
    SubjectRequest,
    Tombstone,
    TombstoneHash,
)
from perno.privacy.models.operations import Breach, KeyRotation, RetentionRun
# isort: on

__all__ = [
    "Breach",
    "Channel",
    "ConsentEvent",
    "ConsentRequest",
    "Controller",
    "DataSource",
    "KeyRotation",
    "LegalBasis",
    "Notice",
    "Purpose",
    "Restriction",
    "RetentionRule",
    "RetentionRun",
    "SubjectExport",
    "SubjectRequest",
    "Tombstone",
    "TombstoneHash",
]
