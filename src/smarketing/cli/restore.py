"""``smarketing restore``: replace the database's content with a backup's."""

from __future__ import annotations

import argparse
from pathlib import Path

from smarketing.cli.setup import CommandError, django_start


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "restore",
        help="replace the database's content with a backup's",
        description="Replace everything in the database with the content of a file written by "
        "`smarketing backup`, all or nothing. Stop the web server and the worker first. A "
        "SQLite backup restores into SQLite, a PostgreSQL one into PostgreSQL; anything else "
        "is refused before a change. Run `smarketing migrate` after restoring an older backup.",
    )
    parser.add_argument("path", metavar="PATH", help="the backup file (default: none, required)")
    parser.add_argument(
        "--yes",
        action="store_true",
        help="replace a database that holds data without asking (default: ask)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    django_start()
    from smarketing.core.backup import backup_kind, backup_restore, database_label
    from smarketing.core.errors import DomainError

    source = Path(args.path)
    try:
        kind = backup_kind(source)
    except DomainError as exc:
        raise CommandError(exc.message) from exc
    if not args.yes:
        answer = input(f"Replace everything in {database_label()} with {source} ({kind})? [y/N] ")
        if answer.strip().lower() not in ("y", "yes", "o", "oui"):
            print("Nothing was changed.")
            return 1
    try:
        backup_restore(source)
    except DomainError as exc:
        raise CommandError(exc.message) from exc
    print(f"Restored {source} into {database_label()}.")
    return 0
