"""Mailboxes (IMAP in, SMTP out), the messages read from and sent through them, their
threads and attachments, and the templates of outgoing mail.

Who sees a message is decided by the record that governs it (``access``): its case
when it has one (queues are the cases' scope), otherwise its mailbox (a personal
mailbox is its owner's; a shared one its team's), otherwise, for a message dropped on
a record as an .eml file, that record."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.template.defaultfilters import filesizeformat
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from perno.core.inputs import validate_moment
from perno.records.models import RecordModel, TimeStampedModel, present_index


def page_url(name: str, pk: Any) -> str:
    """The address of a mail page (``perno/web/mail``), or "" while there is none."""
    try:
        return reverse(name, args=[pk])
    except NoReverseMatch:
        return ""


# The records a message without case or mailbox may belong to, in the order that
# governs it.
GOVERNING_LINKS = ("deal", "lead", "contact", "company")
LANGUAGES = [("it", _("Italian")), ("ro", _("Romanian")), ("en", _("English"))]

# What went wrong with a mailbox, told on its page in the reader's language.
ERRORS: dict[str, Any] = {
    "auth": _(
        "The IMAP server refused the user name or password. Check them (some providers "
        "want an app password) and save the mailbox again."
    ),
    "smtp_auth": _(
        "The SMTP server refused the user name or password. Check them and save the mailbox again."
    ),
    "connect": _(
        "The server could not be reached or closed the connection. Perno tries again "
        "by itself, waiting longer after each failure."
    ),
    "refused": _(
        "The server refused the connection on this port. Check the host and the port "
        "(IMAP over TLS is usually 993, STARTTLS 143; SMTP 465 or 587)."
    ),
    "dns": _("The server's name could not be found. Check the host name."),
    "timeout": _("The server did not answer in time. Perno tries again later."),
    "tls": _(
        "The secure (TLS) connection failed. Check the port and the security setting "
        "(implicit TLS or STARTTLS)."
    ),
    "starttls": _(
        "The server does not offer STARTTLS on this port. Choose implicit TLS (usually "
        "port 993) or another port."
    ),
    "certificate": _(
        "The server's certificate could not be verified (expired, self-signed or for "
        "another name). Fix the certificate or the host name; Perno never connects "
        "without verifying it."
    ),
    "folder": _("The folder does not exist on the server or cannot be opened. Check its name."),
    "protocol": _("The server answered something unexpected. Perno tries again later."),
    "key": _(
        "The stored password cannot be decrypted with the configured keys. Enter the password again."
    ),
    "send": _("The SMTP server did not accept the message."),
}


class Mailbox(RecordModel):
    """A mailbox read over IMAP (a scheduled job) and written through SMTP. Personal
    mailboxes are their owner's alone (no team); shared ones (support@, sales@) are
    seen by their team. Passwords are encrypted with the installation's keys
    (``core.sealing``), written by the services only and never shown back."""

    class Kind(models.TextChoices):
        SHARED = "shared", _("Shared")
        PERSONAL = "personal", _("Personal")

    class Purpose(models.TextChoices):
        SUPPORT = "support", _("Support (opens cases)")
        SALES = "sales", _("Sales")
        OTHER = "other", _("Other")

    class ImapSecurity(models.TextChoices):
        TLS = "tls", _("Implicit TLS (usually port 993)")
        STARTTLS = "starttls", _("STARTTLS (usually port 143)")

    class SmtpSecurity(models.TextChoices):
        TLS = "tls", _("Implicit TLS (usually port 465)")
        STARTTLS = "starttls", _("STARTTLS (usually port 587)")
        NONE = "none", _("None: a relay on this machine or network, without a password")

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.SHARED)
    address = models.EmailField(_("e-mail address"), unique=True)
    purpose = models.CharField(
        _("purpose"), max_length=10, choices=Purpose.choices, default=Purpose.OTHER
    )
    queue = models.ForeignKey(
        "cases.Queue",
        verbose_name=_("case queue"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="mailboxes",
        help_text=_("A support mailbox opens its cases in this queue."),
    )
    language = models.CharField(
        _("language"),
        max_length=2,
        choices=LANGUAGES,
        default="it",
        help_text=_("Of the templates, when the recipient's language is not known."),
    )
    acknowledgement = models.ForeignKey(
        "MailTemplate",
        verbose_name=_("acknowledgement template"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_(
            "Sent to the customer when an e-mail opens a case (in their language when "
            "a template of the same name exists in it); never to automatic replies."
        ),
    )
    is_active = models.BooleanField(_("active"), default=True)
    imap_host = models.CharField(_("IMAP server"), max_length=200)
    imap_port = models.PositiveIntegerField(_("IMAP port"), default=993)
    imap_security = models.CharField(
        _("IMAP security"), max_length=10, choices=ImapSecurity.choices, default=ImapSecurity.TLS
    )
    imap_username = models.CharField(_("IMAP user name"), max_length=200)
    imap_password = models.TextField(editable=False, blank=True)  # sealed
    imap_folder = models.CharField(_("IMAP folder"), max_length=200, default="INBOX")
    smtp_host = models.CharField(_("SMTP server"), max_length=200)
    smtp_port = models.PositiveIntegerField(_("SMTP port"), default=587)
    smtp_security = models.CharField(
        _("SMTP security"),
        max_length=10,
        choices=SmtpSecurity.choices,
        default=SmtpSecurity.STARTTLS,
    )
    smtp_username = models.CharField(_("SMTP user name"), max_length=200, blank=True)
    smtp_password = models.TextField(editable=False, blank=True)  # sealed
    # Where the import stands (written by the poller only).
    uidvalidity = models.BigIntegerField(null=True, blank=True, editable=False)
    last_uid = models.BigIntegerField(default=0, editable=False)
    # After a UIDVALIDITY change, the messages up to this UID may be stored already.
    resync_until = models.BigIntegerField(null=True, blank=True, editable=False)
    last_polled_at = models.DateTimeField(_("last checked"), null=True, blank=True, editable=False)
    last_error = models.CharField(max_length=20, blank=True, editable=False)
    last_error_detail = models.CharField(max_length=500, blank=True, editable=False)
    last_error_at = models.DateTimeField(null=True, blank=True, editable=False)
    failures = models.PositiveIntegerField(default=0, editable=False)
    next_attempt_at = models.DateTimeField(null=True, blank=True, editable=False)
    lease_until = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["name", "id"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(is_active=True),
                name="mailbox_due_idx",
            )
        ]
        verbose_name = _("mailbox")
        verbose_name_plural = _("mailboxes")

    def __str__(self) -> str:
        return f"{self.name} <{self.address}>"

    def get_absolute_url(self) -> str:
        return page_url("mail:mailbox_detail", self.pk)

    @property
    def error_message(self) -> str:
        """The last failure, as the mailbox page says it ("" when the last poll worked)."""
        if not self.last_error:
            return ""
        return str(ERRORS.get(self.last_error, ERRORS["protocol"]))

    @property
    def has_imap_password(self) -> bool:
        return bool(self.imap_password)

    @property
    def has_smtp_password(self) -> bool:
        return bool(self.smtp_password)


class MailTemplate(TimeStampedModel):
    """Subject and text of an outgoing message in one language, with merge fields such
    as ``{{ contact.first_name }}`` (``perno.mail.merge``). Templates sharing a name are
    the language versions of one template."""

    name = models.CharField(_("name"), max_length=100)
    language = models.CharField(_("language"), max_length=2, choices=LANGUAGES, default="it")
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("text"))

    class Meta:
        ordering = ["name", "language", "id"]
        constraints = [
            models.UniqueConstraint(fields=["name", "language"], name="mail_template_unique")
        ]
        verbose_name = _("e-mail template")
        verbose_name_plural = _("e-mail templates")

    def __str__(self) -> str:
        return f"{self.name} ({self.language})"


class MailThread(models.Model):
    """A conversation: messages that answer one another (Message-ID, In-Reply-To,
    References) or carry the same case token. ``root_id`` is the Message-ID the
    conversation started with, as its messages name it, so replies whose parent never
    arrived still meet."""

    mailbox = models.ForeignKey(
        Mailbox, null=True, blank=True, on_delete=models.CASCADE, related_name="threads"
    )
    subject = models.CharField(_("subject"), max_length=500, blank=True)
    root_id = models.CharField(max_length=250, blank=True)
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    contact = models.ForeignKey(
        "contacts.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    company = models.ForeignKey(
        "contacts.Company", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    last_message_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-last_message_at", "-id"]
        indexes = [
            models.Index(fields=["mailbox", "root_id"], name="mail_thread_root_idx"),
            present_index("case", "mail_thread_case_idx"),
            present_index("contact", "mail_thread_contact_idx"),
            present_index("company", "mail_thread_company_idx"),
        ]
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")

    def __str__(self) -> str:
        return self.subject or _g("(no subject)")


class MailMessage(models.Model):
    """One e-mail, received (imported from a mailbox or dropped on a record as .eml)
    or sent. ``(mailbox, uidvalidity, uid)`` is unique, so nothing is imported twice."""

    class Direction(models.TextChoices):
        IN = "in", _("Received")
        OUT = "out", _("Sent")

    class Source(models.TextChoices):
        IMAP = "imap", _("Mailbox")
        SENT = "sent", _("Sent from Perno")
        EML = "eml", _("Dropped .eml file")

    id = models.BigAutoField(primary_key=True)
    mailbox = models.ForeignKey(
        Mailbox,
        verbose_name=_("mailbox"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="messages",
        db_index=False,
    )
    thread = models.ForeignKey(MailThread, on_delete=models.CASCADE, related_name="messages")
    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices)
    source = models.CharField(max_length=4, choices=Source.choices, default=Source.IMAP)
    uidvalidity = models.BigIntegerField(null=True, blank=True)
    uid = models.BigIntegerField(null=True, blank=True)
    message_id = models.CharField(_("Message-ID"), max_length=250, blank=True)
    in_reply_to = models.CharField(max_length=250, blank=True)
    references = models.TextField(blank=True)  # ids separated by spaces
    digest = models.CharField(max_length=64, blank=True)  # SHA-256 of the raw message
    subject = models.CharField(_("subject"), max_length=500, blank=True)
    from_address = models.CharField(_("from"), max_length=254, blank=True)
    from_name = models.CharField(_("sender's name"), max_length=200, blank=True)
    reply_to = models.CharField(_("reply to"), max_length=254, blank=True)
    to = models.JSONField(_("to"), default=list, blank=True)  # [[name, address], ...]
    cc = models.JSONField(_("cc"), default=list, blank=True)
    sent_at = models.DateTimeField(_("date"), default=timezone.now, validators=[validate_moment])
    created_at = models.DateTimeField(_("stored"), default=timezone.now)
    text = models.TextField(_("text"), blank=True)
    html = models.TextField(blank=True)  # sanitised, remote images removed
    html_with_images = models.TextField(blank=True)  # sanitised, remote images kept
    remote_images = models.PositiveIntegerField(default=0)
    headers = models.JSONField(default=dict, blank=True)  # a summary
    size = models.PositiveBigIntegerField(default=0)
    is_auto_reply = models.BooleanField(_("automatic reply"), default=False)
    is_bounce = models.BooleanField(_("bounce"), default=False)
    is_loop = models.BooleanField(_("mail loop"), default=False)
    # A sent message is stored before the SMTP server is asked to take it and confirmed
    # after; True while (or if) that answer was not recorded (``outgoing.send``).
    send_pending = models.BooleanField(_("sending not confirmed"), default=False)
    problems = models.JSONField(default=list, blank=True)  # see ``notes``
    contact = models.ForeignKey(
        "contacts.Contact",
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    company = models.ForeignKey(
        "contacts.Company",
        verbose_name=_("company"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("case"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    deal = models.ForeignKey(
        "sales.Deal",
        verbose_name=_("deal"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    lead = models.ForeignKey(
        "sales.Lead",
        verbose_name=_("lead"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-sent_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["mailbox", "uidvalidity", "uid"],
                condition=models.Q(uid__isnull=False),
                name="mail_message_uid_unique",
            )
        ]
        indexes = [
            models.Index(fields=["mailbox", "message_id"], name="mail_message_msgid_idx"),
            models.Index(fields=["mailbox", "digest"], name="mail_message_digest_idx"),
            models.Index(fields=["mailbox", "-sent_at"], name="mail_message_mailbox_idx"),
            models.Index(
                fields=["mailbox", "from_address", "sent_at"], name="mail_message_sender_idx"
            ),
            models.Index(fields=["thread", "sent_at"], name="mail_message_thread_idx"),
            models.Index(fields=["contact", "-sent_at"], name="mail_message_contact_idx"),
            models.Index(fields=["company", "-sent_at"], name="mail_message_company_idx"),
            models.Index(fields=["case", "-sent_at"], name="mail_message_case_idx"),
            present_index("deal", "mail_message_deal_idx"),
            present_index("lead", "mail_message_lead_idx"),
            models.Index(fields=["sent_at", "id"], name="mail_message_sent_idx"),
        ]
        verbose_name = _("e-mail message")
        verbose_name_plural = _("e-mail messages")

    def __str__(self) -> str:
        return self.subject or _g("(no subject)")

    def get_absolute_url(self) -> str:
        return page_url("mail:message_detail", self.pk)

    @property
    def governing(self) -> models.Model | None:
        """The record whose rights decide who sees this message: its case, else its
        mailbox, else the record it was dropped on (a deal, lead, contact, company)."""
        if self.case_id:
            return self.case
        if self.mailbox_id:
            return self.mailbox
        for name in GOVERNING_LINKS:
            if getattr(self, f"{name}_id"):
                return getattr(self, name)
        return None

    @property
    def is_automatic(self) -> bool:
        """Written by a machine or part of a loop: never opens a case, never answered."""
        return self.is_auto_reply or self.is_bounce or self.is_loop

    @property
    def sender(self) -> str:
        if self.from_name and self.from_address:
            return f"{self.from_name} <{self.from_address}>"
        return self.from_address or self.from_name

    @property
    def reference_ids(self) -> list[str]:
        return [r for r in self.references.split() if r]

    @property
    def notes(self) -> list[str]:
        """What could not be read or was left out, in the reader's language."""
        return [note_text(problem) for problem in self.problems or []]


def mail_path(instance: MailAttachment, filename: str) -> str:
    """A random name: a file's name says nothing, and two files never collide."""
    return f"mail/{timezone.now():%Y/%m}/{uuid.uuid4().hex}"


class MailAttachment(TimeStampedModel):
    """A file of a message, stored under a random name; its type decided from its bytes
    (``filetype``) and checked against the declared one; its text extracted for the
    search (``search.documents``)."""

    id = models.BigAutoField(primary_key=True)
    message = models.ForeignKey(MailMessage, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to=mail_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("type"), max_length=100)
    declared_type = models.CharField(_("declared type"), max_length=100, blank=True)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(max_length=64)
    content_id = models.CharField(max_length=250, blank=True)
    inline = models.BooleanField(default=False)
    text = models.TextField(blank=True)  # extracted, for the search
    text_note = models.CharField(max_length=300, blank=True)  # why there is no text

    class Meta:
        ordering = ["id"]
        verbose_name = _("e-mail attachment")
        verbose_name_plural = _("e-mail attachments")

    def __str__(self) -> str:
        return self.original_name

    def get_absolute_url(self) -> str:
        return page_url("mail:mail_attachment", self.pk)

    @property
    def type_mismatch(self) -> bool:
        generic = {"", "application/octet-stream"}
        return self.declared_type not in generic and self.declared_type != self.content_type


def note_text(problem: dict[str, Any]) -> str:
    """One entry of ``MailMessage.problems`` as a sentence."""
    code = problem.get("code", "")
    values = {k: v for k, v in problem.items() if k != "code"}
    if "size" in values:
        values["size"] = filesizeformat(values["size"])
    if "limit" in values and code != "too_many_attachments":
        values["limit"] = filesizeformat(values["limit"])
    messages = {
        "attachment_too_large": _g(
            "The attachment “%(name)s” (%(size)s) was left out: attachments may be at most %(limit)s."
        ),
        "attachment_blocked": _g(
            "The attachment “%(name)s” was left out: programs and scripts are never stored."
        ),
        "attachment_empty": _g("The attachment “%(name)s” was empty."),
        "attachment_type": _g(
            "The attachment “%(name)s” says it is %(declared)s but its content is %(detected)s."
        ),
        "too_many_attachments": _g(
            "Only the first %(limit)s attachments were stored; the others were left out."
        ),
        "charset": _g(
            "The text declared the character set “%(declared)s”, which was missing or wrong; it was read as %(used)s."
        ),
        "malformed": _g(
            "The message is not well formed (%(defects)s); what could be read is shown."
        ),
        "unreadable": _g("The message could not be read as e-mail; its raw text is shown."),
        "message_too_large": _g(
            "The message (%(size)s) was too large to download: only its headers were stored. Open it in your mail program."
        ),
    }
    template = messages.get(code)
    if template is None:
        return code
    if "defects" in values:
        values["defects"] = ", ".join(values["defects"])
    try:
        return template % values
    except (KeyError, TypeError, ValueError):
        return code
