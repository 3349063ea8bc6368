from perno.activities.models import (
    Activity,
    Attachment,
    CalendarFeed,
    CalendarInvitation,
    Comment,
    ImportedEvent,
    Notification,
)
from perno.core.privacy import declare

declare(
    Activity,
    subject="the linked contact, and the assignee (a user)",
    personal={"subject": "free_text", "description": "free_text", "moment": "profiling"},
    not_personal={"kind", "status"},
    erasure="delete",
    retain_from="created_at",
    about=("contact", "deal__contact", "lead__converted_contact"),
    shared=("company", "deal"),
)
declare(
    Comment,
    subject="the people named in it and its author",
    personal={"body": "free_text"},
    erasure="delete",
    retain_from="created_at",
    about=(
        "contact",
        "deal__contact",
        "lead__converted_contact",
        "activity__contact",
        "activity__deal__contact",
        "activity__lead__converted_contact",
    ),
    shared=("company", "deal", "product", "activity"),
)
declare(
    Attachment,
    subject="the people in the file",
    personal={"file": "file", "original_name": "file"},
    not_personal={"content_type", "sha256"},
    erasure="delete",
    retained_with="comment",
    about=(
        "comment__contact",
        "comment__deal__contact",
        "comment__lead__converted_contact",
        "comment__activity__contact",
        "comment__activity__deal__contact",
        "comment__activity__lead__converted_contact",
    ),
    shared=("comment",),
)
declare(
    Notification,
    subject="the recipient (a user)",
    personal={"title": "free_text", "body": "free_text"},
    not_personal={"url"},
    erasure="delete",
    retain_from="created_at",
    about=("activity__contact", "activity__deal__contact", "activity__lead__converted_contact"),
    shared=("activity",),
)

# The calendar (docs/calendar.md).
declare(
    CalendarFeed,
    subject="its user",
    personal={"token_hash": "credentials"},
    not_personal={"prefix"},
    erasure="delete",
    retained_with="user",
)
declare(
    CalendarInvitation,
    subject="the invited contact",
    personal={"email": "contact", "name": "identity"},
    not_personal={"error"},
    erasure="delete",
    retained_with="activity",
    about=("contact",),
)
declare(ImportedEvent, personal={}, not_personal={"uid", "recurrence_id"})
