"""Running an import: read the file, map each row, write in batches, report every problem.

Modes: a **dry run** does everything in one transaction and rolls it back, so its counts are
exactly what the import would do; **all or nothing** does the same but keeps the work only if
no row was rejected; the default commits batch by batch (a file that is 99 % good imports its
good rows) and streams, so memory stays flat on a million rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from itertools import islice
from pathlib import Path
from typing import Any

from django.db import transaction

from smarketing.core.db import sqlite_checkpoint
from smarketing.core.errors import DomainError
from smarketing.imports import accounts, contacts, deals
from smarketing.imports.errors import ImportErrorCode
from smarketing.imports.lookups import Owners
from smarketing.imports.mappings import REQUIRED, Mapping
from smarketing.imports.readers import Table
from smarketing.imports.report import ImportReport

BATCH = 1000
KINDS: dict[str, Any] = {"contacts": contacts, "accounts": accounts, "deals": deals}
Progress = Callable[[ImportReport], None]


def mapping_for_table(mapping: Mapping, columns: list[str]) -> Mapping:
    """``mapping`` without the optional fields whose column the file lacks; raise when a
    required field's column is missing."""
    present = {t: c for t, c in mapping.columns.items() if c in columns}
    needed = list(REQUIRED[mapping.kind])
    if mapping.kind == "deals" and not {"contact_email", "contact_external_id"} & set(present):
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
) -> ImportReport:
    """Import ``table`` with ``mapping``; return the report (problems also in ``report_path``)."""
    mapping = mapping_for_table(mapping, table.columns)
    module = KINDS[mapping.kind]
    report = ImportReport(kind=mapping.kind, mapping=mapping.name, dry_run=dry_run)
    if report_path is not None:
        report.open_file(report_path)
    owners = Owners()
    rows = table.rows()
    try:
        if dry_run or all_or_nothing:
            try:
                with transaction.atomic():
                    _batches(rows, module, mapping, owners, report, progress)
                    if dry_run or report.rejected:
                        raise _Rollback
            except _Rollback:
                report.aborted = all_or_nothing and not dry_run and report.rejected > 0
        else:
            _batches(rows, module, mapping, owners, report, progress)
    finally:
        report.close()
        table.close()
    sqlite_checkpoint()
    return report


def _batches(
    rows: Any,
    module: Any,
    mapping: Mapping,
    owners: Owners,
    report: ImportReport,
    progress: Progress | None,
) -> None:
    while chunk := list(islice(rows, BATCH)):
        report.rows += len(chunk)
        valid = [
            row
            for number, raw in chunk
            if (row := module.row_read(number, raw, mapping, owners, report)) is not None
        ]
        with transaction.atomic():
            module.batch_write(valid, mapping, report)
        report.flush()
        if progress is not None:
            progress(report)
