"""Personal data held by the privacy app itself: consent steps with their proof, pending
double opt-ins, data sources and restrictions, all about a contact and erased with it.
The register (purposes, notices, retention rules, controller) describes the processing,
not people, except the controller's and DPO's business contact details."""

from perno.core.privacy import declare
from perno.privacy.models import (
    Breach,
    ConsentEvent,
    ConsentRequest,
    Controller,
    DataSource,
    KeyRotation,
    Notice,
    Purpose,
    Restriction,
    RetentionRule,
    RetentionRun,
    SubjectExport,
    SubjectRequest,
    Tombstone,
    TombstoneHash,
)

declare(
    Controller,
    subject="the controller's representative and DPO (business contact details they publish)",
    personal={
        "representative": "identity",
        "dpo_name": "identity",
        "dpo_email": "contact",
        "phone": "contact",
        "email": "contact",
    },
    not_personal={"name", "address", "supervisory_authority"},
    erasure="keep",
    reason="the register must name the controller and its DPO (Art. 30(1)(a)); they are edited, not erased",
    retain_from="updated_at",
    about_note="the controller's own representatives, not contacts",
)
declare(
    Purpose,
    personal={},
    not_personal={
        "code",
        "name",
        "description",
        "legal_basis",
        "basis_detail",
        "data_subjects",
        "data_categories",
        "recipients",
        "transfers",
        "security_measures",
    },
)
declare(RetentionRule, personal={}, not_personal={"category", "justification"})
declare(Notice, personal={}, not_personal={"version", "language", "text"})
declare(
    ConsentEvent,
    subject="the contact",
    personal={
        "kind": "consent",
        "occurred_at": "consent",
        "source": "consent",
        "ip_address": "network",
        "user_agent": "network",
        "note": "free_text",
        "notice_text": "consent",
    },
    not_personal={"channel", "notice_version"},
    erasure="delete",
    retained_with="contact",
    about=("contact",),
)
declare(
    ConsentRequest,
    subject="the contact who signed up",
    personal={
        "source": "consent",
        "ip_address": "network",
        "user_agent": "network",
        "confirmed_ip": "network",
        "confirmed_user_agent": "network",
    },
    not_personal={"nonce"},
    erasure="delete",
    retained_with="contact",
    about=("contact",),
)
declare(
    DataSource,
    subject="the contact",
    personal={"detail": "free_text"},
    not_personal={"channel"},
    erasure="delete",
    retained_with="contact",
    about=("contact",),
)
declare(
    Restriction,
    subject="the contact",
    personal={"reason": "free_text"},
    erasure="delete",
    retained_with="contact",
    about=("contact",),
)
declare(
    SubjectRequest,
    subject="the person who made the request (the contact, once matched)",
    personal={
        "requester_name": "identity",
        "requester_email": "contact",
        "requester_phone": "contact",
        "identifier": "identity",
        "details": "free_text",
        "identity_note": "free_text",
        "extension_reason": "free_text",
        "outcome": "free_text",
        "subject": "pseudonym",
    },
    not_personal={
        "kind",
        "channel",
        "identity",
        "status",
        "reminded",
        "received_on",
        "due_on",
        "extended_to",
    },
    erasure="anonymize",
    reason="accountability (Art. 5(2)): the register shows that each request was answered and when; the requester's data is blanked, the pseudonym kept",
    anonymized={"requester_name": "—", "outcome": "—"},
    retain_from="received_on",
    about=("contact",),
    about_note="also the requests whose pseudonym is the contact's (after its erasure)",
)
declare(
    SubjectExport,
    subject="the person exported (its archive file)",
    personal={"path": "file", "error": "free_text"},
    not_personal={"status", "sha256"},
    erasure="delete",
    retained_with="request",
    about=("request__contact",),
)
declare(
    Tombstone,
    subject="an erased person, by pseudonym only",
    personal={"subject": "pseudonym"},
    erasure="keep",
    reason="it is what erasure leaves: keyed hashes that let a later import warn that the person asked to be forgotten",
    retain_from="erased_at",
    about_note="none: an erased contact no longer exists",
)
declare(
    TombstoneHash,
    subject="an erased person, by keyed hash only",
    personal={"digest": "pseudonym"},
    erasure="keep",
    reason="part of the tombstone",
    retained_with="tombstone",
    about_note="none: an erased contact no longer exists",
)
declare(RetentionRun, personal={}, not_personal={"counts", "error"})
declare(KeyRotation, personal={}, not_personal={"key_id", "status", "counts", "error"})
declare(
    Breach,
    subject="people affected by a breach (described, not named), and the recording user",
    personal={
        "description": "free_text",
        "consequences": "free_text",
        "measures": "free_text",
        "people_notice": "free_text",
        "no_notification_reason": "free_text",
        "late_reason": "free_text",
    },
    not_personal={"title", "categories", "authority_reference", "reminded"},
    erasure="keep",
    reason="the breach register documents every breach for the supervisory authority (Art. 33(5)); it names no one",
    retain_from="discovered_at",
    about_note="a breach concerns many people and names none of them",
)
