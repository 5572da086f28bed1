"""Reading an XLSX file's first sheet in streaming mode, with its header's merged cells.

openpyxl's streaming (read-only) mode does not give the merged ranges of a sheet, and its
normal mode loads the whole workbook (a million rows would not fit). The ranges are in the
sheet's XML, in ``<mergeCells>`` after all the rows: :func:`merged_ranges` skips the rows as
bytes, then reads that element with an XML pull parser and stops at its end.

The header:

- a cell merged over several columns names each of them; alone (a one-row header) they are
  read as ``Name``, ``Name (2)``… (see :func:`smarketing.imports.headers.names_apart`);
- a **two-row header** combines its rows as ``Top / Bottom`` (``Deal / Amount``); a cell
  merged over both rows names its column once. It is used when asked (``header_rows: 2``),
  or found when not said: the header row has a cell merged over several columns, the row
  below has a text under each of their columns and nothing elsewhere (but under cells merged
  down over both rows);
- rows above the chosen header row (``header_row``) are skipped; rows keep the sheet's
  numbering.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from itertools import chain
from pathlib import Path
from typing import Any, cast
from xml.etree import ElementTree as ET

from smarketing.imports.headers import names_combined

CHUNK = 1024 * 1024
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
ROOT = re.compile(rb"<((?:[\w.-]+:)?worksheet)\b[^>]*>")
MERGES = re.compile(rb"<(?:[\w.-]+:)?mergeCells\b")
REF = re.compile(r"([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?")


@dataclass(frozen=True)
class Merge:
    """A merged range: its first and last columns and rows (1-based)."""

    min_col: int
    min_row: int
    max_col: int
    max_row: int

    def covers(self, row: int) -> bool:
        return self.min_row <= row <= self.max_row


def cell_text(value: Any) -> str:
    """A cell's value as the text a CSV file would hold."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _column(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - ord("A") + 1
    return number


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _xml(data: bytes) -> ET.Element:
    """A small part of the file, parsed; with no DTD (so no entity can be defined)."""
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise ET.ParseError("a DTD in a workbook part")
    return ET.fromstring(data)  # noqa: S314 - no DTD, and expat >= 2.4 caps expansions


def first_sheet(book: zipfile.ZipFile) -> str:
    """The zip member of the workbook's first worksheet (the one openpyxl reads first)."""
    workbook = "xl/workbook.xml"
    root = _xml(book.read("_rels/.rels"))
    for rel in root:
        if rel.get("Type", "").endswith("/officeDocument"):
            workbook = rel.get("Target", workbook).lstrip("/")
    folder, name = posixpath.split(workbook)
    rels = _xml(book.read(posixpath.join(folder, "_rels", f"{name}.rels")))
    targets = {
        rel.get("Id"): rel.get("Target", "")
        for rel in rels
        if rel.get("Type", "").endswith("/worksheet")
    }
    for element in _xml(book.read(workbook)).iter():
        if _local(element.tag) == "sheet" and (target := targets.get(element.get(f"{{{REL}}}id"))):
            if target.startswith("/"):
                return target[1:]
            return posixpath.normpath(posixpath.join(folder, target))
    raise KeyError("no worksheet")


def merged_ranges(path: Path, first: int, last: int) -> list[Merge]:
    """The merged ranges of the first sheet that touch rows ``first`` to ``last``."""
    found: list[Merge] = []
    with zipfile.ZipFile(path) as book, book.open(first_sheet(book)) as sheet:
        data, root = b"", b""
        parser: ET.XMLPullParser | None = None
        while chunk := sheet.read(CHUNK):
            data += chunk
            if not root:
                if (start := ROOT.search(data)) is None:
                    data = data[-4096:]
                    continue
                root = start.group(0)
            if parser is None:
                if (at := MERGES.search(data)) is None:
                    data = data[-64:]
                    continue
                # the root's start tag, then the sheet from <mergeCells>: the rows (and any
                # DTD, which comes before them) are never parsed
                parser = ET.XMLPullParser(events=("end",))
                parser.feed(root)
                data = data[at.start() :]
            parser.feed(data)
            data = b""
            for event in parser.read_events():
                element = cast(tuple[str, ET.Element], event)[1]  # "end" events give elements
                if _local(element.tag) == "mergeCells":
                    return found
                if _local(element.tag) == "mergeCell" and (
                    match := REF.fullmatch(element.get("ref", ""))
                ):
                    a, b, c, d = match.groups()
                    merge = Merge(_column(a), int(b), _column(c or a), int(d or b))
                    if merge.min_row <= last and merge.max_row >= first:
                        found.append(merge)
                element.clear()
    return found


@dataclass
class Header:
    """A sheet's header: its names, the number of its last row, and what to tell the user."""

    names: list[str]
    last: int
    notices: list[str]


class SheetHeader:
    """Reads the header of a sheet's rows (``values``: openpyxl's rows from row 1), leaving
    ``rows``: (number, cells) of the rows after it."""

    def __init__(self, values: Iterator[tuple[Any, ...]], merges: list[Merge]) -> None:
        self.values, self.merges = values, merges
        self.kept: dict[int, tuple[Any, ...]] = {}

    def read(self, header_row: int, header_rows: int) -> Header | None:
        """The header at ``header_row`` (``header_rows``: 1, 2, or 0 to find out); None when
        the sheet has no such row."""
        needed = {m.min_row for m in self.merges} | {header_row}
        number = 0
        for number, row in enumerate(self.values, start=1):
            if number in needed:
                self.kept[number] = row
            if number == header_row:
                break
        if number != header_row:
            self.rows: Iterator[tuple[int, tuple[Any, ...]]] = iter(())
            return None
        second = next(self.values, None)
        if second is not None:
            self.kept[header_row + 1] = second
        two = header_rows == 2 or (
            header_rows == 0 and second is not None and self._two_rows(header_row, second)
        )
        top = self._filled(header_row)
        if two:
            below = header_row + 1
            both = {
                c - 1
                for m in self.merges
                if m.covers(header_row) and m.covers(below)
                for c in range(m.min_col, m.max_col + 1)
            }
            names = names_combined(top, self._filled(below), both)
            self.rows = enumerate(self.values, start=header_row + 2)
            notices = []
            if header_rows == 0:
                notices.append(
                    f"Rows {header_row} and {below} are read as one header (a cell merged over "
                    f"columns with names below it): names such as "
                    f"{next((n for n in names if ' / ' in n), names[0])!r}."
                )
            return Header(names, below, notices)
        rest = enumerate(self.values, start=header_row + 2)
        self.rows = chain([(header_row + 1, second)], rest) if second is not None else rest
        return Header(top, header_row, [])

    def _filled(self, number: int) -> list[str]:
        """The texts of row ``number``, each merged range's text given to all its columns."""
        names = [cell_text(v) for v in self.kept.get(number, ())]
        for merge in self.merges:
            if not merge.covers(number):
                continue
            origin = self.kept.get(merge.min_row, ())
            text = cell_text(origin[merge.min_col - 1]) if merge.min_col <= len(origin) else ""
            names += [""] * (merge.max_col - len(names))
            names[merge.min_col - 1 : merge.max_col] = [text] * (merge.max_col - merge.min_col + 1)
        return names

    def _two_rows(self, header_row: int, second: tuple[Any, ...]) -> bool:
        """Whether row ``header_row + 1`` names the columns of the header row's merged cells."""
        groups = [
            m for m in self.merges if m.min_row == header_row == m.max_row and m.max_col > m.min_col
        ]
        if not groups:
            return False
        grouped = {c for m in groups for c in range(m.min_col, m.max_col + 1)}
        down = {
            c
            for m in self.merges
            if m.covers(header_row) and m.covers(header_row + 1)
            for c in range(m.min_col, m.max_col + 1)
        }
        for column in range(1, max(len(second), max(grouped)) + 1):
            value = second[column - 1] if column <= len(second) else None
            text = cell_text(value)
            if column in grouped and not (text and isinstance(value, str)):
                return False
            if column not in grouped and column not in down and text:
                return False
        return True
