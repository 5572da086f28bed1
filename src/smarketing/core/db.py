"""Database helpers that depend on the engine."""

from __future__ import annotations

from django.db import connection


def sqlite_checkpoint() -> None:
    """On SQLite, fold the WAL back into the database file (after bulk jobs). No-op elsewhere."""
    if connection.vendor == "sqlite" and not connection.is_in_memory_db():  # type: ignore[attr-defined]
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
