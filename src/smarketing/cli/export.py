"""``smarketing export``: contacts, accounts, deals or events to CSV."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from smarketing.cli.setup import database_check, django_start

KINDS = ("contacts", "accounts", "deals", "events")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "export",
        help="export contacts, accounts, deals or events to CSV",
        description="Write every record of a kind as CSV (UTF-8), streamed, with the column "
        "names `smarketing import` reads back. Cells a spreadsheet would run as a formula are "
        "prefixed with an apostrophe.",
    )
    parser.add_argument("kind", choices=KINDS, help="what to export")
    parser.add_argument(
        "-o",
        "--output",
        type=Path,
        metavar="FILE",
        help="file to write (default: standard output)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    django_start()
    database_check(migrated=True)
    from smarketing.imports.export import export_lines, export_write

    if args.output is None:
        export_write(export_lines(args.kind), sys.stdout)
        return 0
    with args.output.open("w", encoding="utf-8", newline="") as handle:
        count = export_write(export_lines(args.kind), handle)
    print(f"Wrote {count:,} {args.kind} to {args.output}.", file=sys.stderr)
    return 0
