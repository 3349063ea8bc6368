"""Mail in the register of personal data. Messages, their conversations and attachments
are "correspondence", kept 24 months after the message by default (a retention rule
the DPO edits; migration ``mail/0002``); they are exported and erased with the person
they are about (their contact, their case's contact, or the record they were dropped
on). Mailbox passwords are credentials: never exported."""

from perno.core.privacy import declare
from perno.mail.models import MailAttachment, Mailbox, MailMessage, MailTemplate, MailThread

ABOUT = ("contact", "case__contact", "deal__contact", "lead__converted_contact")

declare(
    Mailbox,
    subject="the user who owns a personal mailbox, and whoever's address a mailbox is",
    personal={
        "address": "contact",
        "imap_username": "contact",
        "smtp_username": "contact",
        "imap_password": "credentials",
        "smtp_password": "credentials",
    },
    not_personal={
        "name",
        "kind",
        "purpose",
        "language",
        "imap_host",
        "imap_security",
        "imap_folder",
        "smtp_host",
        "smtp_security",
        "last_error",
        "last_error_detail",
    },
    erasure="delete",
    retain_from="created_at",
)
declare(
    MailTemplate,
    personal={},
    not_personal={"name", "language", "subject", "body"},
)
declare(
    MailThread,
    subject="the people writing in the conversation",
    personal={"subject": "correspondence"},
    not_personal={"root_id"},
    erasure="delete",
    retain_from="last_message_at",
    about=("contact", "case__contact"),
)
declare(
    MailMessage,
    subject="the sender, the recipients and the people named in the message",
    personal={
        "subject": "correspondence",
        "from_address": "correspondence",
        "from_name": "correspondence",
        "reply_to": "correspondence",
        "to": "correspondence",
        "cc": "correspondence",
        "text": "correspondence",
        "html": "correspondence",
        "html_with_images": "correspondence",
        "headers": "correspondence",
        "problems": "correspondence",
    },
    not_personal={"direction", "source", "message_id", "in_reply_to", "references", "digest"},
    erasure="delete",
    retain_from="sent_at",
    about=ABOUT,
)
declare(
    MailAttachment,
    subject="the people in the file",
    personal={
        "file": "correspondence",
        "original_name": "correspondence",
        "text": "correspondence",
        "text_note": "correspondence",
    },
    not_personal={"content_type", "declared_type", "sha256", "content_id"},
    erasure="delete",
    retained_with="message",
    about=tuple(f"message__{path}" for path in ABOUT),
)
