"""The ``smarketing`` command: help texts and one clear line for every problem a user can fix."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from smarketing.cli.main import SUBCOMMANDS
from tests.processes import ROOT, site

pytestmark = pytest.mark.slow


def smarketing(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "smarketing", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "TASK_QUEUE"}}
    return {**base, "SMARKETING_DATA": str(tmp_path / "data"), "PYTHONPATH": str(ROOT)}


@pytest.mark.parametrize("command", ["", *SUBCOMMANDS])
def test_every_command_explains_itself(command: str, env: dict[str, str]) -> None:
    result = smarketing(*([command] if command else []), "--help", env=env)
    assert result.returncode == 0
    assert "usage: smarketing" in result.stdout
    assert len(result.stdout.splitlines()) >= 3


@pytest.mark.parametrize(
    ("variables", "command", "expected"),
    [
        (
            {"DATABASE_URL": "mysql://x/y"},
            "migrate",
            "smarketing migrate: DATABASE_URL='mysql://x/y' is not supported: use "
            "sqlite:////path/to/file.db or postgres://user:password@host:5432/dbname.",
        ),
        (
            {"DATABASE_URL": "postgres://postgres@127.0.0.1:1/x"},
            "migrate",
            "smarketing migrate: Cannot reach the database at 127.0.0.1:1/x",
        ),
        (
            {"SMARKETING_DATA": "/proc/smarketing"},
            "migrate",
            "smarketing migrate: The data folder /proc/smarketing is not writable",
        ),
        (
            {"TASK_QUEUE": "kafka://x"},
            "worker",
            "smarketing worker: TASK_QUEUE='kafka://x' is not supported",
        ),
        (
            {"DEBUG": "maybe"},
            "serve",
            "smarketing serve: DEBUG='maybe' is not a boolean: use 1 or 0.",
        ),
    ],
)
def test_bad_settings_give_one_line_and_a_nonzero_exit(
    variables: dict[str, str], command: str, expected: str, env: dict[str, str]
) -> None:
    result = smarketing(command, env={**env, **variables})
    assert result.returncode == 2
    assert result.stderr.startswith(expected)
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("command", ["serve", "worker"])
def test_unapplied_migrations_are_refused(
    command: str, env: dict[str, str], tmp_path: Path
) -> None:
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    result = smarketing(command, env=env)
    assert result.returncode == 2
    assert "unapplied migrations: run `smarketing migrate` first." in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_createuser_creates_a_rep_and_reports_domain_errors(tmp_path: Path) -> None:
    with site("sqlite", tmp_path) as made:
        ok = made.run(
            "createuser",
            "sophie",
            "sophie@x.fr",
            "--role",
            "sales_manager",
            "--password-env",
            "PW",
            PW="Long enough pass 1",
        )
        assert (ok.returncode, ok.stdout.strip()) == (0, "Created sophie (Sales manager).")
        rep = made.run(
            "createuser",
            "tom",
            "tom@x.fr",
            "--role",
            "sales_rep",
            "--manager",
            "sophie",
            "--password-env",
            "PW",
            PW="Long enough pass 1",
        )
        assert rep.returncode == 0, rep.stderr
        orphan = made.run(
            "createuser",
            "ann",
            "ann@x.fr",
            "--role",
            "sales_rep",
            "--password-env",
            "PW",
            PW="Long enough pass 1",
        )
        assert (orphan.returncode, orphan.stderr) == (
            1,
            "smarketing createuser: A sales rep needs a manager.\n",
        )
        twice = made.run(
            "createuser",
            "SOPHIE",
            "s2@x.fr",
            "--role",
            "admin",
            "--password-env",
            "PW",
            PW="Long enough pass 1",
        )
        assert twice.returncode == 1
        assert "already exists" in twice.stderr
        assert made.query("SELECT username, role FROM users_user ORDER BY id", ()) == [
            ("sophie", "sales_manager"),
            ("tom", "sales_rep"),
        ]
