"""Running an import: read the file, map each row, write in batches, report every problem.

Modes: a **dry run** does everything in one transaction and rolls it back, so its counts are
exactly what the import would do; **all or nothing** does the same but keeps the work only if
no row was rejected; the default commits batch by batch (a file that is 99 % good imports its
good rows) and streams, so memory stays flat on a million rows.

Every rule of the database (unique e-mails and ids, lengths, ranges) is checked on the rows
before they are written, and duplicates are found across the whole file (:mod:`claims`), so
a batch is never refused. Should the database refuse one all the same, its rows are written
again one by one and the rows it refuses are rejected (and logged): an import does not stop on
one row. If it refuses every row of the batch, the fault is not in the rows: the import stops.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from itertools import islice
from pathlib import Path
from typing import Any

from django.db import DatabaseError, transaction

from smarketing.core.db import sqlite_checkpoint
from smarketing.core.errors import DomainError
from smarketing.imports import accounts, contacts, deals
from smarketing.imports.claims import Claims
from smarketing.imports.csvfile import Unreadable
from smarketing.imports.dates import dates_decide
from smarketing.imports.errors import ImportErrorCode
from smarketing.imports.headers import columns_match
from smarketing.imports.lookups import Owners
from smarketing.imports.mappings import REQUIRED, Mapping
from smarketing.imports.readers import Rows, Table, table_open
from smarketing.imports.report import ImportReport, Problem

BATCH = 1000
logger = logging.getLogger("smarketing.imports")
# what ties a deal to the record: its contact, else its account
DEAL_KEYS = ("contact_email", "contact_external_id", "account_external_id", "account_name")
KINDS: dict[str, Any] = {"contacts": contacts, "accounts": accounts, "deals": deals}
Progress = Callable[[ImportReport], None]


def mapping_for_table(
    mapping: Mapping, columns: list[str], notices: list[str] | None = None
) -> Mapping:
    """``mapping`` with the file's names of its columns (matched in any case, with any spaces
    and accents), without the optional fields whose column the file lacks; raise when a
    required field's column is missing. Two columns of the file alike: the first is read,
    with a notice added to ``notices``."""
    present = columns_match(mapping.columns, columns, notices)
    needed = list(REQUIRED[mapping.kind])
    if mapping.kind == "contacts" and "external_id" in present:
        needed.remove("email")  # a contact known by its id needs no e-mail
    if mapping.kind == "deals" and not set(DEAL_KEYS) & set(present):
        needed.append("contact_email")
    for target in needed:
        if target not in present:
            column = mapping.columns.get(target, target)
            raise DomainError(
                f"The file has no column {column!r}: the {target} field needs one.",
                code=ImportErrorCode.MISSING_COLUMN,
                field=column,
            )
    return replace(mapping, columns=present)


def _with_header(table: Table, mapping: Mapping) -> Table:
    """``table``, or its file opened again with the mapping's header rows when they differ."""
    asked = (mapping.header_row, mapping.header_rows)
    if table.path is None or asked == (table.header_row, table.header_rows):
        return table
    table.close()
    return table_open(table.path, header_row=mapping.header_row, header_rows=mapping.header_rows)


def _finish(module: Any, mapping: Mapping, report: ImportReport) -> None:
    """The kind's last word on the whole file (e.g. ``values:`` keys that matched nothing)."""
    if (finish := getattr(module, "import_finish", None)) is not None:
        finish(mapping, report)


class _Rollback(Exception):
    """Undoes a dry run (or a refused all-or-nothing run) at the end."""


def import_run(
    *,
    table: Table,
    mapping: Mapping,
    dry_run: bool = False,
    all_or_nothing: bool = False,
    report_path: Path | None = None,
    progress: Progress | None = None,
    batch_size: int = BATCH,
) -> ImportReport:
    """Import ``table`` with ``mapping``; return the report (problems also in ``report_path``).

    The table is read with the mapping's ``header_row`` and ``header_rows`` (opened again if
    it was not); its date columns are read once first, to decide how each is read (see
    :mod:`smarketing.imports.dates`): a column that cannot be decided stops the import before
    anything is written."""
    try:
        table = _with_header(table, mapping)
        notices = list(table.notices)
        mapping = mapping_for_table(mapping, table.columns, notices)
        decided, told = dates_decide(table, mapping)
    except BaseException:
        table.close()
        raise
    mapping = replace(mapping, dates={**mapping.dates, **decided})
    module = KINDS[mapping.kind]
    report = ImportReport(kind=mapping.kind, mapping=mapping.name, dry_run=dry_run)
    if report_path is not None:
        report.open_file(report_path)
    for notice in [*notices, *told]:
        report.note(notice)
    run = _Run(module, mapping, Owners(), report, Claims(), progress, batch_size)
    try:
        if dry_run or all_or_nothing:
            try:
                with transaction.atomic():
                    run.batches(table.rows())
                    _finish(module, mapping, report)
                    if dry_run or report.rejected:
                        raise _Rollback
            except _Rollback:
                report.aborted = all_or_nothing and not dry_run and report.rejected > 0
        else:
            run.batches(table.rows())
            _finish(module, mapping, report)
    finally:
        report.close()
        table.close()
    sqlite_checkpoint()
    return report


class _Run:
    """One import's batches: read, check, write."""

    def __init__(
        self,
        module: Any,
        mapping: Mapping,
        owners: Owners,
        report: ImportReport,
        claims: Claims,
        progress: Progress | None,
        size: int,
    ) -> None:
        self.module, self.mapping, self.owners, self.report = module, mapping, owners, report
        self.claims, self.progress, self.size = claims, progress, size

    def batches(self, rows: Rows) -> None:
        report = self.report
        while chunk := list(islice(rows, self.size)):
            report.rows += len(chunk)
            valid = []
            for number, raw in chunk:
                if isinstance(raw, Unreadable):
                    report.add(Problem(number, "", raw.reason))
                elif (
                    row := self.module.row_read(number, raw, self.mapping, self.owners, report)
                ) is not None:
                    valid.append(row)
            if valid and (error := self._write(valid)) is not None:
                self._one_by_one(valid, error)
            report.flush()
            if self.progress is not None:
                self.progress(report)

    def _write(self, rows: list[Any]) -> DatabaseError | None:
        """Write ``rows`` in one transaction; the database's error if it refused them (nothing
        of them is then written, nor counted)."""
        mark = self.report.mark()
        try:
            with self.claims.attempt(), transaction.atomic():
                self.module.batch_write(rows, self.mapping, self.report, self.claims)
        except DatabaseError as exc:
            self.report.restore(mark)
            return exc
        return None

    def _one_by_one(self, rows: list[Any], error: DatabaseError) -> None:
        """Write the rows of a batch the database refused one by one, and reject the rows it
        refuses; if it refuses every one, the error is not the rows': it stops the import."""
        numbers = (rows[0].number, rows[-1].number)
        logger.warning("import: rows %s to %s refused, tried one by one", *numbers, exc_info=error)
        refused = [(row, e) for row in rows if (e := self._write([row])) is not None]
        if len(rows) > 1 and len(refused) == len(rows):
            raise error
        for row, exc in refused:
            logger.warning("import: row %s refused: %s", row.number, exc)
            reason = f"the database refused this row ({type(exc).__name__}): row skipped"
            self.report.add(Problem(row.number, "", reason))
