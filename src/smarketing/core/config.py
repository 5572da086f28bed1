"""Read configuration from the environment, with embedded defaults.

Every setting a user can change is read through :func:`env`, which records its name so
that a test can check that ``docs/settings.md`` documents every one of them.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

READ_SETTINGS: set[str] = set()


class ConfigError(Exception):
    """A setting is missing, malformed or points at something unusable.

    The message is one line naming the problem and the fix; the CLI prints it as is.
    """


def env(name: str, default: str = "") -> str:
    """Return the environment variable ``name`` (or ``default``) and record that it was read."""
    READ_SETTINGS.add(name)
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool) -> bool:
    """Return a boolean environment variable; accepts 1/0, true/false, yes/no, on/off."""
    raw = env(name, "1" if default else "0").lower()
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off", ""}:
        return False
    raise ConfigError(f"{name}={raw!r} is not a boolean: use 1 or 0.")


def env_int(name: str, default: int, minimum: int = 0) -> int:
    """Return a whole-number environment variable of at least ``minimum``."""
    raw = env(name, str(default))
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a whole number: use e.g. {default}.") from None
    if value < minimum:
        raise ConfigError(f"{name}={raw!r} is too small: use {minimum} or more.")
    return value


def env_list(name: str, default: str) -> list[str]:
    """Return a comma-separated environment variable as a list of non-empty items."""
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


def data_dir() -> Path:
    """Return the data folder (``$SMARKETING_DATA`` or ``./smarketing-data``), created if needed."""
    path = Path(env("SMARKETING_DATA", "smarketing-data")).expanduser().resolve()
    try:
        path.mkdir(parents=True, exist_ok=True)
        # a probe file of its own: several processes start at once (web, worker)
        handle, probe = tempfile.mkstemp(dir=path, prefix=".write-test-")
        os.close(handle)
        os.unlink(probe)
    except OSError as exc:
        raise ConfigError(
            f"The data folder {path} is not writable ({exc.strerror}): "
            "set SMARKETING_DATA to a folder you can write to."
        ) from exc
    return path


def secret_key(folder: Path) -> str:
    """Return ``$SECRET_KEY``, or a key generated once and kept in the data folder."""
    value = env("SECRET_KEY")
    if value:
        return value
    key_file = folder / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    value = secrets.token_urlsafe(50)
    key_file.write_text(value)
    key_file.chmod(0o600)
    return value


SQLITE_TEMP_STORE = "MEMORY"
SQLITE_INIT = (
    "PRAGMA journal_mode=WAL;"
    "PRAGMA synchronous=NORMAL;"
    "PRAGMA foreign_keys=ON;"
    "PRAGMA busy_timeout=20000;"
    f"PRAGMA temp_store={SQLITE_TEMP_STORE};"
    "PRAGMA cache_size=-65536;"
)


def database(url: str, folder: Path) -> dict[str, Any]:
    """Turn ``DATABASE_URL`` (empty: SQLite in the data folder) into a Django database dict."""
    if not url:
        url = f"sqlite:///{folder / 'smarketing.sqlite3'}"
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        path = unquote(parts.path)
        if not path or path == "/":
            raise ConfigError(
                f"DATABASE_URL={url!r} names no file: use sqlite:////absolute/path.db."
            )
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": path[1:] if path.startswith("//") else path,
            "OPTIONS": {
                "init_command": SQLITE_INIT,
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    if parts.scheme in {"postgres", "postgresql", "pgsql"}:
        if not parts.hostname and not parse_qs(parts.query).get("host"):
            raise ConfigError(
                f"DATABASE_URL={url!r} names no host: use postgres://user@host:5432/db."
            )
        name = unquote(parts.path.lstrip("/"))
        if not name:
            raise ConfigError(f"DATABASE_URL={url!r} names no database: add /dbname at the end.")
        try:
            port = parts.port
        except ValueError as exc:
            raise ConfigError(f"DATABASE_URL={url!r} has an invalid port.") from exc
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": name,
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(port or ""),
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": {"connect_timeout": 5},
        }
    raise ConfigError(
        f"DATABASE_URL={url!r} is not supported: use sqlite:////path/to/file.db "
        "or postgres://user:password@host:5432/dbname."
    )


def email(url: str, data_dir: Path | None = None) -> dict[str, Any]:
    """Turn ``EMAIL_URL`` (smtp, smtps, file, console or memory) into Django email settings.

    ``file://`` without a path writes each e-mail as a file in ``<data folder>/outbox`` (the
    embedded default: readable, and not mixed into the server's output)."""
    parts = urlsplit(url or "file://")
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    if parts.scheme == "file":
        folder = Path(unquote(parts.path)) if parts.path not in {"", "/"} else None
        if folder is None:
            folder = (data_dir or Path.cwd()) / "outbox"
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(folder),
        }
    if parts.scheme == "console":
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if parts.scheme == "memory":
        return {"EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
    if parts.scheme in {"smtp", "smtps"}:
        if not parts.hostname:
            raise ConfigError(f"EMAIL_URL={url!r} names no host: use smtp://user:pass@host:587.")
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": parts.hostname,
            "EMAIL_PORT": parts.port or (465 if parts.scheme == "smtps" else 25),
            "EMAIL_HOST_USER": unquote(parts.username or ""),
            "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
            "EMAIL_USE_SSL": parts.scheme == "smtps",
            "EMAIL_USE_TLS": query.get("tls", "0") in {"1", "true", "yes"},
            "EMAIL_TIMEOUT": 10,
        }
    raise ConfigError(
        f"EMAIL_URL={url!r} is not supported: use smtp://host:port, smtps://host:port, "
        "file:///folder or console://."
    )
