"""Attachment checks: size and type, decided by the file's bytes, not its name."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

# Detected by magic bytes.
BINARY_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "png": "image/png",
    "jpg": "image/jpeg",
    "gif": "image/gif",
    "webp": "image/webp",
}
# Accepted when the bytes are valid UTF-8 text (no magic number exists for these).
TEXT_TYPES = {
    "txt": "text/plain",
    "csv": "text/csv",
    "eml": "message/rfc822",
    "md": "text/markdown",
    "html": "text/html",
    "htm": "text/html",
}
ALLOWED_HUMAN = "PDF, DOCX, XLSX, PPTX, ODT, ODS, PNG, JPEG, GIF, WebP, TXT, CSV, EML, HTML"


@dataclass
class CheckedFile:
    content_type: str
    size: int
    sha256: str


def check_upload(upload: UploadedFile) -> CheckedFile:
    limit = settings.PERNO_ATTACHMENT_MAX_BYTES
    name = upload.name or "file"
    if upload.size is None or upload.size > limit:
        raise ValidationError(
            _(
                "“%(name)s” is %(size)s; attachments may be at most %(limit)s. Compress it or share a smaller file."
            )
            % {
                "name": name,
                "size": filesizeformat(upload.size or 0),
                "limit": filesizeformat(limit),
            },
            code="too_large",
        )
    if upload.size == 0:
        raise ValidationError(_("“%(name)s” is empty.") % {"name": name}, code="empty")
    digest = hashlib.sha256()
    head = b""
    for chunk in upload.chunks():
        if len(head) < 8192:
            head += chunk[: 8192 - len(head)]
        digest.update(chunk)
    upload.seek(0)
    kind = filetype.guess(head)
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if kind is not None and kind.extension in BINARY_TYPES:
        content_type = BINARY_TYPES[kind.extension]
    elif kind is None and extension in TEXT_TYPES and _is_text(upload):
        content_type = TEXT_TYPES[extension]
    else:
        detected = kind.extension.upper() if kind else _("unknown binary data")
        raise ValidationError(
            _(
                "“%(name)s” is not an accepted file type (its content is %(detected)s). Accepted: %(allowed)s."
            )
            % {"name": name, "detected": detected, "allowed": ALLOWED_HUMAN},
            code="bad_type",
        )
    return CheckedFile(content_type=content_type, size=upload.size, sha256=digest.hexdigest())


def _is_text(upload: UploadedFile) -> bool:
    try:
        for chunk in upload.chunks():
            if b"\x00" in chunk:
                return False
            chunk.decode("utf-8")
    except UnicodeDecodeError:
        return False
    finally:
        upload.seek(0)
    return True
