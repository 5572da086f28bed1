"""``smarketing import``: contacts, accounts or deals from a CSV or XLSX file."""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import TYPE_CHECKING

from smarketing.cli.progress import progress_bar
from smarketing.cli.setup import CommandError, database_check, django_start

if TYPE_CHECKING:
    from smarketing.imports.readers import Table

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
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    django_start()
    database_check(migrated=True)
    from smarketing.imports.readers import table_open

    if not args.file.is_file():
        raise CommandError(f"no file at {args.file}")
    with table_open(args.file) as table:
        return _import(args, table)


def _import(args: argparse.Namespace, table: Table) -> int:
    from smarketing.imports.engine import import_run
    from smarketing.imports.mappings import mapping_detect, mapping_named

    if args.mapping:
        mapping = mapping_named(args.mapping)
        if mapping.kind != args.kind:
            raise CommandError(f"the mapping {mapping.name} is for {mapping.kind}, not {args.kind}")
    else:
        detected = mapping_detect(table.columns, args.kind)
        if detected is None:
            raise CommandError(
                "the columns match no known export: give --mapping (see docs/import.md)"
            )
        mapping = detected
    print(f"{args.file.name}: {table.encoding}, mapping {mapping.label}")
    started = time.monotonic()
    report = import_run(
        table=table,
        mapping=mapping,
        dry_run=args.dry_run,
        all_or_nothing=args.all_or_nothing,
        report_path=args.report,
        progress=lambda r: progress_bar("file", int(table.done() * 1000), 1000),
    )
    seconds = time.monotonic() - started
    progress_bar("file", 1000, 1000)
    verb = "would be" if args.dry_run else "were"
    print(
        f"{report.rows:,} rows in {seconds:.1f} s: {report.created:,} {verb} created, "
        f"{report.updated:,} updated, {report.unchanged:,} unchanged, {report.rejected:,} "
        f"rejected ({report.warnings:,} warnings); {report.accounts_created:,} accounts "
        f"{verb} created."
    )
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
