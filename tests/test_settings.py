"""Settings: every variable read is documented; the SQLite defaults are really applied."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.db import connection

from smarketing.core import config
from tests.processes import ROOT

DOCS = ROOT / "docs" / "settings.md"


def test_every_setting_read_is_documented() -> None:
    # given the settings module was loaded (pytest-django did), every variable it read is recorded
    documented = set(re.findall(r"^\| `([A-Z_]+)` \|", DOCS.read_text(), flags=re.M))
    assert {"DATABASE_URL", "SECRET_KEY", "SMARKETING_DATA"} <= config.READ_SETTINGS
    assert config.READ_SETTINGS - documented == set()
    assert documented - config.READ_SETTINGS == set()


def test_nothing_reads_the_environment_outside_config() -> None:
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "src").rglob("*.py")
        if path.name != "config.py"
        and re.search(r"(environ\.get|getenv)\(\s*[\"']|environ\[\s*[\"']", path.read_text())
    ]
    assert offenders == []


@pytest.mark.django_db
def test_sqlite_connection_pragmas() -> None:
    if connection.vendor != "sqlite":
        pytest.skip("SQLite-only settings; this run is on PostgreSQL")
    with connection.cursor() as cursor:
        values = {}
        for pragma in ("synchronous", "foreign_keys", "busy_timeout"):
            cursor.execute(f"PRAGMA {pragma}")
            values[pragma] = cursor.fetchone()[0]
    assert values == {"synchronous": 1, "foreign_keys": 1, "busy_timeout": 20000}
    assert connection.settings_dict["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


def test_sqlite_file_database_uses_wal_and_queues_concurrent_writers(tmp_path: Path) -> None:
    # given a database configured the way Smarketing configures it
    db = config.database(f"sqlite:///{tmp_path / 'x.db'}", tmp_path)
    path = db["NAME"]
    setup = sqlite3.connect(path)
    setup.executescript(db["OPTIONS"]["init_command"] + "CREATE TABLE t (n INTEGER);")
    assert setup.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    setup.close()
    errors: list[Exception] = []

    def writer(start: int) -> None:
        con = sqlite3.connect(path, timeout=20, isolation_level=None)
        con.executescript(db["OPTIONS"]["init_command"])
        try:
            for n in range(start, start + 200):
                con.execute("BEGIN IMMEDIATE")
                con.execute("INSERT INTO t VALUES (?)", (n,))
                con.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            errors.append(exc)
        finally:
            con.close()

    # when four writers insert at once
    threads = [threading.Thread(target=writer, args=(i * 1000,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then none failed with "database is locked" and every row is there
    assert errors == []
    assert sqlite3.connect(path).execute("SELECT COUNT(*) FROM t").fetchone()[0] == 800


def test_secret_key_is_generated_once_private_and_reused(tmp_path: Path) -> None:
    code = (
        "from smarketing.core import config; from pathlib import Path; import sys; "
        "print(config.secret_key(Path(sys.argv[1])))"
    )
    env = {"PATH": "/usr/bin:/bin"}
    first = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    ).stdout.strip()
    second = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    ).stdout.strip()
    assert len(first) >= 50
    assert first == second
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize(
    ("url", "engine", "name"),
    [
        ("postgres://u:p%40ss@db.example:5433/crm", "django.db.backends.postgresql", "crm"),
        ("sqlite:////var/lib/smk.db", "django.db.backends.sqlite3", "/var/lib/smk.db"),
    ],
)
def test_database_urls(url: str, engine: str, name: str, tmp_path: Path) -> None:
    db = config.database(url, tmp_path)
    assert (db["ENGINE"], db["NAME"]) == (engine, name)
    if engine.endswith("postgresql"):
        assert (db["USER"], db["PASSWORD"], db["HOST"], db["PORT"]) == (
            "u",
            "p@ss",
            "db.example",
            "5433",
        )


@pytest.mark.parametrize("url", ["postgres:///crm", "postgres://h:5432/", "sqlite://", "ftp://x"])
def test_bad_database_urls(url: str, tmp_path: Path) -> None:
    with pytest.raises(config.ConfigError):
        config.database(url, tmp_path)


def test_email_urls() -> None:
    smtp = config.email("smtp://me:secret@mail.example:587?tls=1")
    assert (
        smtp["EMAIL_HOST"],
        smtp["EMAIL_PORT"],
        smtp["EMAIL_USE_TLS"],
        smtp["EMAIL_HOST_USER"],
    ) == ("mail.example", 587, True, "me")
    assert config.email("console://")["EMAIL_BACKEND"].endswith("console.EmailBackend")
    with pytest.raises(config.ConfigError):
        config.email("pigeon://coop")


def test_data_folder_check_is_safe_when_processes_start_together(
    tmp_path: Path, monkeypatch
) -> None:
    # given the web server and the worker checking the same folder at the same moment
    monkeypatch.setenv("SMARKETING_DATA", str(tmp_path / "data"))
    errors: list[Exception] = []

    def check() -> None:
        for _ in range(300):
            try:
                config.data_dir()
            except config.ConfigError as exc:
                errors.append(exc)

    threads = [threading.Thread(target=check) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then none of them sees the folder as unwritable, and no probe file is left
    assert errors == []
    assert list((tmp_path / "data").iterdir()) == []
