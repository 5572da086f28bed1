"""Database helpers that depend on the engine."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection

from smarketing.core.config import SQLITE_TEMP_STORE


def sqlite_checkpoint() -> None:
    """On SQLite, fold the WAL back into the database file (after bulk jobs). No-op elsewhere."""
    if connection.vendor == "sqlite" and not connection.is_in_memory_db():  # type: ignore[attr-defined]
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")


@contextmanager
def sqlite_sorts_on_disk() -> Iterator[None]:
    """On SQLite, let large sorts spill to temporary files (beyond the page cache's budget)
    rather than grow in memory, for a heavy batch job; the connection's default keeps them in
    memory. No-op elsewhere, and inside a transaction, where SQLite cannot switch."""
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA temp_store = FILE")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA temp_store = {SQLITE_TEMP_STORE}")
