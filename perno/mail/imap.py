"""The IMAP side of a mailbox: connect over TLS (implicit TLS, usually port 993, or
STARTTLS; never in clear), log in, open the folder, list the UIDs above the last one
imported and fetch the messages in batches. Standard library ``imaplib`` only.

Certificates are verified against the system's authorities, plus the file named by
``PERNO_MAIL_CA_FILE`` when set (a company's own authority; the tests' server).

Every failure becomes a ``MailboxError`` with a code the mailbox page explains in the
user's language (``perno.mail.models.ERRORS``) and the server's own words as detail.
``retry``: whether trying again later may help (a server down or restarted) or a person
must act first (a wrong password, a missing folder)."""

from __future__ import annotations

import imaplib
import re
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings

BATCH_BYTES = 16 * 1024 * 1024  # at most about this much per FETCH
_UID = re.compile(rb"UID (\d+)")
_SIZE = re.compile(rb"RFC822\.SIZE (\d+)")
_UIDVALIDITY = re.compile(rb"UIDVALIDITY (\d+)")


class MailboxError(Exception):
    """A mailbox could not be read or written: ``code`` names the kind of failure."""

    def __init__(self, code: str, detail: str = "", *, retry: bool = True) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail[:500]
        self.retry = retry


@dataclass(frozen=True)
class ImapSettings:
    host: str
    port: int
    security: str  # "tls" (implicit) or "starttls"
    username: str
    password: str
    folder: str = "INBOX"
    timeout: float = 60.0


def tls_context() -> ssl.SSLContext:
    """Certificates verified (the system's authorities and ``PERNO_MAIL_CA_FILE``),
    TLS 1.2 at least."""
    context = ssl.create_default_context()
    ca_file = getattr(settings, "PERNO_MAIL_CA_FILE", "") or ""
    if ca_file:
        context.load_verify_locations(cafile=ca_file)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, (list, tuple)):
        return " ".join(_text(v) for v in value)
    return str(value)


def network_error(exc: BaseException) -> MailboxError:
    """The code of a failure to reach or talk to a server (IMAP or SMTP)."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        return MailboxError("certificate", str(exc.verify_message or exc), retry=False)
    if isinstance(exc, ssl.SSLError):
        return MailboxError("tls", str(exc))
    if isinstance(exc, socket.gaierror):
        return MailboxError("dns", str(exc))
    if isinstance(exc, (TimeoutError, socket.timeout)):
        return MailboxError("timeout", str(exc))
    if isinstance(exc, ConnectionRefusedError):
        return MailboxError("refused", str(exc))
    return MailboxError("connect", str(exc) or type(exc).__name__)


class Session:
    """A logged-in IMAP connection with the mailbox's folder selected."""

    def __init__(self, connection: imaplib.IMAP4, folder: str) -> None:
        self.connection = connection
        self.folder = folder
        self.uidvalidity = 0
        self.uidnext = 0  # 0: not told
        self.exists = 0

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        try:
            self.connection.logout()
        except Exception:  # already gone: nothing to close
            try:
                self.connection.shutdown()
            except Exception:  # nothing left to shut
                return

    def _call(self, *command: Any) -> list[Any]:
        try:
            status, data = self.connection.uid(*command)
        except imaplib.IMAP4.abort as exc:
            raise MailboxError("connect", _text(exc.args)) from exc
        except imaplib.IMAP4.error as exc:
            raise MailboxError("protocol", _text(exc.args)) from exc
        except OSError as exc:
            raise network_error(exc) from exc
        if status != "OK":
            raise MailboxError("protocol", _text(data))
        return list(data or [])

    def select(self) -> int:
        """Open the folder read-only; return its UIDVALIDITY."""
        try:
            status, data = self.connection.select(_quoted(self.folder), readonly=True)
        except imaplib.IMAP4.abort as exc:
            raise MailboxError("connect", _text(exc.args)) from exc
        except imaplib.IMAP4.error as exc:
            raise MailboxError("folder", _text(exc.args), retry=False) from exc
        except OSError as exc:
            raise network_error(exc) from exc
        if status != "OK":
            raise MailboxError("folder", _text(data), retry=False)
        self.exists = int(_text(data[0]) or 0) if data and data[0] else 0
        found = self.connection.response("UIDVALIDITY")[1]
        value = _text(found[0]) if found and found[0] else ""
        if not value.isdecimal():
            raise MailboxError("protocol", "the server sent no UIDVALIDITY")
        self.uidvalidity = int(value)
        following = self.connection.response("UIDNEXT")[1]
        after = _text(following[0]) if following and following[0] else ""
        self.uidnext = int(after) if after.isdecimal() else 0
        return self.uidvalidity

    def uids_after(self, last_uid: int) -> list[int]:
        """The UIDs above ``last_uid``, ascending."""
        if self.exists == 0:
            return []
        data = self._call("SEARCH", None, f"UID {last_uid + 1}:*")
        found = sorted({int(u) for u in _text(data[0] if data else b"").split() if u.isdecimal()})
        return [uid for uid in found if uid > last_uid]

    def sizes(self, uids: list[int]) -> dict[int, int]:
        sizes: dict[int, int] = {}
        for start in range(0, len(uids), 500):
            chunk = uids[start : start + 500]
            for item in self._call("FETCH", _set(chunk), "(UID RFC822.SIZE)"):
                line = item[0] if isinstance(item, tuple) else item
                if not isinstance(line, bytes):
                    continue
                uid, size = _UID.search(line), _SIZE.search(line)
                if uid and size:
                    sizes[int(uid.group(1))] = int(size.group(1))
        return sizes

    def fetch(self, uids: list[int], part: str = "BODY.PEEK[]") -> Iterator[tuple[int, bytes]]:
        """(uid, bytes) of each message, in the order asked (a UID expunged meanwhile
        is skipped)."""
        found: dict[int, bytes] = {}
        for item in self._call("FETCH", _set(uids), f"(UID {part})"):
            if isinstance(item, tuple) and len(item) >= 2:
                number = _UID.search(item[0])
                if number and isinstance(item[1], bytes):
                    found[int(number.group(1))] = item[1]
        for uid in uids:
            if uid in found:
                yield uid, found[uid]


def _quoted(folder: str) -> str:
    escaped = folder.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def _set(uids: list[int]) -> str:
    return ",".join(str(uid) for uid in uids)


def batches(uids: list[int], sizes: dict[int, int], limit: int, count: int) -> Iterator[list[int]]:
    """``uids`` under ``limit`` bytes in FETCH batches of at most ``count`` messages and
    about ``BATCH_BYTES``."""
    batch: list[int] = []
    total = 0
    for uid in uids:
        size = sizes.get(uid, 0)
        if size > limit:
            continue
        if batch and (len(batch) >= count or total + size > BATCH_BYTES):
            yield batch
            batch, total = [], 0
        batch.append(uid)
        total += size
    if batch:
        yield batch


def connect(options: ImapSettings) -> Session:
    """Connect, secure, log in and select the folder; ``MailboxError`` otherwise."""
    context = tls_context()
    try:
        if options.security == "tls":
            connection: imaplib.IMAP4 = imaplib.IMAP4_SSL(
                options.host, options.port, ssl_context=context, timeout=options.timeout
            )
        else:
            connection = imaplib.IMAP4(options.host, options.port, timeout=options.timeout)
            try:
                connection.starttls(ssl_context=context)
            except imaplib.IMAP4.error as exc:
                connection.shutdown()
                raise MailboxError("starttls", _text(exc.args), retry=False) from exc
    except MailboxError:
        raise
    except imaplib.IMAP4.error as exc:
        raise MailboxError("connect", _text(exc.args)) from exc
    except OSError as exc:
        raise network_error(exc) from exc
    try:
        connection.login(options.username, options.password)
    except imaplib.IMAP4.abort as exc:
        connection.shutdown()
        raise MailboxError("connect", _text(exc.args)) from exc
    except imaplib.IMAP4.error as exc:
        connection.shutdown()
        raise MailboxError("auth", _text(exc.args), retry=False) from exc
    except OSError as exc:
        raise network_error(exc) from exc
    session = Session(connection, options.folder)
    try:
        session.select()
    except MailboxError:
        session.close()
        raise
    return session
