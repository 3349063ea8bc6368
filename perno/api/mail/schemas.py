from __future__ import annotations

import datetime
from typing import Any, Literal

from ninja import Schema
from pydantic import Field

from perno.api.common import RecordOut
from perno.api.inputs import InputSchema

Kind = Literal["shared", "personal"]
Purpose = Literal["support", "sales", "other"]
Language = Literal["it", "ro", "en"]
ImapSecurity = Literal["tls", "starttls"]
SmtpSecurity = Literal["tls", "starttls", "none"]
TargetType = Literal["contact", "company", "deal", "lead", "case"]


class MailboxOut(RecordOut):
    name: str
    kind: str
    address: str
    purpose: str
    queue_id: int | None
    language: str
    acknowledgement_id: int | None
    is_active: bool
    imap_host: str
    imap_port: int
    imap_security: str
    imap_username: str
    imap_folder: str
    smtp_host: str
    smtp_port: int
    smtp_security: str
    smtp_username: str
    has_imap_password: bool = Field(..., description="Passwords are never shown back.")
    has_smtp_password: bool
    last_polled_at: datetime.datetime | None
    last_error: str = Field(..., description="The code of the last failure; empty when fine.")
    error_message: str = Field(..., description="The last failure, in words.")
    last_error_detail: str
    failures: int
    next_attempt_at: datetime.datetime | None


class MailboxIn(InputSchema):
    name: str = Field(..., min_length=1, max_length=100)
    kind: Kind = "shared"
    address: str = Field(..., min_length=3, max_length=254)
    purpose: Purpose = "other"
    queue_id: int | None = None
    language: Language = "it"
    acknowledgement_id: int | None = None
    is_active: bool = True
    imap_host: str = Field(..., min_length=1, max_length=200)
    imap_port: int = Field(993, ge=1, le=65535)
    imap_security: ImapSecurity = "tls"
    imap_username: str = Field(..., min_length=1, max_length=200)
    imap_password: str = Field(..., min_length=1, max_length=500, description="Write-only.")
    imap_folder: str = Field("INBOX", min_length=1, max_length=200)
    smtp_host: str = Field(..., min_length=1, max_length=200)
    smtp_port: int = Field(587, ge=1, le=65535)
    smtp_security: SmtpSecurity = "starttls"
    smtp_username: str = Field("", max_length=200)
    smtp_password: str = Field("", max_length=500, description="Write-only.")
    owner_id: int | None = None
    team_id: int | None = None
    is_confidential: bool = False


class MailboxPatch(InputSchema):
    version: int | None = None
    name: str | None = Field(None, min_length=1, max_length=100)
    kind: Kind | None = None
    address: str | None = Field(None, min_length=3, max_length=254)
    purpose: Purpose | None = None
    queue_id: int | None = None
    language: Language | None = None
    acknowledgement_id: int | None = None
    is_active: bool | None = None
    imap_host: str | None = Field(None, min_length=1, max_length=200)
    imap_port: int | None = Field(None, ge=1, le=65535)
    imap_security: ImapSecurity | None = None
    imap_username: str | None = Field(None, min_length=1, max_length=200)
    imap_password: str | None = Field(
        None, min_length=1, max_length=500, description="Write-only; leave out to keep it."
    )
    imap_folder: str | None = Field(None, min_length=1, max_length=200)
    smtp_host: str | None = Field(None, min_length=1, max_length=200)
    smtp_port: int | None = Field(None, ge=1, le=65535)
    smtp_security: SmtpSecurity | None = None
    smtp_username: str | None = Field(None, max_length=200)
    smtp_password: str | None = Field(
        None, max_length=500, description='Write-only; leave out to keep it, "" to remove it.'
    )
    owner_id: int | None = None
    team_id: int | None = None
    is_confidential: bool | None = None


class CheckOut(Schema):
    part: str = Field(..., description="imap or smtp")
    ok: bool
    message: str


class MailAttachmentOut(Schema):
    id: int
    original_name: str
    content_type: str
    declared_type: str
    size: int
    sha256: str
    inline: bool
    text_note: str


class MessageOut(Schema):
    id: int
    mailbox_id: int | None
    thread_id: int
    direction: str
    source: str
    message_id: str
    in_reply_to: str
    subject: str
    from_address: str
    from_name: str
    reply_to: str
    to: list[list[str]]
    cc: list[list[str]]
    sent_at: datetime.datetime
    is_auto_reply: bool
    is_bounce: bool
    is_loop: bool
    send_pending: bool = Field(
        ...,
        description="A sent message whose acceptance by the SMTP server was not recorded: "
        "check with the recipient before sending it again.",
    )
    contact_id: int | None
    company_id: int | None
    case_id: int | None
    deal_id: int | None
    lead_id: int | None
    notes: list[str] = Field(..., description="What could not be read or was left out.")


class MessageDetailOut(MessageOut):
    text: str
    html: str = Field(..., description="Sanitised HTML, remote images removed.")
    remote_images: int
    headers: dict[str, str]
    attachments: list[MailAttachmentOut]

    @staticmethod
    def resolve_attachments(obj: Any) -> list[Any]:
        return list(obj.attachments.all())


class MessageQuery(InputSchema):
    mailbox_id: int | None = Field(None, ge=1, le=2**63 - 1)
    direction: Literal["in", "out"] | None = None
    target_type: TargetType | None = None
    target_id: int | None = Field(None, ge=1, le=2**63 - 1)
    page: int = Field(1, ge=1, le=100_000)
    page_size: int = Field(25, ge=1, le=100)


class SendIn(InputSchema):
    mailbox_id: int = Field(..., ge=1, le=2**63 - 1)
    to: list[str] = Field(..., min_length=1, max_length=50)
    cc: list[str] = Field([], max_length=50)
    subject: str = Field("", max_length=450)
    body: str = Field("", max_length=200_000)
    template_id: int | None = Field(None, ge=1, le=2**63 - 1)
    target_type: TargetType | None = None
    target_id: int | None = Field(None, ge=1, le=2**63 - 1)
    reply_to_id: int | None = Field(
        None, ge=1, le=2**63 - 1, description="The message this one answers."
    )
