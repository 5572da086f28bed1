"""Run the real ``smarketing`` command and Python snippets in subprocesses on a real database.

Each site starts from a migrated template instead of running ``smarketing migrate`` (about 6 s
a site): a SQLite file copied, or a PostgreSQL database created with ``TEMPLATE``. A template
is built once, by ``smarketing migrate`` in a subprocess as before, and named after a hash of
every installed app's migrations (and Django's version), so a changed migration gets a new
one; parallel sessions and xdist workers share it under a file lock.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest

ROOT = Path(__file__).resolve().parents[1]
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_SERVER = "postgresql://postgres@127.0.0.1:5432"
TEMPLATES = Path(tempfile.gettempdir()) / "smarketing-test-templates"
STALE_TEMPLATE = timedelta(days=1)  # templates of other migrations, removed when this old


@dataclass
class Site:
    """A database plus data folder that subprocesses and the test share."""

    env: dict[str, str]
    query: Callable[[str, tuple[Any, ...]], list[tuple[Any, ...]]]
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    database: str = ""  # the SQLite file, or the PostgreSQL database's name

    def run(
        self, *args: str, timeout: float = 120, **extra_env: str
    ) -> subprocess.CompletedProcess[str]:
        """Run ``smarketing ARGS`` to completion."""
        return subprocess.run(
            [sys.executable, "-m", "smarketing", *args],
            env={**self.env, **extra_env},
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def python(self, code: str) -> None:
        """Run a snippet with Django set up (e.g. to enqueue a task)."""
        prelude = "import django; django.setup()\n"
        subprocess.run([sys.executable, "-c", prelude + code], env=self.env, check=True, timeout=60)

    def start(self, *args: str, **extra_env: str) -> subprocess.Popen[bytes]:
        """Start ``smarketing ARGS`` in the background (stopped at the end of the test)."""
        log = Path(self.env["SMARKETING_DATA"]).parent / f"process-{len(self.processes)}.log"
        with log.open("wb") as output:
            process = subprocess.Popen(
                [sys.executable, "-m", "smarketing", *args],
                env={**self.env, **extra_env},
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        self.processes.append(process)
        return process

    def wait_for(self, condition: Callable[[], bool], timeout: float = 60) -> None:
        """Poll ``condition`` until it holds, or fail."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if condition():
                return
            time.sleep(0.1)
        raise AssertionError("condition not met in time")


def _base_env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "TASK_QUEUE"}}
    env.update(
        {
            "SMARKETING_DATA": str(tmp / "data"),
            "PYTHONPATH": str(ROOT),
            "DJANGO_SETTINGS_MODULE": "smarketing.settings",
            "WORKER_LEASE_SECONDS": "2",
        }
    )
    return env


def migrations_hash() -> str:
    """A hash of every migration file of every installed app, and of Django's version (read
    again for each site, a few milliseconds: a migration added meanwhile gets its template)."""
    import django
    from django.apps import apps

    digest = hashlib.sha256(django.get_version().encode())
    for config in sorted(apps.get_app_configs(), key=lambda app: app.label):
        digest.update(f"\0app {config.label}".encode())
        for path in sorted(Path(config.path).glob("migrations/*.py")):
            digest.update(f"\0{path.name}\0".encode() + path.read_bytes())
    return digest.hexdigest()[:16]


@contextmanager
def templates_lock() -> Iterator[None]:
    """Held while a template is checked or built (processes of one machine wait their turn)."""
    TEMPLATES.mkdir(parents=True, exist_ok=True)
    with (TEMPLATES / "lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _migrate(env: dict[str, str]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "smarketing", "migrate"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def sqlite_template() -> Path:
    """A SQLite file with every migration applied, built the first time it is asked for."""
    path = TEMPLATES / f"sqlite-{migrations_hash()}.sqlite3"
    with templates_lock():
        if path.exists():
            path.touch()  # in use: not stale
            return path
        with tempfile.TemporaryDirectory(dir=TEMPLATES) as building:
            built = Path(building) / "site.sqlite3"
            _migrate({**_base_env(Path(building)), "DATABASE_URL": f"sqlite:///{built}"})
            with closing(sqlite3.connect(built)) as db:  # all in the file, none in a -wal file
                db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            built.rename(path)  # whole or absent, for whoever looks next
        old = datetime.now(UTC) - STALE_TEMPLATE
        for other in TEMPLATES.glob("sqlite-*.sqlite3"):
            if other != path and datetime.fromtimestamp(other.stat().st_mtime, UTC) < old:
                other.unlink(missing_ok=True)
    return path


@contextmanager
def sqlite_site(tmp: Path, copy_of: Site | None = None) -> Iterator[Site]:
    path = tmp / "site.sqlite3"
    tmp.mkdir(parents=True, exist_ok=True)
    source = Path(copy_of.database) if copy_of else sqlite_template()
    if copy_of:
        with closing(sqlite3.connect(source, timeout=30)) as db:
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    shutil.copyfile(source, path)
    env = {**_base_env(tmp), "DATABASE_URL": f"sqlite:///{path}"}

    def query(sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with sqlite3.connect(path, timeout=30) as db:
            return db.execute(sql.replace("%s", "?"), params).fetchall()

    yield Site(env=env, query=query, database=str(path))


def postgres_available() -> bool:
    try:
        psycopg.connect(PG_ADMIN, connect_timeout=3).close()
    except psycopg.OperationalError:
        return False
    return True


def postgres_template() -> str:
    """The name of a PostgreSQL template database with every migration applied, built the
    first time it is asked for (marked as a template that nobody may connect to)."""
    name = f"smk_tpl_{migrations_hash()}"
    with templates_lock(), psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        found = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchall()
        if found:  # in use: not stale
            admin.execute(f"COMMENT ON DATABASE \"{name}\" IS '{datetime.now(UTC).isoformat()}'")
            return name
        building = f"smk_tpl_building_{uuid.uuid4().hex[:10]}"
        admin.execute(f'CREATE DATABASE "{building}"')
        try:
            with tempfile.TemporaryDirectory(dir=TEMPLATES) as folder:
                _migrate({**_base_env(Path(folder)), "DATABASE_URL": f"{PG_SERVER}/{building}"})
            admin.execute(f'ALTER DATABASE "{building}" IS_TEMPLATE true ALLOW_CONNECTIONS false')
            built_at = datetime.now(UTC).isoformat()
            admin.execute(f"COMMENT ON DATABASE \"{building}\" IS '{built_at}'")
            # built under another name and renamed: a template is whole or absent
            admin.execute(f'ALTER DATABASE "{building}" RENAME TO "{name}"')
        except BaseException:
            admin.execute(f'ALTER DATABASE "{building}" IS_TEMPLATE false')
            admin.execute(f'DROP DATABASE IF EXISTS "{building}" WITH (FORCE)')
            raise
        old = datetime.now(UTC) - STALE_TEMPLATE
        rows = admin.execute(
            "SELECT datname, shobj_description(oid, 'pg_database') FROM pg_database "
            "WHERE datname LIKE 'smk\\_tpl\\_%%' AND datname <> %s",
            (name,),
        ).fetchall()
        for other, built_at in rows:
            if not built_at or datetime.fromisoformat(built_at) < old:
                admin.execute(f'ALTER DATABASE "{other}" IS_TEMPLATE false')
                admin.execute(f'DROP DATABASE IF EXISTS "{other}" WITH (FORCE)')
    return name


def _create_from(admin: psycopg.Connection[Any], name: str, template: str) -> None:
    """``CREATE DATABASE name TEMPLATE template``, waiting a little for the template's last
    sessions to end (PostgreSQL copies only a database nobody is connected to)."""
    for attempt in range(50):
        try:
            admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
            return
        except psycopg.errors.ObjectInUse:
            if attempt == 49:
                raise
            time.sleep(0.1)


@contextmanager
def postgres_site(tmp: Path, copy_of: Site | None = None) -> Iterator[Site]:
    if not postgres_available():
        pytest.skip("PostgreSQL is not reachable at 127.0.0.1:5432 (start it: see scripts/test.sh)")
    template = copy_of.database if copy_of else postgres_template()
    name = f"smk_proc_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        _create_from(admin, name, template)
    url = f"{PG_SERVER}/{name}"
    env = {**_base_env(tmp), "DATABASE_URL": url}

    def query(sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with psycopg.connect(url, autocommit=True) as db:
            cursor = db.execute(sql, params)
            return cursor.fetchall() if cursor.description else []

    try:
        yield Site(env=env, query=query, database=name)
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def site(kind: str, tmp: Path, *, copy_of: Site | None = None) -> Iterator[Site]:
    """A migrated site on ``kind`` ('sqlite' or 'postgres'), copied from the migrated template,
    or from the database of ``copy_of`` (a site of the same kind whose processes have ended);
    its processes are stopped after."""
    factory = sqlite_site if kind == "sqlite" else postgres_site
    with factory(tmp, copy_of) as made:
        try:
            yield made
        finally:
            for process in made.processes:
                if process.poll() is None:
                    process.send_signal(signal.SIGKILL)
                    process.wait(timeout=10)
