"""Backups of the whole database and their restore, with the database's own tools.

- SQLite: SQLite's online backup API (``sqlite3.Connection.backup``) copies a consistent
  snapshot page by page while the product runs; restoring copies the file's pages back the
  same way.
- PostgreSQL: ``pg_dump --format=custom`` (a consistent snapshot in one transaction) and
  ``pg_restore --clean --if-exists --no-owner --single-transaction`` (all or nothing).

A backup file says what it is by its first bytes (``SQLite format 3``, ``PGDMP``): restoring one
kind into the other database is refused before anything changes. :func:`fingerprint` gives each
table's row count and a checksum of its rows, to prove a round trip lost nothing.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path
from sqlite3 import connect as sqlite_open  # (an attribute named connect reads as a signal)
from urllib.parse import urlsplit

from django.db import connection

from smarketing.core.errors import CommonErrorCode, DomainError

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_MAGIC = b"PGDMP"
PAGES_PER_STEP = 1024


def _kind() -> str:
    return "postgres" if connection.vendor == "postgresql" else "sqlite"


def _pg_env() -> tuple[list[str], dict[str, str]]:
    """Connection arguments and environment for pg_dump / pg_restore (password in the env)."""
    settings = connection.settings_dict
    env = dict(os.environ)
    if settings.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings["PASSWORD"])
    args = ["--dbname", str(settings["NAME"])]
    if settings.get("HOST"):
        args += ["--host", str(settings["HOST"])]
    if settings.get("PORT"):
        args += ["--port", str(settings["PORT"])]
    if settings.get("USER"):
        args += ["--username", str(settings["USER"])]
    return args, env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise DomainError(
            f"{name} is not installed: install PostgreSQL's client tools (Debian: "
            "postgresql-client) of the server's major version.",
            code=CommonErrorCode.INVALID,
        )
    return found


def backup_write(destination: Path) -> Path:
    """Write a backup of the database to ``destination`` (created; never overwritten)."""
    if destination.exists():
        raise DomainError(
            f"{destination} exists: choose a new file name.", code=CommonErrorCode.INVALID
        )
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(destination.name + ".partial")
    if _kind() == "sqlite":
        connection.ensure_connection()
        target = sqlite_open(partial)
        try:
            connection.connection.backup(target, pages=PAGES_PER_STEP)
        finally:
            target.close()
    else:
        args, env = _pg_env()
        done = subprocess.run(
            [_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(partial), *args],
            env=env,
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            partial.unlink(missing_ok=True)
            raise DomainError(
                f"pg_dump failed: {done.stderr.strip()}", code=CommonErrorCode.INVALID
            )
    partial.replace(destination)
    destination.chmod(0o600)  # personal data: readable by the product's user only
    return destination


def backup_kind(path: Path) -> str:
    """``sqlite`` or ``postgres`` from the file's first bytes; a clear error otherwise."""
    try:
        with path.open("rb") as file:
            head = file.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise DomainError(
            f"Cannot read {path}: {exc.strerror}.", code=CommonErrorCode.INVALID
        ) from exc
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PG_MAGIC):
        return "postgres"
    raise DomainError(f"{path} is not a Smarketing backup.", code=CommonErrorCode.INVALID)


def backup_restore(source: Path) -> None:
    """Replace the database's content with the backup's (all or nothing)."""
    kind = backup_kind(source)
    if kind != _kind():
        raise DomainError(
            f"This is a {kind} backup and the database is {_kind()}: restore it into a "
            f"{kind} database.",
            code=CommonErrorCode.INVALID,
        )
    if kind == "sqlite":
        backup = sqlite_open(f"file:{source}?mode=ro", uri=True)
        try:
            connection.ensure_connection()
            backup.backup(connection.connection, pages=PAGES_PER_STEP)
        finally:
            backup.close()
        return
    args, env = _pg_env()
    done = subprocess.run(
        [
            _tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--exit-on-error",
            *args,
            str(source),
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise DomainError(f"pg_restore failed: {done.stderr.strip()}", code=CommonErrorCode.INVALID)


def fingerprint() -> dict[str, tuple[int, str]]:
    """Each table's row count and a SHA-256 of its rows in primary-key (or full) order."""
    found: dict[str, tuple[int, str]] = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            quoted = connection.ops.quote_name(table)
            cursor.execute(f"SELECT * FROM {quoted} ORDER BY 1")  # noqa: S608 (names from the schema)
            digest, rows = hashlib.sha256(), 0
            for row in cursor.fetchall():
                digest.update(repr(tuple(map(str, row))).encode())
                rows += 1
            found[table] = (rows, digest.hexdigest())
    return found


def database_label() -> str:
    """Where the data lives, for messages (no password)."""
    settings = connection.settings_dict
    if _kind() == "sqlite":
        return str(settings["NAME"])
    url = urlsplit(f"//{settings.get('HOST') or 'localhost'}:{settings.get('PORT') or 5432}")
    return f"postgres://{url.netloc}/{settings['NAME']}"
