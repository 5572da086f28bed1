"""``smarketing import``: contacts, accounts or deals from a CSV or XLSX file."""

from __future__ import annotations

import argparse
import shutil
import time
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from smarketing.cli.progress import progress_bar
from smarketing.cli.setup import CommandError, database_check, django_start

if TYPE_CHECKING:
    from smarketing.imports.mappings import Mapping
    from smarketing.imports.readers import Table
    from smarketing.imports.report import ImportReport

KINDS = ("contacts", "accounts", "deals")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "import",
        help="import contacts, accounts or deals from a CSV or XLSX file",
        description="Import a CSV (UTF-8 or Latin-1, comma, semicolon or tab) or XLSX file. "
        "The column mapping is detected for exports of Zoho, HubSpot, Salesforce, Pipedrive "
        "and Smarketing itself, or given with --mapping. Rows are deduplicated (contacts on "
        "e-mail, accounts on website domain, records on their id in the source system), so "
        "running the same file again changes nothing. Problems are listed per row and column.",
    )
    parser.add_argument("kind", choices=KINDS, help="what the file holds")
    parser.add_argument("file", type=Path, help="the CSV or XLSX file")
    parser.add_argument(
        "--mapping",
        metavar="NAME|FILE",
        help="a shipped mapping's name or a mapping .yaml file (default: detected from the "
        "columns)",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="report what would happen, write nothing"
    )
    parser.add_argument(
        "--all-or-nothing", action="store_true", help="import nothing if any row is rejected"
    )
    parser.add_argument(
        "--report",
        type=Path,
        metavar="FILE",
        help="write every problem (row, column, reason) to this CSV file (default: none; the "
        "first 20 are printed)",
    )
    parser.add_argument(
        "--header-row",
        type=int,
        metavar="N",
        help="the row that holds the column names, from 1; the rows above it are skipped "
        "(default: the mapping's header_row, else 1)",
    )
    parser.add_argument(
        "--header-rows",
        type=int,
        choices=(1, 2),
        help="the header is on 1 row or 2, combined as 'Top / Bottom' (default: the "
        "mapping's, else 2 when an XLSX header's merged cells show it)",
    )
    parser.add_argument(
        "--date-order",
        choices=("day_first", "month_first"),
        help="how to read dates such as 03/04/2024 in the date columns the mapping does not "
        "settle (default: decided per column from its values)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    django_start()
    database_check(migrated=True)
    from smarketing.imports.mappings import mapping_named
    from smarketing.imports.readers import table_open

    if not args.file.is_file():
        raise CommandError(f"no file at {args.file}")
    if args.header_row is not None and args.header_row < 1:
        raise CommandError("--header-row is a row number, from 1")
    given = mapping_named(args.mapping) if args.mapping else None
    if given is not None and given.kind != args.kind:
        raise CommandError(f"the mapping {given.name} is for {given.kind}, not {args.kind}")
    header_row = args.header_row or (given.header_row if given else 1)
    header_rows = args.header_rows or (given.header_rows if given else 0)
    with table_open(args.file, header_row=header_row, header_rows=header_rows) as table:
        return _import(args, table, given)


def _import(args: argparse.Namespace, table: Table, given: Mapping | None) -> int:
    from smarketing.imports.dates import is_date
    from smarketing.imports.mappings import TARGETS, mapping_detect

    mapping = given or mapping_detect(table.columns, args.kind)
    if mapping is None:
        raise CommandError("the columns match no known export: give --mapping (see docs/import.md)")
    orders = {t: args.date_order for t in TARGETS[args.kind] if is_date(t) and args.date_order}
    mapping = replace(
        mapping,
        header_row=table.header_row,
        header_rows=table.header_rows,
        dates={**orders, **mapping.dates},
    )
    print(f"{args.file.name}: {table.encoding}, mapping {mapping.label}")
    started = time.monotonic()
    report = _recorded(args, table, mapping)
    seconds = time.monotonic() - started
    progress_bar("file", 1000, 1000)
    verb = "would be" if args.dry_run else "were"
    print(
        f"{report.rows:,} rows in {seconds:.1f} s: {report.created:,} {verb} created, "
        f"{report.updated:,} updated, {report.unchanged:,} unchanged, {report.rejected:,} "
        f"rejected ({report.warnings:,} warnings); {report.accounts_created:,} accounts "
        f"{verb} created."
    )
    for notice in report.notices:
        print(f"  notice: {notice}")
    for problem in report.problems[:20]:
        print(
            f"  row {problem.row}, {problem.column or '-'}: {problem.reason} ({problem.severity})"
        )
    if len(report.problems) > 20:
        hint = f" (all in {args.report})" if args.report else " (use --report FILE for all)"
        print(f"  … {report.rejected + report.warnings - 20:,} more{hint}")
    if report.aborted:
        print("Nothing was imported: some rows were rejected and --all-or-nothing was given.")
        return 1
    return 0


def _recorded(args: argparse.Namespace, table: Table, mapping: Mapping) -> ImportReport:
    """Run the import; a real one (not a dry run) is listed on the import page with its
    report, its problems kept in the data folder (and also in ``--report`` when given)."""
    from smarketing.imports.engine import import_run
    from smarketing.imports.jobs import job_from_command, job_from_command_end, job_report_path

    def run(report_path: Path | None) -> ImportReport:
        return import_run(
            table=table,
            mapping=mapping,
            dry_run=args.dry_run,
            all_or_nothing=args.all_or_nothing,
            report_path=report_path,
            progress=lambda r: progress_bar("file", int(table.done() * 1000), 1000),
        )

    if args.dry_run:
        return run(args.report)
    job = job_from_command(kind=args.kind, file_name=str(args.file), mapping=mapping)
    try:
        report = run(job_report_path(job))
    except BaseException as exc:
        job_from_command_end(job, report=None, error=f"{type(exc).__name__}: {exc}"[:2000])
        raise
    job_from_command_end(job, report=report)
    if args.report is not None:
        shutil.copyfile(job_report_path(job), args.report)
    return report
