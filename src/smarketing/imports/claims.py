"""Which row of a file came first with each key (an e-mail, an id in the source system, a
website domain…), so that one rule holds for the whole file whatever its size and batches:
the first row with a key wins, a later row with the same key is a duplicate of it.

A million e-mails kept as text in a dict cost about 180 MB, and a temporary SQLite table of
them 40 µs a row; the keys are kept as 64-bit hashes instead, in an open-addressing table of
two arrays (12 bytes a slot, at most 3/4 full: 25 MB for a million keys, 44 MB at the peak of
its growth; about 8 µs a row on a loaded two-core machine). Two different keys share a hash
with a probability of about one in ten million for a file of a million rows: the later row
would be reported as a duplicate of the earlier one (reported, never merged). A batch's keys
are kept only once the batch is written (:meth:`Claims.attempt`), so that a batch the database
refuses can be written again row by row.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Protocol, TypeVar

FIRST_SIZE = 1 << 12  # slots of a new table (a power of two)


class Numbered(Protocol):
    """A row read from the file: it knows its row number."""

    @property
    def number(self) -> int: ...


R = TypeVar("R", bound=Numbered)


class _Slots:
    """An open-addressing table (linear probing) from non-zero 64-bit hashes to row numbers."""

    def __init__(self) -> None:
        self._empty(FIRST_SIZE)

    def _empty(self, size: int) -> None:
        self.codes = array("q", bytes(8 * size))  # 0: an empty slot
        self.rows = array("i", bytes(4 * size))
        self.mask, self.used, self.limit = size - 1, 0, size * 3 // 4

    def get(self, code: int) -> int:
        """The row that has ``code``, or 0."""
        codes, mask = self.codes, self.mask
        at = code & mask
        while found := codes[at]:
            if found == code:
                return self.rows[at]
            at = (at + 1) & mask
        return 0

    def put(self, pairs: Iterable[tuple[int, int]]) -> None:
        """Give each code to its row, unless a row has it already."""
        for code, row in pairs:
            codes, mask = self.codes, self.mask
            at = code & mask
            while (found := codes[at]) and found != code:
                at = (at + 1) & mask
            if found:
                continue
            codes[at], self.rows[at] = code, row
            self.used += 1
            if self.used > self.limit:
                self._grow()

    def _grow(self) -> None:
        codes, rows = self.codes, self.rows
        self._empty(len(codes) * 2)
        self.put((code, row) for code, row in zip(codes, rows, strict=True) if code)


class Claims:
    """The keys claimed so far in one file, each with the row that claimed it first."""

    def __init__(self) -> None:
        self._slots = _Slots()
        self._batch: dict[int, int] | None = None  # the claims of the batch being written

    def firsts(
        self, rows: Sequence[R], keys_of: Callable[[R], list[tuple[str, str]]]
    ) -> tuple[list[R], list[tuple[R, str, int]]]:
        """Split ``rows`` (in file order) into the rows that come first with every one of their
        keys ((kind, key) pairs; empty keys are ignored), whose keys are claimed, and the
        duplicates, each with the kind of key it repeats and the row that had it first."""
        batch: dict[int, int] = {} if self._batch is None else self._batch
        first: list[R] = []
        repeats: list[tuple[R, str, int]] = []
        get = self._slots.get
        for row in rows:
            codes = [(kind, hash((kind, key)) or 1) for kind, key in keys_of(row) if key]
            for kind, code in codes:
                if earlier := batch.get(code) or get(code):
                    repeats.append((row, kind, earlier))
                    break
            else:
                first.append(row)
                for _, code in codes:
                    batch[code] = row.number
        if self._batch is None:
            self._keep(batch)
        return first, repeats

    def _keep(self, batch: dict[int, int]) -> None:
        self._slots.put(batch.items())

    @contextmanager
    def attempt(self) -> Iterator[None]:
        """Keep the keys claimed inside only if the block ends without an error."""
        self._batch = {}
        try:
            yield
            self._keep(self._batch)
        finally:
            self._batch = None
