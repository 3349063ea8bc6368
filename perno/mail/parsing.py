"""One e-mail, from its bytes to what Perno stores: addresses, dates, text and safe
HTML, attachments (type decided from their bytes, size-limited), and whether it was
written by a machine (auto-replies, bulk mail, bounces, loops).

Mail from the wild is often malformed: headers in raw 8-bit, unknown charsets, broken
MIME boundaries, impossible dates. Nothing here raises for such input: what cannot be
read is left out and said so in ``problems`` (shown with the message), and a message
that is not MIME at all is kept as its text."""

from __future__ import annotations

import email
import email.header
import email.policy
import email.utils
import hashlib
import logging
import re
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import Message
from typing import Any

import filetype

from perno.core.inputs import moment_problem
from perno.mail import charsets, config
from perno.mail.sanitize import sanitise
from perno.search.documents import html_text

logger = logging.getLogger(__name__)

MAX_ATTACHMENTS = 50
MAX_TEXT = 1_000_000  # characters of a body kept
MAX_SUBJECT = 500
SUMMARY_HEADERS = (
    "Date",
    "From",
    "Sender",
    "Reply-To",
    "To",
    "Cc",
    "Subject",
    "Message-ID",
    "In-Reply-To",
    "Auto-Submitted",
    "Precedence",
    "List-Id",
    "X-Mailer",
    "User-Agent",
    "Return-Path",
    "Content-Type",
    "X-Loop",
)
# Attachments never stored: programs and scripts that run when opened.
BLOCKED_EXTENSIONS = {
    "exe",
    "scr",
    "bat",
    "cmd",
    "com",
    "pif",
    "vbs",
    "vbe",
    "js",
    "jse",
    "wsf",
    "wsh",
    "msi",
    "msp",
    "ps1",
    "jar",
    "hta",
    "lnk",
    "dll",
    "cpl",
    "reg",
}
BLOCKED_TYPES = {
    "application/x-msdownload",
    "application/x-executable",
    "application/x-elf",
    "application/x-mach-binary",
    "application/vnd.microsoft.portable-executable",
    "application/x-dosexec",
}
# Declared types whose bytes filetype recognises: a file declared so that it does not
# recognise is not what it says.
RECOGNISABLE = ("image/", "audio/", "video/", "application/pdf", "application/zip")
GENERIC_TYPES = {"application/octet-stream", "application/x-download", "binary/octet-stream"}
ALIASES = {
    "image/jpg": "image/jpeg",
    "image/pjpeg": "image/jpeg",
    "application/x-pdf": "application/pdf",
}
_MSGID = re.compile(r"<([^<>\s]{1,900})>")
_FILENAME_JUNK = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]+")


@dataclass
class ParsedAttachment:
    filename: str
    declared_type: str
    content_type: str
    data: bytes
    sha256: str
    content_id: str = ""
    inline: bool = False

    @property
    def size(self) -> int:
        return len(self.data)

    @property
    def mismatch(self) -> bool:
        declared = ALIASES.get(self.declared_type, self.declared_type)
        return declared not in GENERIC_TYPES and declared != self.content_type


@dataclass
class ParsedMessage:
    raw_size: int
    digest: str  # SHA-256 of the raw bytes
    message_id: str = ""
    in_reply_to: str = ""
    references: list[str] = field(default_factory=list)
    subject: str = ""
    from_address: str = ""
    from_name: str = ""
    reply_to: str = ""
    to: list[tuple[str, str]] = field(default_factory=list)  # (name, address)
    cc: list[tuple[str, str]] = field(default_factory=list)
    sent_at: datetime | None = None
    text: str = ""
    html: str = ""
    html_with_images: str = ""
    remote_images: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    auto_reply: bool = False
    bounce: bool = False
    no_acknowledgement: bool = False  # X-Auto-Response-Suppress asks for none
    loop_marks: list[str] = field(default_factory=list)  # X-Loop values, lower case
    attachments: list[ParsedAttachment] = field(default_factory=list)
    problems: list[dict[str, Any]] = field(default_factory=list)

    def note(self, code: str, **values: Any) -> None:
        entry = {"code": code, **values}
        if entry not in self.problems:
            self.problems.append(entry)

    @property
    def thread_ids(self) -> list[str]:
        """The ids this message answers, the nearest first (In-Reply-To, then the
        References from the last)."""
        ids = [self.in_reply_to] if self.in_reply_to else []
        ids += [ref for ref in reversed(self.references) if ref not in ids]
        return ids

    @property
    def root_id(self) -> str:
        """The id the conversation started with: the first reference, else the message
        answered, else this message's own id."""
        if self.references:
            return self.references[0]
        return self.in_reply_to or self.message_id


# --- headers ------------------------------------------------------------------------


def _raw_headers(message: Message) -> list[tuple[str, str]]:
    try:
        return [(str(name), str(value)) for name, value in message.raw_items()]  # type: ignore[attr-defined]
    except Exception:  # a header that cannot even be listed
        return []


def _decode_words(raw: str) -> str:
    """A header's text with RFC 2047 encoded words decoded, each in its charset."""
    raw = charsets.unsurrogate(raw)
    raw = re.sub(r"\r?\n[ \t]+", " ", raw)
    try:
        parts = email.header.decode_header(raw)
    except Exception:
        return charsets.clean(raw)
    out: list[str] = []
    for value, charset in parts:
        if isinstance(value, bytes):
            out.append(charsets.decode(value, charset).text)
        else:
            out.append(value)
    return charsets.clean("".join(out)).strip()


class Headers:
    def __init__(self, message: Message) -> None:
        self.items = _raw_headers(message)

    def all(self, name: str) -> list[str]:
        wanted = name.lower()
        return [value for key, value in self.items if key.lower() == wanted]

    def raw(self, name: str) -> str:
        found = self.all(name)
        return found[0] if found else ""

    def text(self, name: str) -> str:
        raw = self.raw(name)
        return _decode_words(raw) if raw else ""


def _address(value: str) -> str:
    value = value.strip().strip("<>").strip()
    if value.count("@") != 1 or len(value) > 254 or any(c.isspace() for c in value):
        return ""
    local, domain = value.split("@")
    if not local or "." not in domain or domain.startswith(".") or domain.endswith("."):
        return ""
    return f"{local}@{domain.lower()}"


def addresses(text: str) -> list[tuple[str, str]]:
    """(name, address) pairs of an address header's decoded text; what is not an
    address is left out."""
    if not text:
        return []
    try:
        pairs = email.utils.getaddresses([text], strict=False)
    except Exception:
        pairs = []
    found: list[tuple[str, str]] = []
    seen: set[str] = set()
    for name, address in pairs:
        clean_address = _address(address)
        if clean_address and clean_address.lower() not in seen:
            seen.add(clean_address.lower())
            found.append((charsets.clean(name.strip().strip('"'))[:200], clean_address))
    return found


def message_ids(text: str) -> list[str]:
    """The ids in a Message-ID, In-Reply-To or References header, without brackets."""
    found = _MSGID.findall(text or "")
    if not found and text and "@" in text and " " not in text.strip():
        found = [text.strip().strip("<>")]
    return list(dict.fromkeys(charsets.clean(f) for f in found))


def _date(text: str) -> datetime | None:
    if not text:
        return None
    try:
        moment = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        return None if moment_problem(moment) else moment
    except (OverflowError, ValueError):
        return None


# --- automatic mail -----------------------------------------------------------------


def _flags(parsed: ParsedMessage, headers: Headers, content_type: str) -> None:
    auto_submitted = headers.text("Auto-Submitted").lower()
    precedence = headers.text("Precedence").lower()
    return_path = headers.text("Return-Path").replace(" ", "")
    sender = parsed.from_address.split("@")[0].lower()
    parsed.bounce = bool(
        sender in {"mailer-daemon", "mailerdaemon"}
        or content_type == "multipart/report"
        or headers.raw("X-Failed-Recipients")
        or (sender == "postmaster" and return_path == "<>")
    )
    parsed.auto_reply = bool(
        (auto_submitted and not auto_submitted.startswith("no"))
        or precedence in {"bulk", "junk", "list", "auto_reply"}
        or headers.raw("X-Autoreply")
        or headers.raw("X-Autorespond")
        or headers.raw("X-Autoresponder")
        or return_path == "<>"  # a null sender: a machine's report (RFC 3834, 5321)
    )
    # The sender asks not to be answered automatically (Exchange, RFC 3834 practice).
    suppress = headers.text("X-Auto-Response-Suppress").lower()
    parsed.no_acknowledgement = bool(
        {"all", "autoreply", "oof"} & {p.strip() for p in suppress.split(",")}
    )
    parsed.loop_marks = [v.strip().lower() for v in map(_decode_words, headers.all("X-Loop"))]


# --- bodies and attachments -----------------------------------------------------------


def _filename(part: Message, position: int, content_type: str) -> str:
    name = ""
    try:
        name = part.get_filename() or ""
    except Exception:
        raw = part.get_param("filename", header="content-disposition") or part.get_param("name")
        name = str(raw or "")
    name = _decode_words(str(name))
    name = _FILENAME_JUNK.sub("_", name.replace("\\", "/").rsplit("/", 1)[-1]).strip(" ._")
    if not name:
        extension = {
            "message/rfc822": "eml",
            "text/plain": "txt",
            "text/html": "html",
            "text/calendar": "ics",
        }.get(content_type)
        guessed = filetype.get_type(mime=content_type)
        extension = extension or (guessed.extension if guessed else "bin")
        name = f"attachment-{position}.{extension}"
    return name[:255]


def _declared_type(part: Message) -> str:
    try:
        return part.get_content_type().lower()[:100]
    except Exception:
        return "application/octet-stream"


def _is_attachment(part: Message, content_type: str) -> bool:
    try:
        disposition = (part.get_content_disposition() or "").lower()
    except Exception:
        disposition = ""
    if disposition == "attachment":
        return True
    if content_type in {"text/plain", "text/html"}:
        try:
            return bool(part.get_filename()) and disposition != "inline"
        except Exception:
            return False
    return True


def _payload(part: Message) -> bytes:
    try:
        data = part.get_payload(decode=True)
    except Exception:
        data = None
    if isinstance(data, bytes):
        return data
    payload = part.get_payload()
    if isinstance(payload, str):
        return payload.encode("utf-8", "surrogateescape")
    return b""


def _encoded_size(part: Message) -> int:
    """How many bytes the part holds once decoded, without decoding it."""
    payload = part.get_payload()
    if not isinstance(payload, str):
        return 0
    encoding = str(part.get("Content-Transfer-Encoding", "")).lower().strip()
    if encoding != "base64":
        return len(payload)
    spaces = sum(payload.count(c) for c in "\r\n\t ")
    padding = payload.rstrip().count("=", max(len(payload.rstrip()) - 2, 0))
    return max((len(payload) - spaces) * 3 // 4 - padding, 0)


def _embedded(part: Message) -> bytes:
    """A message/rfc822 part (a forwarded message) as the bytes of a .eml file."""
    payload = part.get_payload()
    inner = payload[0] if isinstance(payload, list) and payload else None
    if isinstance(inner, Message):
        try:
            return inner.as_bytes(policy=email.policy.compat32)
        except Exception:
            try:
                return inner.as_string(policy=email.policy.compat32).encode("utf-8", "replace")
            except Exception:
                return b""
    return _payload(part)


def _detected_type(data: bytes, declared: str, filename: str) -> str:
    kind = filetype.guess(data[:8192]) if data else None
    if kind is not None:
        return str(kind.mime)
    declared = ALIASES.get(declared, declared)
    if declared.startswith(RECOGNISABLE):
        return "application/octet-stream"
    if declared.startswith("text/") and b"\x00" in data[:8192]:
        return "application/octet-stream"
    return declared


class _Walker:
    def __init__(self, parsed: ParsedMessage, marker: str = "") -> None:
        self.parsed = parsed
        self.marker = marker
        self.texts: list[str] = []
        self.htmls: list[str] = []
        self.position = 0
        self.limit = config.max_attachment_bytes()

    def walk(self, part: Message, depth: int = 0) -> None:
        if depth > 30:
            self.parsed.note("malformed", defects=["too deeply nested"])
            return
        content_type = _declared_type(part)
        if part.is_multipart() and content_type != "message/rfc822":
            payload = part.get_payload()
            for sub in payload if isinstance(payload, list) else []:
                if isinstance(sub, Message):
                    self.walk(sub, depth + 1)
            return
        omitted = self._omitted(part)
        if omitted is not None:
            self.position += 1
            name = _filename(part, self.position, content_type)
            self.parsed.note("attachment_too_large", name=name, size=omitted, limit=self.limit)
            return
        if content_type != "message/rfc822" and not _is_attachment(part, content_type):
            self._text(part, content_type)
            return
        self._attachment(part, content_type)

    def _omitted(self, part: Message) -> int | None:
        """The size of a part cut out before parsing (``_cut_oversized``), or None."""
        if not self.marker:
            return None
        payload = part.get_payload()
        if isinstance(payload, str) and payload.startswith(self.marker):
            size = payload[len(self.marker) :].split(None, 1)[0]
            return int(size) if size.isdecimal() else 0
        return None

    def _text(self, part: Message, content_type: str) -> None:
        data = _payload(part)
        charset = part.get_content_charset()
        decoded = charsets.decode(data, charset)
        if decoded.problem:
            self.parsed.note("charset", declared=(charset or "")[:40], used=decoded.charset)
        (self.htmls if content_type == "text/html" else self.texts).append(decoded.text)

    def _attachment(self, part: Message, content_type: str) -> None:
        self.position += 1
        name = _filename(part, self.position, content_type)
        if len(self.parsed.attachments) >= MAX_ATTACHMENTS:
            self.parsed.note("too_many_attachments", limit=MAX_ATTACHMENTS)
            return
        extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
        estimate = _encoded_size(part)
        if estimate > self.limit:
            self.parsed.note("attachment_too_large", name=name, size=estimate, limit=self.limit)
            return
        data = _embedded(part) if content_type == "message/rfc822" else _payload(part)
        if len(data) > self.limit:
            self.parsed.note("attachment_too_large", name=name, size=len(data), limit=self.limit)
            return
        if not data:
            self.parsed.note("attachment_empty", name=name)
            return
        detected = _detected_type(data, content_type, name)
        if extension in BLOCKED_EXTENSIONS or detected in BLOCKED_TYPES:
            self.parsed.note("attachment_blocked", name=name)
            return
        try:
            content_id = (message_ids(str(part.get("Content-ID", ""))) or [""])[0]
            disposition = (part.get_content_disposition() or "").lower()
        except Exception:
            content_id, disposition = "", ""
        attachment = ParsedAttachment(
            filename=name,
            declared_type=content_type,
            content_type=detected,
            data=data,
            sha256=hashlib.sha256(data).hexdigest(),
            content_id=content_id[:250],
            inline=disposition == "inline" and bool(content_id),
        )
        if attachment.mismatch:
            self.parsed.note("attachment_type", name=name, declared=content_type, detected=detected)
        self.parsed.attachments.append(attachment)


def _defects(message: Message) -> list[str]:
    names: list[str] = []
    try:
        for part in message.walk():
            for defect in getattr(part, "defects", []) or []:
                names.append(type(defect).__name__)
    except Exception:
        names.append("unreadable structure")
    return sorted(set(names))[:10]


# Defects that lose nothing worth telling the reader about.
HARMLESS_DEFECTS = {
    "NonASCIILocalPartDefect",
    "InvalidHeaderDefect",
    "ObsoleteHeaderDefect",
    "CloseBoundaryNotFoundDefect",
}


def _cut_oversized(raw: bytes, limit: int) -> tuple[bytes, str]:
    """Base64 parts larger than ``limit`` once decoded, replaced by a marker with their
    size before the MIME parser sees them: they would be left out anyway, and parsing
    them line by line takes seconds (a 50 MB attachment: 6 s, against 0.6 s here)."""
    if len(raw) <= limit:
        return raw, ""
    lines = max(limit * 4 // 3 // 80, 100)
    pattern = re.compile(rb"(?:[A-Za-z0-9+/=]{40,100}\r?\n){%d,}" % lines)
    marker = f"PERNO-OMITTED-{secrets.token_hex(8)}:"
    parts: list[bytes] = []
    last = 0
    for found in pattern.finditer(raw):
        blob = found.group(0)
        tail = blob.rstrip()[-2:]
        size = (len(blob) - blob.count(b"\n") - blob.count(b"\r")) * 3 // 4 - tail.count(b"=")
        if size <= limit:
            continue
        parts += [raw[last : found.start()], f"{marker}{size}\r\n".encode()]
        last = found.end()
    if not parts:
        return raw, ""
    return b"".join([*parts, raw[last:]]), marker


def parse(raw: bytes) -> ParsedMessage:
    """Read one message. Never raises for bad input."""
    parsed = ParsedMessage(raw_size=len(raw), digest=hashlib.sha256(raw).hexdigest())
    try:
        readable, marker = _cut_oversized(raw, config.max_attachment_bytes())
        message = email.message_from_bytes(readable, policy=email.policy.compat32)
        headers = Headers(message)
        _read_headers(parsed, headers)
        walker = _Walker(parsed, marker)
        walker.walk(message)
        _bodies(parsed, walker)
        _flags(parsed, headers, _declared_type(message))
        defects = [d for d in _defects(message) if d not in HARMLESS_DEFECTS]
        if defects:
            parsed.note("malformed", defects=defects)
    except Exception as exc:  # the last resort: the bytes as text
        logger.info("mail: a message could not be read as MIME (%s)", type(exc).__name__)
        parsed.note("unreadable")
        parsed.text = parsed.text or charsets.decode(raw[:MAX_TEXT], None).text
    return parsed


def parse_headers(raw: bytes, size: int) -> ParsedMessage:
    """Only the headers of a message too large to download: the message is recorded,
    with a note that its body and attachments were left on the server."""
    parsed = ParsedMessage(raw_size=size, digest=hashlib.sha256(raw).hexdigest())
    try:
        message = email.message_from_bytes(raw, policy=email.policy.compat32)
        headers = Headers(message)
        _read_headers(parsed, headers)
        _flags(parsed, headers, _declared_type(message))
    except Exception:
        parsed.note("unreadable")
    parsed.note("message_too_large", size=size)
    return parsed


def _read_headers(parsed: ParsedMessage, headers: Headers) -> None:
    ids = message_ids(headers.raw("Message-ID"))
    parsed.message_id = ids[0][:250] if ids else ""
    replied = message_ids(headers.raw("In-Reply-To"))
    parsed.in_reply_to = replied[0][:250] if replied else ""
    parsed.references = [r[:250] for r in message_ids(" ".join(headers.all("References")))][-50:]
    parsed.subject = headers.text("Subject")[:MAX_SUBJECT]
    sender = addresses(headers.text("From")) or addresses(headers.text("Sender"))
    if sender:
        parsed.from_name, parsed.from_address = sender[0]
    reply_to = addresses(headers.text("Reply-To"))
    parsed.reply_to = reply_to[0][1] if reply_to else ""
    parsed.to = addresses(headers.text("To"))[:100]
    parsed.cc = addresses(headers.text("Cc"))[:100]
    parsed.sent_at = _date(headers.text("Date"))
    parsed.headers = {
        name: headers.text(name)[:500] for name in SUMMARY_HEADERS if headers.raw(name)
    }


def _bodies(parsed: ParsedMessage, walker: _Walker) -> None:
    html = "\n".join(h for h in walker.htmls if h.strip())
    if html:
        safe = sanitise(html[:MAX_TEXT])
        parsed.html, parsed.html_with_images = safe.html, safe.with_images
        parsed.remote_images = safe.remote_images
    text = "\n\n".join(t.strip("\r\n") for t in walker.texts if t.strip())
    if not text and html:
        text = html_text(html)
    text = re.sub(r"\r\n?", "\n", text)
    parsed.text = charsets.clean(text[:MAX_TEXT])
