"""Personal data held by the privacy app itself: consent steps with their proof, pending
double opt-ins, data sources and restrictions, all about a contact and erased with it.
The register (purposes, notices, retention rules, controller) describes the processing,
not people, except the controller's and DPO's business contact details."""

from perno.core.privacy import declare
from perno.privacy.models import (
    ConsentEvent,
    ConsentRequest,
    Controller,
    DataSource,
    Notice,
    Purpose,
    Restriction,
    RetentionRule,
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
)
declare(
    DataSource,
    subject="the contact",
    personal={"detail": "free_text"},
    not_personal={"channel"},
    erasure="delete",
    retained_with="contact",
)
declare(
    Restriction,
    subject="the contact",
    personal={"reason": "free_text"},
    erasure="delete",
    retained_with="contact",
)
