"""Text inside documents: every supported type is extracted in the background task,
chunked, indexed and found with a snippet; scans, damaged and protected files are
recorded with a reason and block nothing."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import docx as python_docx
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from fpdf import FPDF
from openpyxl import Workbook
from pypdf import PdfReader, PdfWriter

from perno.activities.services import attachment_delete, comment_create
from perno.contacts.services import company_create
from perno.search import engine
from perno.search.models import DocumentText, SearchEntry

pytestmark = pytest.mark.django_db


def pdf(text: str | None) -> bytes:

    document = FPDF()
    document.add_page()
    if text:
        document.set_font("helvetica", size=12)
        document.multi_cell(0, 8, text)
    else:
        document.rect(10, 10, 100, 140, style="F")  # a picture, no text layer
    return bytes(document.output())


def encrypted_pdf() -> bytes:

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf("riservatissimo segreto"))))
    writer.encrypt("password-utente")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def docx(text: str) -> bytes:

    document = python_docx.Document()
    document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def xlsx(text: str) -> bytes:

    book = Workbook()
    book.active.append(["Codice", text])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def odt(text: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text")
        archive.writestr(
            "content.xml",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
            'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:text>'
            f"<text:p>{text}</text:p></office:text></office:body></office:document-content>",
        )
        archive.writestr(
            "META-INF/manifest.xml",
            '<?xml version="1.0"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"/>',
        )
    return out.getvalue()


def eml(text: str) -> bytes:
    return (
        "From: Ana Pop <ana@client.ro>\r\nTo: vendite@perno.example\r\n"
        "Subject: Ofertă pentru depozit\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        f"Bună ziua,\r\n{text}\r\n"
    ).encode()


FILES = {
    "offerta.pdf": (pdf("Offerta per la fornitura di pannelli fotovoltaici"), "fotovoltaici"),
    "contratto.docx": (docx("Il contratto prevede la manutenzione semestrale"), "semestrale"),
    "listino.xlsx": (xlsx("compressore rotativo"), "rotativo"),
    "verbale.odt": (odt("Verbale della riunione sul magazzino di Ploiești"), "ploiesti"),
    "note.txt": (
        b"Appunti: richiamare per il preventivo del carrello elevatore",
        "elevatore",
    ),
    "pagina.html": (
        b"<html><head><style>.x{}</style></head><body><p>Catalogo <b>serramenti</b> 2026</p>"
        b"<script>var nascosto = 1;</script></body></html>",
        "serramenti",
    ),
    "mail.eml": (eml("vă trimitem oferta pentru rafturi metalice"), "rafturi"),
}


@pytest.fixture
def company(admin_user: Any) -> Any:
    return company_create(actor=admin_user, data={"name": "Documenti Srl"})


def attach(actor: Any, target: Any, name: str, data: bytes, capture: Any) -> Any:
    with capture(execute=True):
        comment = comment_create(
            actor=actor, target=target, body="allegato", files=[SimpleUploadedFile(name, data)]
        )
    return comment.attachments.get()


@pytest.mark.parametrize("name", sorted(FILES))
def test_text_inside_each_type_is_found_with_a_snippet(
    admin_user, company, name, django_capture_on_commit_callbacks
):
    data, word = FILES[name]
    attachment = attach(admin_user, company, name, data, django_capture_on_commit_callbacks)
    state = DocumentText.objects.get(attachment=attachment)
    assert state.status == DocumentText.Status.DONE, state.reason
    hits = [h for h in engine.search(admin_user, word).hits if h.type == "document"]
    assert [h.id for h in hits] == [attachment.pk]
    assert "<mark>" in hits[0].snippet and hits[0].title == name
    assert hits[0].subtitle == "on Documenti Srl"
    if name == "pagina.html":
        assert engine.search(admin_user, "nascosto").hits == []  # scripts are not text


def test_the_file_name_is_findable_before_extraction(admin_user, company):
    with_name = comment_create(
        actor=admin_user,
        target=company,
        body="x",
        files=[SimpleUploadedFile("planimetria-capannone.txt", b"contenuto")],
    ).attachments.get()  # on_commit not run: the extraction has not happened yet
    assert DocumentText.objects.get(attachment=with_name).status == DocumentText.Status.PENDING
    assert [
        h.id for h in engine.search(admin_user, "planimetria").hits if h.type == "document"
    ] == [with_name.pk]
    assert engine.search(admin_user, "contenuto").hits == []


def test_long_documents_are_chunked_and_each_chunk_found(
    admin_user, company, django_capture_on_commit_callbacks
):
    paragraphs = [f"Paragrafo {n} " + "testo di riempimento " * 20 for n in range(12)]
    paragraphs[9] += " clausola penale unica"
    data = "\n\n".join(paragraphs).encode()
    attachment = attach(admin_user, company, "lungo.txt", data, django_capture_on_commit_callbacks)
    state = DocumentText.objects.get(attachment=attachment)
    assert state.chunks > 3
    assert (
        SearchEntry.objects.filter(kind="document", object_id=attachment.pk).count() == state.chunks
    )
    hit = engine.search(admin_user, "clausola penale").hits[0]
    assert hit.id == attachment.pk and hit.chunk > 0 and "<mark>clausola</mark>" in hit.snippet


@pytest.mark.parametrize(
    ("name", "data", "status", "reason"),
    [
        ("scansione.pdf", pdf(None), DocumentText.Status.NO_TEXT, "no text layer"),
        ("rotto.pdf", b"%PDF-1.7\n" + b"\x00garbage" * 50, DocumentText.Status.FAILED, "damaged"),
        ("protetto.pdf", encrypted_pdf(), DocumentText.Status.FAILED, "password"),
        ("rotto.docx", None, DocumentText.Status.FAILED, "damaged"),
        ("foto.png", None, DocumentText.Status.UNSUPPORTED, "No text is read"),
    ],
)
def test_scans_damaged_and_protected_files_are_recorded_not_raised(
    admin_user, company, name, data, status, reason, django_capture_on_commit_callbacks
):
    if name == "rotto.docx":
        good = docx("x")
        data = good[:200] + b"\x00" * 200 + good[400:]  # a zip with a broken member
    if name == "foto.png":
        data = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100
    attachment = attach(admin_user, company, name, data, django_capture_on_commit_callbacks)
    state = DocumentText.objects.get(attachment=attachment)
    assert state.status == status
    assert reason in state.reason
    # The file stays findable by its name, and the next file is processed normally.
    assert attachment.pk in [h.id for h in engine.search(admin_user, name.split(".")[0]).hits]
    after = attach(
        admin_user, company, "dopo.txt", b"successivo normale", django_capture_on_commit_callbacks
    )
    assert DocumentText.objects.get(attachment=after).status == DocumentText.Status.DONE


def test_a_deleted_document_disappears(admin_user, company, django_capture_on_commit_callbacks):
    attachment = attach(
        admin_user,
        company,
        "via.txt",
        b"documento da cancellare",
        django_capture_on_commit_callbacks,
    )
    assert engine.search(admin_user, "cancellare").hits
    attachment_delete(actor=admin_user, attachment=attachment)
    assert engine.search(admin_user, "cancellare").hits == []
    assert not SearchEntry.objects.filter(kind="document", object_id=attachment.pk).exists()
