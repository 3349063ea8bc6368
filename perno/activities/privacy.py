from perno.activities.models import Activity, Attachment, Comment, Notification
from perno.core.privacy import declare

declare(
    Activity,
    subject="the linked contact, and the assignee (a user)",
    personal={"subject": "free_text", "description": "free_text"},
    not_personal={"kind", "status"},
    erasure="delete",
    retain_from="created_at",
)
declare(
    Comment,
    subject="the people named in it and its author",
    personal={"body": "free_text"},
    erasure="delete",
    retain_from="created_at",
)
declare(
    Attachment,
    subject="the people in the file",
    personal={"file": "file", "original_name": "file"},
    not_personal={"content_type", "sha256"},
    erasure="delete",
    retained_with="comment",
)
declare(
    Notification,
    subject="the recipient (a user)",
    personal={"title": "free_text", "body": "free_text"},
    not_personal={"url"},
    erasure="delete",
    retain_from="created_at",
)
