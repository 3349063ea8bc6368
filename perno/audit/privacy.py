from perno.audit.models import AuditEvent, ChangeEntry
from perno.core.privacy import declare

declare(
    ChangeEntry,
    subject="the record's subject and the acting user",
    personal={"object_repr": "identity", "changes": "free_text"},
    not_personal={"action"},
    erasure="delete",
    retain_from="created_at",
    about_note="the change history of every row about the contact (by record type and id)",
)

declare(
    AuditEvent,
    subject="the acting user, and the person an entry is about (by pseudonym only)",
    personal={"ip_address": "network", "subject": "pseudonym"},
    not_personal={"action", "channel", "object_type", "fields", "detail", "prev_hash", "hash"},
    erasure="keep",
    reason="the audit trail is append-only and holds no personal data in clear: the person is a keyed hash, fields are named, never valued",
    retain_from="created_at",
    about_note="entries whose subject is the contact's pseudonym, and lists and searches that showed it",
)
