"""Reading CSV and XLSX files row by row, whatever their encoding and delimiter.

CSV: see :mod:`smarketing.imports.csvfile` (encoding decided on the whole file, delimiter
guessed, rows that break the format reported and skipped). XLSX: the first sheet, read in
streaming mode. Rows are numbered as a spreadsheet shows them (the header is row 1), so an
error report points at the right line.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from smarketing.imports.csvfile import FileError, Unreadable, csv_open

__all__ = ["FileError", "Table", "Unreadable", "table_open"]
NAME_LIMIT = 200  # characters in a column's name
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


def _clean(columns: list[str]) -> list[str]:
    names = [c.strip() for c in columns]
    if not any(names):
        raise FileError("The first row holds no column names.")
    seen: set[str] = set()
    for name in names:
        if len(name) > NAME_LIMIT:
            raise FileError(
                f"A column name holds more than {NAME_LIMIT} characters: is the first row a header?"
            )
        if name and name in seen:
            raise FileError(f"The column {name!r} appears twice in the header.")
        seen.add(name)
    return names


def _csv(path: Path) -> Table:
    stream = path.open("rb")
    try:
        table = csv_open(stream)
    except BaseException:
        stream.close()
        raise
    try:
        columns = _clean(table.header)
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

    return Table(columns, table.encoding, table.delimiter, rows(), done, table.close)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _xlsx(path: Path) -> Table:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise FileError(f"Cannot open the spreadsheet: {exc}") from exc
    sheet = book.worksheets[0]
    values = sheet.iter_rows(values_only=True)
    try:
        columns = _clean([_cell(v) for v in next(values)])
    except StopIteration as exc:
        book.close()
        raise FileError("The sheet is empty.") from exc
    except FileError:
        book.close()
        raise

    total = max(1, sheet.max_row or 1)
    read = [1]

    def rows() -> Iterator[tuple[int, dict[str, str]]]:
        try:
            for number, row in enumerate(values, start=2):
                read[0] = number
                cells = [_cell(v) for v in row]
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

    return Table(columns, "xlsx", "", rows(), lambda: read[0] / total, book.close)


def table_open(path: Path) -> Table:
    """Open ``path`` (CSV or XLSX) for reading row by row."""
    try:
        with path.open("rb") as probe:
            head = probe.read(4)
    except OSError as exc:
        raise FileError(f"Cannot read {path}: {exc.strerror}.") from exc
    if head.startswith(b"PK\x03\x04"):
        return _xlsx(path)
    return _csv(path)
