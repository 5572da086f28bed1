"""What an import did: counts, and each problem with its row, column and reason."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

KEEP = 1000  # problems kept in memory for display; the report file has them all
COUNTS = (
    "created",
    "updated",
    "unchanged",
    "rejected",
    "warnings",
    "accounts_created",
    "history_rows",
    "contradictions",
)


@dataclass(frozen=True)
class Problem:
    """A row refused (``rejected``) or imported with a remark (``warning``)."""

    row: int
    column: str
    reason: str
    severity: str = "rejected"


@dataclass
class ImportReport:
    """The outcome of an import (or of its dry run)."""

    kind: str
    mapping: str
    dry_run: bool = False
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    warnings: int = 0
    accounts_created: int = 0
    history_rows: int = 0
    contradictions: int = 0  # contacts whose recorded stage its deals contradict
    aborted: bool = False
    problems: list[Problem] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)  # about the file: its header, its dates
    _writer: Any = None
    _pending: list[Problem] = field(default_factory=list)
    _file: IO[str] | None = None

    def open_file(self, path: Path) -> None:
        """Write every problem to ``path`` as CSV (row, column, severity, reason)."""
        self._file = path.open("w", encoding="utf-8", newline="")
        self._writer = csv.writer(self._file)
        self._writer.writerow(["row", "column", "severity", "reason"])

    def note(self, notice: str) -> None:
        """Tell something about the whole file (listed first, with severity ``notice``)."""
        self.notices.append(notice)
        if self._writer is not None:
            self._writer.writerow(["", "", "notice", notice])

    def add(self, problem: Problem) -> None:
        """Count a problem; it is listed, in row order, when its batch is done."""
        if problem.severity == "rejected":
            self.rejected += 1
        else:
            self.warnings += 1
        self._pending.append(problem)

    def mark(self) -> tuple[int, ...]:
        """The counts and the problems not listed yet, to go back to with :meth:`restore`."""
        return (*(getattr(self, name) for name in COUNTS), len(self._pending))

    def restore(self, mark: tuple[int, ...]) -> None:
        """Forget what was counted and added since ``mark`` (a batch the database refused)."""
        for name, value in zip(COUNTS, mark, strict=False):
            setattr(self, name, value)
        del self._pending[mark[-1] :]

    def flush(self) -> None:
        """List the batch's problems in row order (the display keeps the first ones)."""
        for problem in sorted(self._pending, key=lambda p: p.row):
            if len(self.problems) < KEEP:
                self.problems.append(problem)
            if self._writer is not None:
                self._writer.writerow(
                    [problem.row, problem.column, problem.severity, problem.reason]
                )
        self._pending.clear()

    def close(self) -> None:
        self.flush()
        if self._file is not None:
            self._file.close()
            self._file = None

    def as_dict(self) -> dict[str, Any]:
        """The counts and the first problems, JSON-ready."""
        return {
            "kind": self.kind,
            "mapping": self.mapping,
            "dry_run": self.dry_run,
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "warnings": self.warnings,
            "accounts_created": self.accounts_created,
            "history_rows": self.history_rows,
            "contradictions": self.contradictions,
            "aborted": self.aborted,
            "problems": [p.__dict__ for p in self.problems],
            "notices": self.notices,
        }
