"""Reading an import file safely: CSV (delimiter and encoding detected), XLSX and vCard
3.0/4.0 become one ``Table`` of text cells with a header row, or a ``FileProblem`` that
says what is wrong with the file and how to fix it.

Nothing here touches the database. What the checks guard against, in order:
- the size limit (``PERNO_UPLOAD_MAX_BYTES``) before anything is read;
- the kind of file from its bytes, not its name: a zip is a workbook, an OLE2 container
  is a password-protected workbook (or an old .xls), ``BEGIN:VCARD`` is a vCard;
- XLSX: the zip's declared uncompressed sizes and compression ratio before openpyxl
  opens it (a zip bomb), a cap on rows and cells while reading; formulas are never
  evaluated (openpyxl reads them as written) and a cell holding one is reported;
- CSV: NUL bytes (a binary or UTF-16 file without BOM), encodings (UTF-8 with or without
  BOM, UTF-16 with BOM, Windows-1252, Windows-1250, ISO-8859-2: the decoding that reads
  as Italian, Romanian or another western text wins), the delimiter (, ; tab |);
- headers: empty or repeated (case and spaces ignored) ones are refused, naming them; an
  empty header over an empty column is dropped; a file without data rows is refused.

A cell from a CSV that starts with = + - @ is data, not a formula: it is imported as
written, and ``safe_cell`` neutralises it when it is written to a CSV or XLSX again."""

from __future__ import annotations

import csv
import datetime
import io
import re
import zipfile
from collections import Counter
from typing import Any

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from perno.accounts.exports import formula_safe
from perno.imports.encodings import decode_text
from perno.imports.tables import CSV, ROW, VCARD, XLSX, FileProblem, Table, limit, too_many
from perno.imports.vcards import read_vcards

__all__ = ["CSV", "ROW", "VCARD", "XLSX", "FileProblem", "Table", "read_table", "safe_cell"]

DELIMITERS = (",", ";", "\t", "|")
ZIP_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# The name of the stream an encrypted Office file keeps its workbook in (UTF-16LE).
ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")


def safe_cell(value: Any) -> str:
    """A value for a cell of a CSV or XLSX file written back to the user (the bad rows):
    never read as a formula by a spreadsheet."""
    return formula_safe("" if value is None else str(value))


def read_table(
    name: str, content: bytes, *, max_rows: int | None = None, sheet: str | None = None
) -> Table:
    """Read an import file. ``max_rows`` stops after that many data rows (a preview);
    ``sheet`` names the workbook's sheet (the first one by default)."""
    limit = settings.PERNO_UPLOAD_MAX_BYTES
    if len(content) > limit:
        raise FileProblem(
            _(
                "The file is %(size)s, more than the %(limit)s an import may be. Split it into smaller files, or leave out the columns you do not need."
            )
            % {"size": filesizeformat(len(content)), "limit": filesizeformat(limit)},
            code="too_large",
        )
    if not content.strip():
        raise FileProblem(_("The file is empty. Choose the file with your data."), code="empty")
    if content.startswith(OLE2_MAGIC):
        if ENCRYPTED_STREAM in content:
            raise FileProblem(
                _(
                    "The file is protected with a password. Open it in your spreadsheet program, save it without a password and import it again."
                ),
                code="encrypted",
            )
        raise FileProblem(
            _(
                "This is an old Excel 97-2003 file (.xls) or a file protected with a password. Save it as an Excel workbook (.xlsx) without a password, or as CSV UTF-8, and import it again."
            ),
            code="old_excel",
        )
    if content.startswith(ZIP_MAGIC):
        table = _read_xlsx(content, max_rows=max_rows, sheet=sheet)
    elif name.lower().endswith((".xlsx", ".xlsm", ".xls", ".ods")):
        raise FileProblem(
            _(
                "The file is named like a spreadsheet but is not one, or it is damaged. Open it in your spreadsheet program, save it as an Excel workbook (.xlsx) and import it again."
            ),
            code="corrupt",
        )
    else:
        text, encoding = decode_text(content)
        if re.match(r"\s*BEGIN:VCARD", text[:1000], re.IGNORECASE):
            table = read_vcards(text, max_rows=max_rows)
        else:
            table = _read_csv(text, max_rows=max_rows)
        table.encoding = encoding
    return _checked(table)


# CSV -------------------------------------------------------------------------------------


def _delimiter(text: str) -> str:
    """The delimiter that splits the first lines into the same, largest number of columns."""
    sample = text[:65536]
    lines = sample.splitlines()[:50]
    if len(sample) == 65536 and len(lines) > 1:
        lines = lines[:-1]  # the last one may be cut
    best, best_score = ",", (0, 0)
    for delimiter in DELIMITERS:
        try:
            counts = [
                len(row) for row in csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter)
            ]
        except csv.Error:
            continue
        if not counts or counts[0] < 2:
            continue
        width = counts[0]
        score = (sum(1 for c in counts if c == width), width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _read_csv(text: str, *, max_rows: int | None) -> Table:
    # Excel writes "sep=;" as the first line of some CSV files: it names the delimiter.
    named = re.match(r"sep=([,;\t|])\r?\n", text)
    delimiter = named.group(1) if named else _delimiter(text)
    if named:
        text = "\n" + text[named.end() :]  # the line counts, its content does not
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    max_cells = limit("PERNO_IMPORT_MAX_CELLS")
    max_file_rows = limit("PERNO_IMPORT_MAX_ROWS")
    headers: list[str] | None = None
    rows: list[list[str]] = []
    lines: list[int] = []
    problems: dict[int, dict[str, str]] = {}
    cells = 0
    start = 1
    truncated = False
    try:
        for record in reader:
            line, start = start, reader.line_num + 1
            if headers is None:
                if not any(cell.strip() for cell in record):
                    continue
                headers = [cell.strip() for cell in record]
                _check_width(len(headers))
                continue
            if not any(cell.strip() for cell in record):
                continue
            if max_rows is not None and len(rows) >= max_rows:
                truncated = True
                break
            cells += max(len(record), len(headers))
            if cells > max_cells or len(rows) >= max_file_rows:
                raise too_many()
            extra = [cell for cell in record[len(headers) :] if cell.strip()]
            if extra:
                problems[len(rows)] = {
                    ROW: _(
                        "This line has %(found)s values but the file has %(columns)s columns. Check for a %(delimiter)s inside a value that is not in quotes."
                    )
                    % {
                        "found": len(record),
                        "columns": len(headers),
                        "delimiter": _delimiter_name(delimiter),
                    }
                }
            row = record[: len(headers)]
            row.extend([""] * (len(headers) - len(row)))
            rows.append(row)
            lines.append(line)
    except csv.Error as exc:
        raise FileProblem(
            _("Line %(line)s cannot be read as CSV (%(error)s). Check its quotes.")
            % {"line": reader.line_num, "error": exc},
            code="bad_csv",
        ) from exc
    return Table(
        format=CSV,
        headers=headers or [],
        rows=rows,
        lines=lines,
        delimiter=delimiter,
        problems=problems,
        truncated=truncated,
    )


def _delimiter_name(delimiter: str) -> str:
    return {"\t": _("tab"), ",": _("comma"), ";": _("semicolon"), "|": _("vertical bar")}[delimiter]


# XLSX ------------------------------------------------------------------------------------


def _corrupt() -> FileProblem:
    return FileProblem(
        _(
            "The workbook is damaged and cannot be read. Open it in your spreadsheet program, save it again as an Excel workbook (.xlsx) or as CSV UTF-8, and import that file."
        ),
        code="corrupt",
    )


def _check_zip(content: bytes) -> None:
    """Refuse a zip bomb from the sizes the zip declares, before anything is inflated
    (the zip module never inflates a member past its declared size)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as exc:
        raise _corrupt() from exc
    names = {member.filename for member in members}
    if "xl/workbook.xml" not in names:
        if "mimetype" in names or "content.xml" in names:
            message = _(
                "This is an OpenDocument spreadsheet (.ods). Save it as an Excel workbook (.xlsx) or as CSV UTF-8 and import that file."
            )
        else:
            message = _(
                "This zip file is not an Excel workbook. Import a .xlsx, .csv or .vcf file."
            )
        raise FileProblem(message, code="not_xlsx")
    total = sum(member.file_size for member in members)
    max_total = limit("PERNO_IMPORT_MAX_UNZIPPED_BYTES")
    max_ratio = limit("PERNO_IMPORT_MAX_ZIP_RATIO")
    inflated = any(
        member.file_size > 1024 * 1024
        and member.file_size > max_ratio * max(member.compress_size, 1)
        for member in members
    )
    if total > max_total or inflated:
        raise FileProblem(
            _(
                "The workbook unpacks to %(size)s, far more than its data can need: it may be a zip bomb and is not read. Save the sheet as CSV UTF-8 and import that file."
            )
            % {"size": filesizeformat(total)},
            code="zip_bomb",
        )


def _xlsx_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0):
            return value.date().isoformat()
        return value.isoformat(timespec="seconds")
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else f"{value:.15g}"
    return str(value)


def _read_xlsx(content: bytes, *, max_rows: int | None, sheet: str | None) -> Table:
    _check_zip(content)
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises anything on a damaged file
        raise _corrupt() from exc
    try:
        names = list(book.sheetnames)
        if sheet is not None and sheet not in names:
            raise FileProblem(
                _("The workbook has no sheet “%(sheet)s”. Its sheets: %(sheets)s.")
                % {"sheet": sheet, "sheets": ", ".join(names)},
                code="no_sheet",
            )
        if not names:
            raise _corrupt()
        title = sheet or names[0]
        worksheet = book[title]
        # The dimension a file declares may be A1:XFD1048576: read only the cells it has.
        worksheet.reset_dimensions()
        table = _read_sheet(worksheet, max_rows=max_rows)
    except FileProblem:
        raise
    except Exception as exc:  # a damaged sheet fails while it is read
        raise _corrupt() from exc
    finally:
        book.close()
    table.sheet, table.sheets = title, names
    return table


def _cell_problem(kind: str, cell: str, text: str) -> str:
    if kind == "f":
        return _(
            "Cell %(cell)s holds a formula (%(formula)s), which is never evaluated on import. In your spreadsheet copy the column and paste it as values, then import the file again."
        ) % {"cell": cell, "formula": text[:60]}
    return _(
        "Cell %(cell)s shows an error (%(error)s) in the spreadsheet. Correct it or clear the cell, then import the file again."
    ) % {"cell": cell, "error": text[:20]}


def _unnamed_column(width: int, number: int) -> FileProblem:
    return FileProblem(
        _(
            "Row %(row)s has data in column %(column)s, which has no name in the header row. Give every column a name in the first row."
        )
        % {"row": number, "column": get_column_letter(width + 1)},
        code="empty_header",
    )


def _check_width(width: int) -> None:
    if width > limit("PERNO_IMPORT_MAX_COLUMNS"):
        raise FileProblem(
            _(
                "The file has %(count)s columns, more than the %(max)s an import may have. Leave out the columns you do not need."
            )
            % {"count": width, "max": limit("PERNO_IMPORT_MAX_COLUMNS")},
            code="too_many_columns",
        )


def _read_sheet(worksheet: Any, *, max_rows: int | None) -> Table:
    max_cells = limit("PERNO_IMPORT_MAX_CELLS")
    max_sheet_rows = limit("PERNO_IMPORT_MAX_ROWS")
    headers: list[str] | None = None
    rows: list[list[str]] = []
    lines: list[int] = []
    problems: dict[int, dict[str, str]] = {}
    formulas = 0
    cells = 0
    truncated = False
    for number, record in enumerate(worksheet.iter_rows(), start=1):
        cells += len(record)
        if cells > max_cells or number > max_sheet_rows + 1:
            raise too_many()
        texts = [_xlsx_text(cell.value) for cell in record]
        while texts and not texts[-1].strip():
            texts.pop()
        if not texts:
            continue
        if headers is None:
            headers = [text.strip() for text in texts]
            _check_width(len(headers))
            continue
        if max_rows is not None and len(rows) >= max_rows:
            truncated = True
            break
        if len(texts) > len(headers):
            raise _unnamed_column(len(headers), number)
        row = texts + [""] * (len(headers) - len(texts))
        for position, cell in enumerate(record[: len(texts)]):
            kind = getattr(cell, "data_type", "")
            if kind in {"f", "e"}:
                formulas += kind == "f"
                problems.setdefault(len(rows), {})[headers[position]] = _cell_problem(
                    kind, f"{get_column_letter(position + 1)}{number}", row[position]
                )
        rows.append(row)
        lines.append(number)
    table = Table(
        format=XLSX,
        headers=headers or [],
        rows=rows,
        lines=lines,
        problems=problems,
        truncated=truncated,
    )
    if formulas:
        table.warnings.append(
            _(
                "%(count)s cells hold formulas. Perno never evaluates formulas: those rows are refused unless you paste the columns as values in your spreadsheet."
            )
            % {"count": formulas}
        )
    return table


# Headers ---------------------------------------------------------------------------------


def fold_header(header: str) -> str:
    """A header compared without case and repeated spaces."""
    return " ".join(header.split()).casefold()


def _column_name(position: int) -> str:
    return _("column %(number)s (%(letter)s)") % {
        "number": position + 1,
        "letter": get_column_letter(position + 1),
    }


def _checked(table: Table) -> Table:
    """Drop empty columns without a header, refuse other empty and repeated headers, and
    refuse a table without data rows."""
    if not table.headers:
        raise FileProblem(
            _("The file has no header row. Put the column names in its first row."),
            code="no_headers",
        )
    keep = [
        position
        for position, header in enumerate(table.headers)
        if header or any(row[position].strip() for row in table.rows)
    ]
    if len(keep) < len(table.headers):
        table.headers = [table.headers[p] for p in keep]
        table.rows = [[row[p] for p in keep] for row in table.rows]
    empty = [_column_name(p) for p, header in zip(keep, table.headers, strict=True) if not header]
    if empty:
        raise FileProblem(
            _(
                "These columns have data but no name in the header row: %(columns)s. Give every column a name in the first row."
            )
            % {"columns": ", ".join(empty)},
            code="empty_header",
        )
    seen = Counter(fold_header(header) for header in table.headers)
    repeated = [header for header in dict.fromkeys(table.headers) if seen[fold_header(header)] > 1]
    if repeated:
        raise FileProblem(
            _(
                "These column names appear more than once: %(columns)s. Give every column its own name in the header row."
            )
            % {"columns": ", ".join(f"“{h}”" for h in repeated)},
            code="duplicate_header",
        )
    if not table.rows:
        raise FileProblem(
            _("The file has a header row but no data rows. Add the rows to import below it."),
            code="no_rows",
        )
    return table
