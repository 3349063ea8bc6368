"""What reading an import file gives: a ``Table`` of text cells, or a ``FileProblem``
(the file as a whole cannot be imported). Shared by ``files`` (CSV, XLSX), ``vcards`` and
``encodings``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

CSV, XLSX, VCARD = "csv", "xlsx", "vcard"
ROW = ""  # the key of a problem about a whole row rather than one column


class FileProblem(ValidationError):
    """The file cannot be imported: the message says why and how to fix it. ``code``
    names the kind (too_large, encrypted, corrupt, zip_bomb, encoding, empty_header,
    duplicate_header, no_rows, ...)."""

    def __init__(self, message: str, code: str = "invalid_file") -> None:
        super().__init__(message, code=code)


@dataclass
class Table:
    """The file as text: ``headers`` and ``rows`` (every row as long as the headers).
    ``lines[i]`` is where row ``i`` starts in the file (CSV: its line; XLSX: its row
    number in the sheet; vCard: the line of its BEGIN:VCARD). ``problems[i]`` maps a
    header (or ``ROW`` for the whole row) to what is wrong with that cell as read: a
    formula in a workbook, more values than headers, a vCard that cannot be read. Such a
    row is a bad row when one of those headers is mapped (``problems_for``)."""

    format: str
    headers: list[str]
    rows: list[list[str]]
    lines: list[int]
    encoding: str = ""
    delimiter: str = ""
    sheet: str = ""
    sheets: list[str] = field(default_factory=list)
    problems: dict[int, dict[str, str]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    truncated: bool = False  # stopped at ``max_rows``

    def line_of(self, index: int) -> int:
        return self.lines[index]

    def problems_for(self, index: int, headers: Iterable[str] | None = None) -> dict[str, str]:
        """What is wrong with row ``index`` as read, for the given (mapped) headers and the
        whole row; all of it when ``headers`` is None."""
        found = self.problems.get(index, {})
        if headers is None:
            return dict(found)
        wanted = set(headers) | {ROW}
        return {key: message for key, message in found.items() if key in wanted}

    def column(self, header: str) -> list[str]:
        position = self.headers.index(header)
        return [row[position] for row in self.rows]


def limit(name: str) -> int:
    """One of the limits a file is read under (``PERNO_IMPORT_MAX_*`` settings)."""
    return int(getattr(settings, name))


def too_many() -> FileProblem:
    return FileProblem(
        _(
            "The file has more than %(rows)s rows or %(cells)s cells, more than one import may hold. Split it into smaller files."
        )
        % {"rows": limit("PERNO_IMPORT_MAX_ROWS"), "cells": limit("PERNO_IMPORT_MAX_CELLS")},
        code="too_many_rows",
    )
