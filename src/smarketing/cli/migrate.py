"""``smarketing migrate``: create or update the database tables."""

from __future__ import annotations

import argparse

from smarketing.cli.setup import database_check, django_start


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "migrate",
        help="create or update the database tables",
        description="Apply every pending database migration (safe to run again).",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="list each migration")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    django_start()
    database_check(migrated=False)
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=1 if args.verbose else 0)
    print("Database is up to date.")
    return 0
