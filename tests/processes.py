"""Run the real ``smarketing`` command and Python snippets in subprocesses on a real database."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import pytest

ROOT = Path(__file__).resolve().parents[1]
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


@dataclass
class Site:
    """A database plus data folder that subprocesses and the test share."""

    env: dict[str, str]
    query: Callable[[str, tuple[Any, ...]], list[tuple[Any, ...]]]
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

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


@contextmanager
def sqlite_site(tmp: Path) -> Iterator[Site]:
    import sqlite3

    path = tmp / "site.sqlite3"
    env = {**_base_env(tmp), "DATABASE_URL": f"sqlite:///{path}"}

    def query(sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with sqlite3.connect(path, timeout=30) as db:
            return db.execute(sql.replace("%s", "?"), params).fetchall()

    yield Site(env=env, query=query)


def postgres_available() -> bool:
    try:
        psycopg.connect(PG_ADMIN, connect_timeout=3).close()
    except psycopg.OperationalError:
        return False
    return True


@contextmanager
def postgres_site(tmp: Path) -> Iterator[Site]:
    if not postgres_available():
        pytest.skip("PostgreSQL is not reachable at 127.0.0.1:5432 (start it: see scripts/test.sh)")
    name = f"smk_proc_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = f"postgresql://postgres@127.0.0.1:5432/{name}"
    env = {**_base_env(tmp), "DATABASE_URL": url}

    def query(sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with psycopg.connect(url, autocommit=True) as db:
            cursor = db.execute(sql, params)
            return cursor.fetchall() if cursor.description else []

    try:
        yield Site(env=env, query=query)
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def site(kind: str, tmp: Path) -> Iterator[Site]:
    """A migrated site on ``kind`` ('sqlite' or 'postgres'); its processes are stopped after."""
    factory = sqlite_site if kind == "sqlite" else postgres_site
    with factory(tmp) as made:
        try:
            result = made.run("migrate")
            assert result.returncode == 0, result.stderr
            yield made
        finally:
            for process in made.processes:
                if process.poll() is None:
                    process.send_signal(signal.SIGKILL)
                    process.wait(timeout=10)
