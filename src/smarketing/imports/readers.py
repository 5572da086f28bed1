"""Reading CSV and XLSX files row by row, whatever their encoding and delimiter.

CSV: see :mod:`smarketing.imports.csvfile` (encoding decided on the whole file, delimiter
guessed, rows that break the format reported and skipped). XLSX: the first sheet, read in
streaming mode, its header's merged cells understood (:mod:`smarketing.imports.xlsxfile`).
The header is the first row, or the row asked (``header_row``; the rows above it are
skipped), on one row or two (``header_rows``). Rows are numbered as a spreadsheet shows them
(the header is row 1 by default), so an error report points at the right line. A name the
header repeats is kept apart (``Create Date (2)``) with a notice (:mod:`headers`).
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree as ET

from smarketing.imports.csvfile import FileError, Unreadable, csv_open
from smarketing.imports.headers import NAME_LIMIT, names_apart
from smarketing.imports.xlsxfile import SheetHeader, cell_text, merged_ranges

__all__ = ["FileError", "Table", "Unreadable", "table_open"]
Rows = Iterator[tuple[int, dict[str, str] | Unreadable]]


@dataclass
class Table:
    """A table's header and a way to walk its rows once."""

    columns: list[str]
    encoding: str
    delimiter: str
    _rows: Rows
    _done: Callable[[], float] = lambda: 0.0
    _close: Callable[[], None] = lambda: None
    path: Path | None = None
    header_row: int = 1  # the header's (first) row, as asked
    header_rows: int = 0  # as asked: 1, 2, or 0 (one, or two when an XLSX header shows it)
    notices: list[str] = field(default_factory=list)  # what the user should know of the file

    def reopen(self) -> Table:
        """The same file opened again, from its first row (for a first pass over the rows)."""
        if self.path is None:
            raise FileError("This table cannot be read twice.")
        return table_open(self.path, header_row=self.header_row, header_rows=self.header_rows)

    def done(self) -> float:
        """How much of the file was read, from 0 to 1 (for progress bars)."""
        return min(1.0, self._done())

    def rows(self) -> Rows:
        """(row number, {column: text}) for every non-empty row after the header, or (row
        number, :class:`Unreadable`) for a row the reader had to skip."""
        return self._rows

    def close(self) -> None:
        """Release the file (done by itself once every row was read)."""
        self._close()

    def __enter__(self) -> Table:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _text(value: str) -> str:
    """A cell's text, trimmed, without the apostrophe an export puts before a formula sign."""
    value = value.strip()
    if value[:1] == "'" and value[1:2] in {"=", "+", "-", "@"}:
        return value[1:]
    return value


def _clean(columns: list[str], header_row: int = 1) -> tuple[list[str], list[str]]:
    """The header's names, each repeat kept apart, and the notices that says so."""
    where = "first row" if header_row == 1 else f"row {header_row}"
    names = [c.strip() for c in columns]
    if not any(names):
        raise FileError(f"The {where} holds no column names.")
    for name in names:
        if len(name) > NAME_LIMIT:
            raise FileError(
                f"A column name holds more than {NAME_LIMIT} characters: is the {where} a header?"
            )
    return names_apart(names)


def _csv(path: Path, header_row: int, header_rows: int) -> Table:
    stream = path.open("rb")
    try:
        table = csv_open(stream, header_row=header_row, header_rows=header_rows or 1)
    except BaseException:
        stream.close()
        raise
    try:
        columns, notices = _clean(table.header, header_row)
    except FileError:
        table.close()
        raise
    width = len(table.header)

    def rows() -> Rows:
        try:
            for number, values in table.rows(width):
                if isinstance(values, Unreadable):
                    yield number, values
                    continue
                yield (
                    number,
                    {
                        c: (_text(values[i]) if i < len(values) else "")
                        for i, c in enumerate(columns)
                        if c
                    },
                )
        finally:
            table.close()

    size = max(1, os.fstat(stream.fileno()).st_size)

    def done() -> float:
        return 1.0 if stream.closed else stream.tell() / size

    return Table(
        columns,
        table.encoding,
        table.delimiter,
        rows(),
        done,
        table.close,
        path,
        header_row,
        header_rows,
        notices,
    )


def _xlsx(path: Path, header_row: int, header_rows: int) -> Table:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise FileError(f"Cannot open the spreadsheet: {exc}") from exc
    try:
        merges = merged_ranges(path, header_row, header_row + 1)
    except (KeyError, OSError, zipfile.BadZipFile, ET.ParseError):
        merges = []  # openpyxl could read the sheet: it is read without its merged cells
    sheet = book.worksheets[0]
    reader = SheetHeader(sheet.iter_rows(values_only=True), merges)
    try:
        header = reader.read(header_row, header_rows)
        if header is None:
            raise FileError(
                "The sheet is empty." if header_row == 1 else f"The sheet has no row {header_row}."
            )
        columns, notices = _clean(header.names, header_row)
    except BaseException:
        book.close()
        raise

    total = max(1, sheet.max_row or 1)
    read = [header.last]

    def rows() -> Iterator[tuple[int, dict[str, str]]]:
        try:
            for number, row in reader.rows:
                read[0] = number
                cells = [cell_text(v) for v in row]
                if any(cells):
                    yield (
                        number,
                        {
                            c: (cells[i] if i < len(cells) else "")
                            for i, c in enumerate(columns)
                            if c
                        },
                    )
        finally:
            book.close()

    return Table(
        columns,
        "xlsx",
        "",
        rows(),
        lambda: read[0] / total,
        book.close,
        path,
        header_row,
        header_rows,
        [*header.notices, *notices],
    )


def table_open(path: Path, *, header_row: int = 1, header_rows: int = 0) -> Table:
    """Open ``path`` (CSV or XLSX) for reading row by row; its header is at ``header_row``
    (1-based), on ``header_rows`` rows (1, 2, or 0: one, or two when an XLSX header's merged
    cells show it)."""
    if header_row < 1 or header_rows not in (0, 1, 2):
        raise FileError("The header row is a row number from 1; a header has 1 or 2 rows.")
    try:
        with path.open("rb") as probe:
            head = probe.read(4)
    except OSError as exc:
        raise FileError(f"Cannot read {path}: {exc.strerror}.") from exc
    if head.startswith(b"PK\x03\x04"):
        return _xlsx(path, header_row, header_rows)
    return _csv(path, header_row, header_rows)
