"""Reading a CSV file: its encoding, its delimiter, and its rows, including the broken ones.

- **Encoding**: UTF-8 (a byte-order mark is dropped) when every byte of the file decodes as
  UTF-8, else Windows-1252 (a superset of Latin-1). The whole file is scanned before its first
  row is read, so a stray byte after the first megabytes cannot garble or stop an import
  half-way. A file with a NUL byte is not a text file (PostgreSQL cannot store one either).
- **Delimiter**: the most frequent of ``,`` ``;`` and tab in the header line.
- **Header**: the first record, or the one asked (``header_row``: the records above it are
  skipped), on one record or two (``header_rows``: combined as ``Top / Bottom``).
- **Rows** are numbered as a spreadsheet shows them (the header is row 1). A row that breaks
  the format is given as :class:`Unreadable`, with the reason, and the reading goes on:

  - a cell over ``CELL_LIMIT`` characters (or a line over ``LINE_LIMIT``): the row is skipped
    up to the end of that cell;
  - a quote that opens a cell and is never closed (the file ends inside it), or whose cell
    holds whole lines that look like rows of the file (as many cells as the header, 3 or more):
    the row is skipped and the lines after its first one are read again as rows, so that a
    missing quote costs one row, not the rest of the file.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

from smarketing.core.errors import DomainError
from smarketing.imports.errors import ImportErrorCode
from smarketing.imports.headers import names_combined

CHUNK = 1024 * 1024  # bytes read at a time by the encoding scan
SAMPLE = 64 * 1024  # bytes the delimiter is guessed from
CELL_LIMIT = 1_000_000  # characters in one cell
LINE_LIMIT = 4 * CELL_LIMIT  # characters in one line of the file
csv.field_size_limit(CELL_LIMIT)


class FileError(DomainError):
    """The file cannot be read as a table."""

    code = ImportErrorCode.UNREADABLE_FILE


@dataclass(frozen=True)
class Unreadable:
    """A row that breaks the CSV format, skipped; ``reason`` says how."""

    reason: str


class _LongLine(Exception):
    """A line of the file longer than ``LINE_LIMIT`` (raised through ``csv.reader``)."""


def encoding_scan(stream: IO[bytes]) -> str:
    """``utf-8-sig``, ``utf-8`` or ``cp1252``, decided on every byte of ``stream`` (rewound)."""
    bom = stream.read(len(codecs.BOM_UTF8)) == codecs.BOM_UTF8
    stream.seek(0)
    decoder = codecs.getincrementaldecoder("utf-8")()
    utf8, offset = True, 0
    while chunk := stream.read(CHUNK):
        if (nul := chunk.find(b"\x00")) >= 0:
            raise FileError(
                f"This is not a text file (a NUL byte at byte {offset + nul + 1:,}): save it as "
                "CSV (UTF-8) or XLSX."
            )
        if utf8:
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                utf8 = False
        offset += len(chunk)
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        utf8 = False
    stream.seek(0)
    if bom:
        return "utf-8-sig"
    return "utf-8" if utf8 else "cp1252"


def delimiter_guess(header: str) -> str:
    """The most frequent of comma, semicolon and tab in ``header`` (comma if none)."""
    counts = {d: header.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


class _Quotes:
    """Whether the csv module, reading a record, is inside a quoted cell: its parser's states,
    for the default dialect (a quote opens a cell only at its start, ``""`` is a quote)."""

    START, FIELD, QUOTED, CLOSED = range(4)

    def __init__(self, delimiter: str) -> None:
        self.state = self.START
        self.delimiter = delimiter
        self.ends = re.compile(f"[{re.escape(delimiter)}\r\n]")

    @property
    def inside(self) -> bool:
        return self.state == self.QUOTED

    def feed(self, text: str) -> None:
        """Read ``text`` (a line or a piece of one) as the parser would."""
        at, size = 0, len(text)
        while at < size:
            if self.state == self.QUOTED:
                at = text.find('"', at)
                if at < 0:
                    return
                self.state, at = self.CLOSED, at + 1
            elif self.state == self.FIELD:
                end = self.ends.search(text, at)
                if end is None:
                    return
                self.state, at = self.START, end.end()
            else:  # at a cell's start, or just after a quote in a quoted cell
                char = text[at]
                if char == '"':
                    self.state = self.QUOTED  # opens the cell, or is an escaped quote
                elif char == self.delimiter or char in "\r\n":
                    self.state = self.START
                else:
                    self.state = self.FIELD
                at += 1


class _Lines:
    """The file's lines for ``csv.reader``, keeping the lines of the record being read, with
    lines to read again (after a missing quote) before the file's next ones."""

    def __init__(self, text: IO[str]) -> None:
        self.text = text
        self.held: list[str] = []  # the lines of the record being read
        self.again: deque[str] = deque()
        self.long = ""  # the first piece of a line over LINE_LIMIT, when one stopped the reader
        self.open_at_end = False  # the file ended inside a quoted cell

    def __iter__(self) -> _Lines:
        return self

    def piece(self) -> str:
        """The next line, or its first ``LINE_LIMIT`` characters ('' at the end of the file)."""
        return self.again.popleft() if self.again else self.text.readline(LINE_LIMIT)

    def __next__(self) -> str:
        line = self.piece()
        if not line:
            self.open_at_end = bool(self.held)
            raise StopIteration
        if len(line) >= LINE_LIMIT and line[-1] not in "\r\n":
            self.long = line
            raise _LongLine
        self.held.append(line)
        return line


def _like_rows(lines: list[str], delimiter: str, width: int, least: int = 3) -> bool:
    """Whether one of ``lines``, read alone, has as many cells as the header (when the header
    has at least ``least``: with fewer, a line of a multi-line cell looks like a row too)."""
    if width < least:
        return False
    for line in lines:
        if line.count(delimiter) < width - 1:
            continue
        try:
            cells = next(csv.reader([line], delimiter=delimiter), [])
        except csv.Error:
            continue
        if len(cells) == width:
            return True
    return False


def _missing_quote(lines: _Lines, after: list[str], at_end: bool) -> str:
    """Read ``after`` (the lines after the record's first one) again; the record's reason."""
    lines.again.extendleft(reversed(after))
    lines.long, lines.open_at_end = "", False
    where = "the file ends inside it" if at_end else "it runs over lines that look like rows"
    again = f", the {len(after):,} lines after its first one read as rows" if after else ""
    return f"a quote opens a cell in this row and is not closed ({where}): row skipped{again}"


def _too_large(lines: _Lines, delimiter: str, why: str) -> str:
    """Skip the rest of a record that holds a cell too large; the reason it is skipped.

    The lines after the record's first one are kept while they are small: if the file ends
    inside the cell, its quote was never closed and they are read again as rows."""
    quotes = _Quotes(delimiter)
    pieces = deque(lines.held + ([lines.long] if lines.long else []))
    lines.long = ""
    kept: list[str] = []
    count, size, going_on, dropped = 0, 0, False, False
    while pieces or quotes.inside or going_on:
        piece = pieces.popleft() if pieces else lines.piece()
        if not piece:
            break
        count += not going_on  # the piece starts a line
        if count > 1 and not dropped:
            size += len(piece)
            dropped = size > CELL_LIMIT
            kept.append(piece)
        quotes.feed(piece)
        going_on = piece[-1] not in "\r\n"
    if quotes.inside and not dropped:
        return _missing_quote(lines, kept, at_end=True)
    if quotes.inside:
        return (
            f"a quote opens a cell in this row and is never closed: the {count:,} lines to the "
            f"end of the file would be one cell ({why}): row skipped"
        )
    over = f" (a cell over {count:,} lines)" if count > 1 else ""
    return f"{why}{over}: row skipped"


def _why(exc: Exception) -> str:
    """What made the csv module stop on a row."""
    if isinstance(exc, _LongLine):
        return f"a line holds more than {LINE_LIMIT:,} characters"
    if "field larger" in str(exc):
        return f"a cell holds more than {CELL_LIMIT:,} characters"
    return f"the row is not valid CSV ({exc})"


class CsvRows:
    """A CSV file opened for reading: its encoding, delimiter and header, then its rows."""

    def __init__(
        self,
        text: IO[str],
        encoding: str,
        delimiter: str,
        header_row: int = 1,
        header_rows: int = 1,
    ) -> None:
        self.text, self.encoding, self.delimiter = text, encoding, delimiter
        self.lines = _Lines(text)
        self.last = header_row + header_rows - 1  # the number of the header's last row
        reader = csv.reader(self.lines, delimiter=delimiter)
        records: list[list[str]] = []
        for number in range(1, self.last + 1):
            try:
                record = next(reader)
            except StopIteration as exc:
                raise FileError(
                    "The file is empty." if number == 1 else f"The file has no row {number}."
                ) from exc
            except (csv.Error, _LongLine) as exc:
                raise FileError(
                    f"The first row is not a header: it holds more than {CELL_LIMIT:,} characters."
                    if header_row == 1
                    else f"Row {number} is not valid CSV, or holds more than {CELL_LIMIT:,} "
                    "characters in a cell."
                ) from exc
            if self.lines.open_at_end:
                raise FileError("A quote opens a cell of the header and is never closed.")
            if number >= header_row:
                records.append(record)
        self.header = (
            records[0] if len(records) == 1 else names_combined(records[0], records[1], set())
        )

    def close(self) -> None:
        """Release the file."""
        self.text.close()

    def rows(self, width: int) -> Iterator[tuple[int, list[str] | Unreadable]]:
        """(row number, cells) for every non-empty row after the header, or (row number,
        :class:`Unreadable`) for a row that breaks the format; ``width``: the header's cells."""
        lines, delimiter, number = self.lines, self.delimiter, self.last
        reader = csv.reader(lines, delimiter=delimiter)
        while True:
            lines.held.clear()
            try:
                values = next(reader)
            except StopIteration:
                return
            except (csv.Error, _LongLine) as exc:
                number += 1
                after = lines.held[1:] + ([lines.long] if lines.long else [])
                if _like_rows(lines.held[1:], delimiter, width, least=1):
                    yield number, Unreadable(_missing_quote(lines, after, at_end=False))
                else:
                    yield number, Unreadable(_too_large(lines, delimiter, _why(exc)))
                reader = csv.reader(lines, delimiter=delimiter)
                continue
            number += 1
            # the lines between a multi-line cell's first and last (which holds the cells after
            # it) are text of the cell, unless a missing quote made them part of it
            if lines.open_at_end or (
                len(lines.held) > 2 and _like_rows(lines.held[1:-1], delimiter, width)
            ):
                after, at_end = lines.held[1:], lines.open_at_end
                yield number, Unreadable(_missing_quote(lines, after, at_end))
                reader = csv.reader(lines, delimiter=delimiter)
            elif any(v.strip() for v in values):
                yield number, values


def csv_open(stream: IO[bytes], header_row: int = 1, header_rows: int = 1) -> CsvRows:
    """Open ``stream`` (a CSV file, read from its start) and read its header (at
    ``header_row``, on ``header_rows`` records)."""
    encoding = encoding_scan(stream)
    head = stream.read(SAMPLE).decode(encoding, errors="replace").splitlines()
    stream.seek(0)
    delimiter = delimiter_guess(head[min(header_row, len(head)) - 1] if head else "")
    text = io.TextIOWrapper(stream, encoding=encoding, errors="replace", newline="")
    try:
        return CsvRows(text, encoding, delimiter, header_row, header_rows)
    except BaseException:
        text.close()
        raise
