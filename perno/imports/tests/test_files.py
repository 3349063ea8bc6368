"""Reading import files: CSV in every encoding Italian and Romanian spreadsheets save,
with its delimiter found; XLSX (dates, numbers, sheets, formulas never evaluated); vCard
2.1, 3.0 and 4.0; and every bad file refused with a message that says how to fix it
(corrupt or password-protected workbook, zip bomb, over the size limit, wrong encoding,
NUL bytes, empty or repeated headers, no data rows). No database."""

from __future__ import annotations

import datetime
import io
import struct
import zipfile

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook

from perno.imports import formats
from perno.imports.files import ROW, FileProblem, read_table, safe_cell

# Romanian with the cedilla letters the single-byte code pages hold (ş ţ), and the
# comma-below ones (ș ț) of Unicode text.
ROMANIAN = (
    "Nume;Prenume;Localitate;Județ;Note\n"
    "Popescu;Ștefan;București;Ilfov;„Vă mulțumim” – 100 €\n"
    'Țăranu;Ioana;Brăila;Brăila;"adresă pe\ndouă rânduri; cu punct și virgulă"\n'
    "Ionescu;Mădălina;Târgu Mureș;Mureș;Îmi place\n"
)
ROMANIAN_CEDILLA = ROMANIAN.replace("ș", "ş").replace("ț", "ţ").replace("Ș", "Ş").replace("Ț", "Ţ")
ITALIAN = (
    "Cognome,Nome,Città,Note\n"
    "Rossi,Niccolò,Forlì,perché sì\n"
    'Bianchi,Luca,Cantù,"è già là, più giù – 100 €"\n'
    "D'Àlessio,Ilaria,Orbetello,Così è (se vi pare)\n"
)


def _read(text_or_bytes: str | bytes, name: str = "data.csv", **kwargs):
    content = text_or_bytes.encode() if isinstance(text_or_bytes, str) else text_or_bytes
    return read_table(name, content, **kwargs)


def _problem(content: bytes, name: str = "data.csv") -> FileProblem:
    with pytest.raises(FileProblem) as info:
        read_table(name, content)
    return info.value


# CSV: encodings and delimiters --------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "encoding", "reported"),
    [
        (ROMANIAN, "utf-8", "UTF-8"),
        (ROMANIAN, "utf-8-sig", "UTF-8 (BOM)"),
        (ROMANIAN, "utf-16", "UTF-16"),
        (ROMANIAN_CEDILLA, "cp1250", "Windows-1250"),
        # ISO-8859-2 writes these letters with the same bytes as Windows-1250: either name
        # gives the same text.
        (
            ROMANIAN_CEDILLA.replace("„", '"').replace("”", '"').replace(" – 100 €", ""),
            "iso8859_2",
            None,
        ),
        (ITALIAN, "utf-8", "UTF-8"),
        (ITALIAN, "utf-8-sig", "UTF-8 (BOM)"),
        (ITALIAN, "utf-16-le", "UTF-16"),
        (ITALIAN, "cp1252", "Windows-1252"),
    ],
)
def test_every_encoding_reads_the_same_text(text, encoding, reported):
    content = text.encode(encoding)
    if encoding == "utf-16-le":
        content = b"\xff\xfe" + content  # what Excel's "Unicode text" writes
    table = read_table("clienti.csv", content)
    expected = read_table("clienti.csv", text.encode("utf-8"))
    assert table.headers == expected.headers
    assert table.rows == expected.rows
    assert reported is None or table.encoding == reported
    assert table.format == "csv"


def test_iso_8859_2_is_read_when_windows_1250_cannot():
    # 0x8A is Š in Windows-1250 but a control character in ISO-8859-2; 0xA9 is © / Š.
    text = "Nume,Oraș\nŠerban,Timişoara\n".replace("ș", "ş")
    table = read_table("a.csv", text.encode("iso8859_2"))
    assert table.rows == [["Šerban", "Timişoara"]]


def test_romanian_in_windows_1250_is_not_read_as_windows_1252():
    table = read_table("a.csv", "Nume;Oraş\nŢăranu;Bucureşti\n".encode("cp1250"))
    assert table.rows == [["Ţăranu", "Bucureşti"]]
    assert table.encoding == "Windows-1250"


def test_a_single_byte_file_with_a_pair_that_is_also_utf8():
    # "Ăş" in Windows-1250 is C3 BA, which UTF-8 reads as "ú".
    text = "Nume;Localitate;Note\nŢăranu;Brăila;ĂŞ şi Ăş\nPopescu;Bucureşti;Târgu Mureş\n"
    table = read_table("a.csv", text.encode("cp1250"))
    assert table.rows[0] == ["Ţăranu", "Brăila", "ĂŞ şi Ăş"] and table.encoding == "Windows-1250"


def test_italian_in_windows_1252_is_not_read_as_windows_1250():
    table = read_table("a.csv", "Nome;Città\nNiccolò;Forlì\nPerché;Più\n".encode("cp1252"))
    assert table.rows == [["Niccolò", "Forlì"], ["Perché", "Più"]]
    assert table.encoding == "Windows-1252"


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimiter_is_detected_and_quotes_hold_it_and_newlines(delimiter):
    d = delimiter
    content = (
        f"name{d}city{d}notes\n"
        f'Rossi{d}Roma{d}"one{d} two\nand a second line"\n'
        f"Bianchi{d}Milano{d}\n"
        "\n"
        f"Verdi{d}Napoli{d}ok\n"
    )
    table = _read(content)
    assert table.delimiter == delimiter
    assert table.headers == ["name", "city", "notes"]
    assert table.rows == [
        ["Rossi", "Roma", f"one{d} two\nand a second line"],
        ["Bianchi", "Milano", ""],
        ["Verdi", "Napoli", "ok"],
    ]
    # Each row's first line in the file: the quoted newline and the blank line count.
    assert table.lines == [2, 4, 6]
    assert table.line_of(2) == 6


def test_excels_sep_line_names_the_delimiter():
    table = _read("sep=;\nname;note\nRossi;a,b,c\n")
    assert table.delimiter == ";" and table.headers == ["name", "note"]
    assert table.rows == [["Rossi", "a,b,c"]] and table.lines == [3]


def test_too_many_columns(settings):
    settings.PERNO_IMPORT_MAX_COLUMNS = 5
    assert _problem(b"a,b,c,d,e,f\n1,2,3,4,5,6\n").code == "too_many_columns"
    content = _workbook(tuple("abcdef"), tuple(range(6)))
    assert _problem(content, "x.xlsx").code == "too_many_columns"
    assert len(_read(b"a,b,c,d,e\n1,2,3,4,5\n").headers) == 5


def test_a_cell_starting_like_a_formula_is_data_in_a_csv():
    table = _read('name,note\nRossi,=HYPERLINK("http://evil")\nBianchi,+39 333\n')
    assert table.rows[0][1] == '=HYPERLINK("http://evil")'
    assert not table.problems and not table.warnings
    assert safe_cell(table.rows[0][1]) == '\'=HYPERLINK("http://evil")'
    assert safe_cell("@SUM(1)") == "'@SUM(1)" and safe_cell("-12.5") == "-12.5"
    assert safe_cell(None) == "" and safe_cell("Rossi") == "Rossi"


def test_short_and_long_lines():
    table = _read("a,b,c\n1,2\n1,2,3,4\n1,2,3,,\n")
    assert table.rows == [["1", "2", ""], ["1", "2", "3"], ["1", "2", "3"]]
    assert list(table.problems) == [1]
    assert "4 values but the file has 3 columns" in table.problems[1][ROW]
    assert table.problems_for(1, ["a"]) == table.problems[1]  # the row as a whole
    assert table.problems_for(0) == {}


def test_max_rows_reads_a_preview():
    table = _read("a,b\n" + "".join(f"{i},x\n" for i in range(50)), max_rows=10)
    assert len(table.rows) == 10 and table.truncated
    assert not _read("a,b\n1,2\n", max_rows=10).truncated


# CSV: bad files -------------------------------------------------------------------------


def test_over_the_size_limit(settings):
    settings.PERNO_UPLOAD_MAX_BYTES = 1000
    problem = _problem(b"a,b\n" + b"1,2\n" * 300)
    assert problem.code == "too_large"
    assert "more than the 1000" in problem.messages[0] and "Split it" in problem.messages[0]


def test_too_many_rows_or_cells(settings):
    settings.PERNO_IMPORT_MAX_ROWS = 5
    assert _problem(b"a,b\n" + b"1,2\n" * 6).code == "too_many_rows"
    assert len(_read(b"a,b\n" + b"1,2\n" * 5).rows) == 5
    settings.PERNO_IMPORT_MAX_ROWS = 1000
    settings.PERNO_IMPORT_MAX_CELLS = 10
    assert _problem(b"a,b,c\n" + b"1,2,3\n" * 4).code == "too_many_rows"


@pytest.mark.parametrize(
    ("content", "code", "words"),
    [
        (b"", "empty", "empty"),
        (b"  \n\n", "empty", "empty"),
        (b"name,email\n", "no_rows", "no data rows"),
        (b"name,email\n,\n\n", "no_rows", "no data rows"),
        (b"name,e-mail, E-Mail \nRossi,a@b.it,c@d.it\n", "duplicate_header", "“e-mail”, “E-Mail”"),
        (b"First  Name,first name\nA,B\n", "duplicate_header", "more than once"),
        (b"name,,city\nRossi,x,Roma\n", "empty_header", "column 2 (B)"),
        (b"a,b\n\x00\x01,2\n", "encoding", "NUL"),
        ("name\nRossi\n".encode("utf-16-le"), "encoding", "NUL"),
        ("nome\ncaffè\n".encode() + "Niccolò\n".encode("cp1252"), "encoding", "line 3"),
        (b"name\n\x81\x8d\x90\x9d\n", "encoding", "cannot be recognised"),
        (b"a,b\n1,2\n", "corrupt", "not one"),
    ],
)
def test_bad_files_say_what_to_do(content, code, words):
    name = "data.xlsx" if code == "corrupt" else "data.csv"
    problem = _problem(content, name)
    assert problem.code == code
    assert words in problem.messages[0]


def test_an_empty_header_over_an_empty_column_is_dropped():
    table = _read("name,,city,\nRossi,,Roma,\nBianchi,, Milano,\n")
    assert table.headers == ["name", "city"]
    assert table.rows == [["Rossi", "Roma"], ["Bianchi", " Milano"]]


def test_a_utf8_file_with_one_stray_byte_names_the_line():
    content = "nome;città\nRossi;Forlì\n".encode() + b"Bianchi;Cant\xf9\n"
    problem = _problem(content)
    assert "line 3" in problem.messages[0] and "CSV UTF-8" in problem.messages[0]


# XLSX -----------------------------------------------------------------------------------


def _workbook(*rows, title="Clienti", more=()) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(list(row))
    for name, extra in more:
        other = book.create_sheet(name)
        for row in extra:
            other.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_xlsx_cells_become_text():
    content = _workbook(
        ("Nome", "Data", "Importo", "Attivo", "Ora"),
        ("Rossi", datetime.date(2025, 12, 31), 1234.5, True, datetime.datetime(2025, 1, 2, 14, 30)),
        (None, None, None, None, None),
        ("Bianchi", "31/12/2025", 0.1 + 0.2, False, None),
        ("Verdi", None, 7, None, None),
    )
    table = read_table("clienti.xlsx", content)
    assert table.format == "xlsx" and table.sheet == "Clienti" and table.sheets == ["Clienti"]
    assert table.headers == ["Nome", "Data", "Importo", "Attivo", "Ora"]
    assert table.rows == [
        ["Rossi", "2025-12-31", "1234.5", "true", "2025-01-02T14:30:00"],
        ["Bianchi", "31/12/2025", "0.3", "false", ""],
        ["Verdi", "", "7", "", ""],
    ]
    assert table.lines == [2, 4, 5]
    assert table.encoding == "" and table.delimiter == ""


def test_xlsx_first_or_named_sheet():
    content = _workbook(("a",), ("1",), more=[("Second", [("b",), ("2",)])])
    assert read_table("x.xlsx", content).rows == [["1"]]
    second = read_table("x.xlsx", content, sheet="Second")
    assert second.rows == [["2"]] and second.sheet == "Second"
    with pytest.raises(FileProblem) as info:
        read_table("x.xlsx", content, sheet="Third")
    assert "no sheet “Third”" in info.value.messages[0] and "Second" in info.value.messages[0]


def test_xlsx_formulas_are_never_evaluated_and_refused_per_cell():
    book = Workbook()
    sheet = book.active
    sheet.append(["name", "total", "note"])
    sheet.append(["Rossi", "=1+2", "ok"])
    sheet.append(["Bianchi", 3, '=HYPERLINK("http://evil")'])
    text = sheet.cell(row=4, column=1)
    sheet.append([None, 4, "fine"])
    text.value, text.data_type = "=typed as text", "s"  # a text cell, not a formula
    buffer = io.BytesIO()
    book.save(buffer)
    table = read_table("f.xlsx", buffer.getvalue())
    assert table.rows[0] == ["Rossi", "=1+2", "ok"]  # as written: nothing computed
    assert set(table.problems) == {0, 1}
    assert "Cell B2 holds a formula (=1+2)" in table.problems[0]["total"]
    assert "paste it as values" in table.problems[0]["total"]
    assert "note" in table.problems[1]
    assert table.rows[2][0] == "=typed as text" and 2 not in table.problems
    assert "2 cells hold formulas" in table.warnings[0]
    # Only mapped columns make a row bad.
    assert table.problems_for(1, ["name", "total"]) == {}


def test_xlsx_error_cells_and_data_without_a_header():
    content = _workbook(("name", "total"), ("Rossi", "#N/A"), ("Bianchi", 3))
    table = read_table("x.xlsx", content)
    assert "Cell B2 shows an error (#N/A)" in table.problems[0]["total"]
    assert 1 not in table.problems and not table.warnings
    problem = _problem(_workbook(("name", "total"), ("Rossi", 1), ("Bianchi", 2, "x")), "x.xlsx")
    assert problem.code == "empty_header"
    assert "Row 3 has data in column C" in problem.messages[0]


def test_xlsx_declaring_the_largest_sheet_reads_only_its_cells():
    good = _workbook(("a", "b"), (1, 2))
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as source, zipfile.ZipFile(buffer, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                assert b'<dimension ref="A1:B2"/>' in data
                data = data.replace(
                    b'<dimension ref="A1:B2"/>', b'<dimension ref="A1:XFD1048576"/>'
                )
            target.writestr(item, data)
    table = read_table("x.xlsx", buffer.getvalue())
    assert table.headers == ["a", "b"] and table.rows == [["1", "2"]]


def test_xlsx_empty_and_duplicate_headers_and_no_rows():
    assert _problem(_workbook(("a", "A "), (1, 2)), "x.xlsx").code == "duplicate_header"
    assert _problem(_workbook(("a", None, "c"), (1, 2, 3)), "x.xlsx").code == "empty_header"
    assert _problem(_workbook(("a", "b")), "x.xlsx").code == "no_rows"
    assert _problem(_workbook(), "x.xlsx").code == "no_headers"


def test_corrupt_xlsx():
    good = _workbook(("a",), ("1",))
    for content in (good[: len(good) // 2], b"PK\x03\x04" + b"\x00" * 200, good[:30]):
        problem = _problem(content, "x.xlsx")
        assert problem.code == "corrupt"
        assert "damaged" in problem.messages[0]
    # A damaged sheet inside a sound zip.
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as source, zipfile.ZipFile(buffer, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) // 2]
            target.writestr(item, data)
    assert _problem(buffer.getvalue(), "x.xlsx").code == "corrupt"


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_zip_files_that_are_not_workbooks():
    ods = _zip(
        {"mimetype": b"application/vnd.oasis.opendocument.spreadsheet", "content.xml": b"<x/>"}
    )
    assert "OpenDocument" in _problem(ods, "x.ods").messages[0]
    docx = _zip({"word/document.xml": b"<x/>", "[Content_Types].xml": b"<x/>"})
    assert _problem(docx, "x.xlsx").code == "not_xlsx"


def _bomb(size: int) -> bytes:
    """A real workbook whose sheet carries ``size`` bytes of zeros in a cell: megabytes
    that deflate to kilobytes."""
    good = _workbook(("a",), ("1",))
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(good)) as source,
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"<t>1</t>", b"<t>" + b"0" * size + b"</t>")
            target.writestr(item.filename, data)
    return buffer.getvalue()


def test_xlsx_zip_bomb_is_refused_before_it_is_inflated(settings):
    content = _bomb(8 * 1024 * 1024)
    assert len(content) < 64 * 1024  # 8 MB of zeros in a few KB
    problem = _problem(content, "bomb.xlsx")
    assert problem.code == "zip_bomb"
    assert "zip bomb" in problem.messages[0] and "CSV UTF-8" in problem.messages[0]
    # The total the zip declares counts too, whatever the ratio.
    settings.PERNO_IMPORT_MAX_ZIP_RATIO = 10_000
    settings.PERNO_IMPORT_MAX_UNZIPPED_BYTES = 4 * 1024 * 1024
    assert _problem(content, "bomb.xlsx").code == "zip_bomb"
    settings.PERNO_IMPORT_MAX_UNZIPPED_BYTES = 64 * 1024 * 1024
    assert read_table("bomb.xlsx", content).rows == [["0" * 8 * 1024 * 1024]]


def test_xlsx_row_and_cell_caps(settings):
    settings.PERNO_IMPORT_MAX_ROWS = 3
    content = _workbook(("a", "b"), *[(i, i) for i in range(5)])
    assert _problem(content, "x.xlsx").code == "too_many_rows"
    settings.PERNO_IMPORT_MAX_ROWS = 100
    settings.PERNO_IMPORT_MAX_CELLS = 6
    assert _problem(content, "x.xlsx").code == "too_many_rows"
    settings.PERNO_IMPORT_MAX_CELLS = 100
    assert len(read_table("x.xlsx", content, max_rows=2).rows) == 2


def _cfb(*streams: str) -> bytes:
    """A Compound File Binary (OLE2) container with the named empty streams, as Office
    writes an encrypted workbook (EncryptionInfo, EncryptedPackage) or an .xls (Workbook)."""
    end, free, fat_sector = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD
    header = bytearray(512)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHHH", header, 24, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<IIIIIIII", header, 44, 1, 1, 0, 4096, end, 0, end, 0)
    struct.pack_into("<I", header, 76, 0)  # DIFAT[0]: the FAT is sector 0
    for slot in range(1, 109):
        struct.pack_into("<I", header, 76 + 4 * slot, free)
    fat = struct.pack("<II", fat_sector, end) + struct.pack("<I", free) * 126

    def entry(name: str, kind: int, child: int = free, right: int = free) -> bytes:
        raw = bytearray(128)
        encoded = (name + "\0").encode("utf-16-le")
        raw[: len(encoded)] = encoded
        struct.pack_into("<HBB", raw, 64, len(encoded), kind, 1)
        struct.pack_into("<III", raw, 68, free, right, child)
        struct.pack_into("<II", raw, 116, end, 0)
        return bytes(raw)

    entries = [entry("Root Entry", 5, child=1 if streams else free)]
    for position, name in enumerate(streams, start=1):
        entries.append(entry(name, 2, right=position + 1 if position < len(streams) else free))
    directory = b"".join(entries).ljust(512, b"\0")
    return bytes(header) + fat + directory


def test_password_protected_xlsx():
    problem = _problem(_cfb("EncryptionInfo", "EncryptedPackage"), "secret.xlsx")
    assert problem.code == "encrypted"
    assert "protected with a password" in problem.messages[0]
    assert "save it without a password" in problem.messages[0]


def test_old_xls():
    problem = _problem(_cfb("Workbook"), "old.xls")
    assert problem.code == "old_excel" and ".xlsx" in problem.messages[0]


# vCard ----------------------------------------------------------------------------------

VCARD_3 = (
    "BEGIN:VCARD\r\n"
    "VERSION:3.0\r\n"
    "N:Rossi;Mario;;Dott.;\r\n"
    "FN:Dott. Mario Rossi\r\n"
    "ORG:Rossi Caffè S.r.l.;Vendite\r\n"
    "TITLE:Direttore commerciale\r\n"
    "EMAIL;TYPE=INTERNET,WORK:mario.rossi@example.it\r\n"
    "TEL;TYPE=WORK,VOICE:06 1234 5678\r\n"
    "TEL;TYPE=CELL:+39 333 123 4567\r\n"
    "ADR;TYPE=WORK:;;Via del Corso 1;Roma;RM;00186;Italia\r\n"
    "NOTE;ENCODING=QUOTED-PRINTABLE:Cliente dal 2019, preferisce il caff=C3=A8 =\r\n"
    "lungo\r\n"
    "UID:rossi-001\r\n"
    "END:VCARD\r\n"
)
VCARD_4 = (
    "BEGIN:VCARD\r\n"
    "VERSION:4.0\r\n"
    "FN:Ana Maria Popescu\r\n"
    "ORG:Transilvania Software SRL\r\n"
    "EMAIL;TYPE=work:ana.popescu@example.ro\r\n"
    'TEL;VALUE=uri;TYPE="voice,cell":tel:+40-722-000-111\r\n'
    "ADR;TYPE=work:;;Strada Memorandumului 28;Cluj-Napoca;Cluj;400114;România\r\n"
    "LANG:ro\r\n"
    "NOTE:O notă foarte lungă care este împărțită pe două rânduri în fi\r\n"
    " șier\r\n"
    "UID:urn:uuid:4fbe8971-0bc3-424c-9c26-36c3e1eff6b1\r\n"
    "END:VCARD\r\n"
)
VCARD_21 = (
    "BEGIN:VCARD\r\n"
    "VERSION:2.1\r\n"
    "N;CHARSET=UTF-8:Bianchi;Lucia\r\n"
    "TEL;CELL:3331112222\r\n"
    "TEL;HOME:0612345678\r\n"
    "NOTE;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:Citt=C3=A0\r\n"
    "END:VCARD\r\n"
)


def test_vcards_3_and_4_become_one_row_each():
    table = _read(VCARD_3 + VCARD_4 + VCARD_21, "rubrica.vcf")
    assert table.format == "vcard" and table.encoding == "UTF-8"
    rows = [dict(zip(table.headers, row, strict=True)) for row in table.rows]
    assert rows[0] == {
        "first_name": "Mario",
        "last_name": "Rossi",
        "email": "mario.rossi@example.it",
        "phone": "06 1234 5678",
        "mobile": "+39 333 123 4567",
        "company_name": "Rossi Caffè S.r.l.",
        "job_title": "Direttore commerciale",
        "address_street": "Via del Corso 1",
        "address_city": "Roma",
        "address_postal_code": "00186",
        "address_region": "RM",
        "address_country": "Italia",
        "notes": "Cliente dal 2019, preferisce il caffè lungo",
        "language": "",
        "external_id": "rossi-001",
    }
    assert rows[1]["first_name"] == "Ana Maria" and rows[1]["last_name"] == "Popescu"
    assert rows[1]["mobile"] == "+40-722-000-111" and rows[1]["phone"] == ""
    assert rows[1]["notes"] == "O notă foarte lungă care este împărțită pe două rânduri în fișier"
    assert rows[1]["language"] == "ro"
    assert rows[1]["external_id"] == "urn:uuid:4fbe8971-0bc3-424c-9c26-36c3e1eff6b1"
    assert rows[2]["mobile"] == "3331112222" and rows[2]["phone"] == "0612345678"
    assert rows[2]["notes"] == "Città"
    assert table.lines == [1, 15, 27]


def test_vcard_columns_without_values_are_left_out():
    table = _read("BEGIN:VCARD\nVERSION:3.0\nN:Pop;Ion\nFN:Ion Pop\nEND:VCARD\n", "a.vcf")
    assert table.headers == ["first_name", "last_name"]


def test_a_bad_vcard_is_reported_by_position_and_the_others_are_read():
    bad = (
        "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Verdi;Gino\r\nthis line is not a property\r\nEND:VCARD\r\n"
    )
    table = _read(VCARD_3 + bad + VCARD_4, "a.vcf")
    assert len(table.rows) == 3
    assert set(table.problems) == {1}
    message = table.problems[1][ROW]
    assert "vCard 2 (line 15)" in message and "cannot be read" in message
    assert table.rows[2][table.headers.index("last_name")] == "Popescu"


def test_a_file_of_bad_vcards_is_refused():
    problem = _problem(b"BEGIN:VCARD\nVERSION:3.0\ngarbage\nEND:VCARD\n", "a.vcf")
    assert problem.code == "bad_vcard" and "vCard 1 (line 1)" in problem.messages[0]


def test_vcard_in_windows_1252_and_utf16():
    text = VCARD_3.replace(";ENCODING=QUOTED-PRINTABLE", "").replace(
        "caff=C3=A8 =\r\nlungo", "caffè lungo"
    )
    for content in (text.encode("cp1252"), text.encode("utf-16")):
        table = read_table("a.vcf", content)
        assert table.rows[0][table.headers.index("company_name")] == "Rossi Caffè S.r.l."


# Formats of numbers and dates (no database) ---------------------------------------------


@given(
    st.decimals(min_value=-(10**12), max_value=10**12, places=2, allow_nan=False),
    st.sampled_from([formats.COMMA, formats.POINT]),
    st.booleans(),
)
def test_amounts_read_back_whatever_the_separators(number, decimal, grouped):
    text = f"{number:,.2f}" if grouped else f"{number:.2f}"
    if decimal == formats.COMMA:
        text = text.replace(",", "_").replace(".", ",").replace("_", ".")
    assert formats.parse_decimal(text, decimal) == number
    assert formats.detect_decimal([text], delimiter=";" if decimal == formats.COMMA else ",") == (
        decimal
    )


@given(st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(2200, 12, 31)))
def test_dates_read_back_in_every_order(day):
    assert formats.parse_date(day.strftime("%d/%m/%Y"), formats.DMY) == day
    assert formats.parse_date(day.strftime("%m/%d/%Y"), formats.MDY) == day
    assert formats.parse_date(day.strftime("%d.%m.%Y"), formats.DMY) == day
    assert formats.parse_date(day.isoformat(), formats.MDY) == day
    if day.day > 12:
        assert formats.detect_order([day.strftime("%d/%m/%Y")]) == formats.DMY
        assert formats.detect_order([day.strftime("%m/%d/%Y")]) == formats.MDY
