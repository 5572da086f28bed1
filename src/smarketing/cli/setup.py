"""Start Django for a subcommand, turning configuration and database problems into one line."""

from __future__ import annotations

import os

from smarketing.core.config import ConfigError


class CommandError(Exception):
    """A problem the user must fix; printed as one line on stderr, exit code 2."""


def django_start() -> None:
    """Load the settings and the apps; a bad setting becomes a :class:`CommandError`."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smarketing.settings")
    import django

    try:
        django.setup()
    except ConfigError as exc:
        raise CommandError(str(exc)) from exc


def database_check(*, migrated: bool) -> None:
    """Check the database answers and, if ``migrated``, that every migration is applied."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor
    from django.db.utils import OperationalError

    settings = connection.settings_dict
    where = (
        settings["NAME"]
        if connection.vendor == "sqlite"
        else f"{settings['HOST'] or 'localhost'}:{settings['PORT'] or 5432}/{settings['NAME']}"
    )
    try:
        connection.ensure_connection()
    except OperationalError as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise CommandError(
            f"Cannot reach the database at {where} ({reason}): check DATABASE_URL and that "
            "the server is running."
        ) from exc
    if migrated:
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if plan:
            raise CommandError(
                f"The database at {where} has {len(plan)} unapplied migrations: "
                "run `smarketing migrate` first."
            )
