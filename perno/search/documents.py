"""Text inside documents. After an attachment is stored, a background task extracts its
text, splits it into chunks and indexes them (``indexer.index_document``); the file's
name is findable at once. Each outcome is recorded in ``DocumentText``:

- done: the text is indexed (characters and chunks counted);
- no text: a PDF without a text layer (a scan) or an empty file;
- failed: damaged or password-protected files, with the reason;
- unsupported: images and other types no text is read from.

A failure never raises out of the task, so one bad file blocks nothing else.

Libraries: pypdf (PDF), python-docx (DOCX), openpyxl in read-only mode (XLSX), the
standard ``zipfile`` with defusedxml for OpenDocument and PPTX, the standard ``email``
package for .eml and ``html.parser`` for HTML.
"""

from __future__ import annotations

import email
import email.policy
import io
import logging
import zipfile
import zlib
from html.parser import HTMLParser
from typing import Any

import docx
from defusedxml import ElementTree
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from pypdf import PdfReader
from pypdf.errors import PdfReadError

from perno.search import indexer
from perno.search.models import DocumentText
from perno.search.registry import sources
from perno.search.tasks import extract_document_task

logger = logging.getLogger(__name__)

MAX_CHARS = 2_000_000  # text beyond this is not indexed (noted in the reason)


class Unreadable(Exception):
    """The file cannot be read; the message says why, for the user."""


class _Text(HTMLParser):
    SKIP = {"script", "style", "head", "title", "noscript"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in self.SKIP:
            self._skip += 1
        elif tag in {"p", "br", "div", "li", "tr", "h1", "h2", "h3", "h4", "td"}:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def html_text(markup: str) -> str:
    parser = _Text()
    parser.feed(markup)
    parser.close()
    return " ".join("".join(parser.parts).split(" "))


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def pdf_text(data: bytes) -> str:

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise Unreadable(_("The PDF is protected by a password, so its text cannot be read."))
        return "\n".join(page.extract_text() or "" for page in reader.pages)
    except Unreadable:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        if "decrypt" in str(exc).lower() or "encrypt" in str(exc).lower():
            raise Unreadable(
                _("The PDF is protected by a password, so its text cannot be read.")
            ) from exc
        raise Unreadable(
            _("The PDF is damaged and cannot be read (%(error)s).") % {"error": exc}
        ) from exc


def docx_text(data: bytes) -> str:

    document = docx.Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.append(" ".join(cell.text for cell in row.cells))
    return "\n".join(parts)


def xlsx_text(data: bytes) -> str:

    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    parts: list[str] = []
    try:
        for sheet in book.worksheets:
            parts.append(sheet.title)
            for row in sheet.iter_rows(values_only=True):
                cells = [str(v) for v in row if v is not None and str(v).strip()]
                if cells:
                    parts.append(" ".join(cells))
    finally:
        book.close()
    return "\n".join(parts)


def zipped_xml_text(data: bytes, members: tuple[str, ...]) -> str:
    """Text nodes of the XML parts of an OpenDocument or PPTX file, one paragraph per
    line (defusedxml refuses entity expansion attacks)."""

    parts: list[str] = []
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = [n for n in archive.namelist() if n in members or n.startswith(members)]
        for name in sorted(names):
            if not name.endswith(".xml"):
                continue
            root = ElementTree.fromstring(archive.read(name))
            for element in root.iter():
                tag = element.tag.rsplit("}", 1)[-1]
                if tag in {"p", "h"}:
                    parts.append("".join(element.itertext()))
    return "\n".join(parts)


def eml_text(data: bytes) -> str:
    message = email.message_from_bytes(data, policy=email.policy.default)
    parts = [
        f"{name}: {message[name]}"
        for name in ("From", "To", "Cc", "Subject", "Date")
        if message[name]
    ]
    body = message.get_body(preferencelist=("plain", "html"))  # type: ignore[attr-defined]
    if body is not None:
        content = body.get_content()
        parts.append(html_text(content) if body.get_content_type() == "text/html" else content)
    for part in message.iter_attachments():  # type: ignore[attr-defined]
        filename = part.get_filename()
        if filename:
            parts.append(filename)
    return "\n".join(parts)


EXTRACTORS = {
    "application/pdf": pdf_text,
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": docx_text,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": xlsx_text,
    "application/vnd.oasis.opendocument.text": lambda d: zipped_xml_text(d, ("content.xml",)),
    "application/vnd.oasis.opendocument.spreadsheet": lambda d: zipped_xml_text(
        d, ("content.xml",)
    ),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": lambda d: (
        zipped_xml_text(d, ("ppt/slides/",))
    ),
    "message/rfc822": eml_text,
    "text/html": lambda d: html_text(_decode(d)),
    "text/plain": _decode,
    "text/csv": _decode,
    "text/markdown": _decode,
}


def text_of(content_type: str, data: bytes) -> str:
    """The text of a file; raises Unreadable with the reason."""
    extractor = EXTRACTORS[content_type]
    try:
        return extractor(data)
    except Unreadable:
        raise
    except (
        zipfile.BadZipFile,
        zlib.error,
        EOFError,
        KeyError,
        ValueError,
        OSError,
        TypeError,
        AttributeError,
    ) as exc:
        raise Unreadable(
            _("The file is damaged or not in the format its type says (%(error)s).")
            % {"error": exc}
        ) from exc
    except Exception as exc:  # a parser's own error type: recorded, never raised
        raise Unreadable(_("The file could not be read (%(error)s).") % {"error": exc}) from exc


def queue(attachment: Any) -> None:
    """A new attachment: findable by its name at once, its text after extraction."""
    DocumentText.objects.update_or_create(
        attachment=attachment,
        defaults={
            "status": DocumentText.Status.PENDING,
            "reason": "",
            "updated_at": timezone.now(),
        },
    )
    indexer.index_document(attachment, [""])
    pk = attachment.pk
    transaction.on_commit(lambda: _start(pk))


def _start(attachment_id: int) -> None:

    extract_document_task.delay(attachment_id)


def extract(attachment_id: int) -> DocumentText | None:
    """Extract, chunk and index one attachment's text; record the outcome."""
    attachment_model: Any = sources()["document"].model  # registered by the app owning files
    attachment = (
        attachment_model._default_manager.select_related("comment").filter(pk=attachment_id).first()
    )
    if attachment is None:
        return None
    state, _created = DocumentText.objects.get_or_create(attachment=attachment)
    status, reason, text = DocumentText.Status.DONE, "", ""
    if attachment.content_type not in EXTRACTORS:
        status = DocumentText.Status.UNSUPPORTED
        reason = _("No text is read from %(type)s files.") % {"type": attachment.content_type}
    else:
        try:
            with attachment.file.open("rb") as handle:
                data = handle.read()
            text = text_of(attachment.content_type, data).replace("\x00", " ").strip()
        except Unreadable as exc:
            status, reason = DocumentText.Status.FAILED, str(exc)[:300]
        except OSError as exc:
            status = DocumentText.Status.FAILED
            reason = (_("The stored file could not be opened (%(error)s).") % {"error": exc})[:300]
        if status == DocumentText.Status.DONE and not text:
            status = DocumentText.Status.NO_TEXT
            reason = _(
                "The file has no text layer (a scanned image?); only its name is searchable."
            )
        if len(text) > MAX_CHARS:
            reason = _("Only the first %(n)s characters are searchable.") % {"n": MAX_CHARS}
            text = text[:MAX_CHARS]
    parts = indexer.chunks(text) if text else []
    with transaction.atomic():
        if not attachment_model._default_manager.filter(pk=attachment_id).exists():
            return None  # deleted meanwhile
        indexer.index_document(attachment, parts or [""])
        state.status = status
        state.reason = reason
        state.chars = len(text)
        state.chunks = len(parts)
        state.updated_at = timezone.now()
        state.save()
    if status == DocumentText.Status.FAILED:
        logger.info("document %s: %s", attachment_id, reason)
    return state
