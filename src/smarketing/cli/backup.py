"""``smarketing backup``: a consistent copy of the whole database, while the product runs."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path

from smarketing.cli.setup import CommandError, database_check, django_start


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "backup",
        help="write a backup of the whole database to a file",
        description="Write a consistent copy of the database to a new file: SQLite's online "
        "backup API, or pg_dump's custom format for PostgreSQL (its client tools must be "
        "installed). The product may keep running. The file holds personal data: it is "
        "readable by its owner only; keep it safe. Restore it with `smarketing restore`.",
    )
    parser.add_argument(
        "--output",
        metavar="PATH",
        default=None,
        help="the file to write, which must not exist "
        "(default: backups/smarketing-<UTC time>.sqlite3 or .dump in the data folder)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    django_start()
    database_check(migrated=True)
    from django.conf import settings
    from django.db import connection

    from smarketing.core.backup import backup_write, database_label
    from smarketing.core.errors import DomainError

    if args.output:
        target = Path(args.output)
    else:
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        suffix = "dump" if connection.vendor == "postgresql" else "sqlite3"
        target = Path(settings.DATA_DIR) / "backups" / f"smarketing-{stamp}.{suffix}"
    try:
        written = backup_write(target)
    except DomainError as exc:
        raise CommandError(exc.message) from exc
    size = written.stat().st_size
    print(f"Backed up {database_label()} to {written} ({size:,} bytes).")
    return 0
