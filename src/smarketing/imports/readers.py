"""Reading CSV and XLSX files row by row, whatever their encoding and delimiter.

CSV: UTF-8 (with or without a byte-order mark), else Windows-1252 (a superset of Latin-1);
the delimiter is the most frequent of ``,`` ``;`` and tab in the header line; quoted fields may
hold delimiters and newlines. XLSX: the first sheet, read in streaming mode. Rows are numbered
as a spreadsheet shows them (the header is row 1), so an error report points at the right line.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

from smarketing.core.errors import DomainError
from smarketing.imports.errors import ImportErrorCode

SAMPLE = 64 * 1024
csv.field_size_limit(1_000_000)


class FileError(DomainError):
    """The file cannot be read as a table."""

    code = ImportErrorCode.UNREADABLE_FILE


@dataclass
class Table:
    """A table's header and a way to walk its rows once."""

    columns: list[str]
    encoding: str
    delimiter: str
    _rows: Iterator[tuple[int, dict[str, str]]]
    _done: Callable[[], float] = lambda: 0.0
    _close: Callable[[], None] = lambda: None

    def done(self) -> float:
        """How much of the file was read, from 0 to 1 (for progress bars)."""
        return min(1.0, self._done())

    def rows(self) -> Iterator[tuple[int, dict[str, str]]]:
        """(row number, {column: text}) for every non-empty row after the header."""
        return self._rows

    def close(self) -> None:
        """Release the file (done by itself once every row was read)."""
        self._close()

    def __enter__(self) -> Table:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _encoding(sample: bytes) -> str:
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    cut = sample.rfind(b"\n") if len(sample) == SAMPLE else len(sample)
    try:
        sample[: cut if cut > 0 else len(sample)].decode("utf-8")
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8"


def _delimiter(header: str) -> str:
    counts = {d: header.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


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
        if name and name in seen:
            raise FileError(f"The column {name!r} appears twice in the header.")
        seen.add(name)
    return names


def _csv(stream: IO[bytes]) -> Table:
    try:
        return _csv_table(stream)
    except BaseException:
        stream.close()
        raise


def _csv_table(stream: IO[bytes]) -> Table:
    sample = stream.read(SAMPLE)
    stream.seek(0)
    if b"\x00" in sample:
        raise FileError("This is not a text file: save it as CSV (UTF-8) or XLSX.")
    encoding = _encoding(sample)
    text = io.TextIOWrapper(stream, encoding=encoding, errors="replace", newline="")
    first = sample.decode(encoding if encoding != "utf-8-sig" else "utf-8-sig", errors="replace")
    delimiter = _delimiter(first.splitlines()[0] if first else "")
    reader = csv.reader(text, delimiter=delimiter)
    try:
        columns = _clean(next(reader))
    except StopIteration as exc:
        raise FileError("The file is empty.") from exc

    def rows() -> Iterator[tuple[int, dict[str, str]]]:
        number = 1
        try:
            for values in reader:
                number += 1
                if not any(v.strip() for v in values):
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
            text.close()

    size = max(1, os.fstat(stream.fileno()).st_size)

    def done() -> float:
        return 1.0 if stream.closed else stream.tell() / size

    return Table(columns, encoding, delimiter, rows(), done, text.close)


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
    return _csv(path.open("rb"))
