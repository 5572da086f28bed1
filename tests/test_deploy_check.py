"""The documented production settings pass Django's deployment checks; passwords are hashed
with Argon2id."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

PRODUCTION = {
    "DEBUG": "0",
    "ALLOWED_HOSTS": "crm.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://crm.example.com",
    "SECURE_COOKIES": "1",
    "BEHIND_TLS_PROXY": "1",
    "SSL_REDIRECT": "1",
    "HSTS_SECONDS": "31536000",
    "HSTS_INCLUDE_SUBDOMAINS": "1",
    "HSTS_PRELOAD": "1",
}


def test_check_deploy_prints_nothing_under_the_documented_production_settings(
    tmp_path: Path,
) -> None:
    documented = (Path(__file__).parents[1] / "docs" / "security.md").read_text()
    for name, value in PRODUCTION.items():
        assert f"{name}={value}" in documented  # the test checks what the docs tell
    # only what a server has: nothing other tests may have put in this process's environment
    env = {k: os.environ[k] for k in ("PATH", "HOME", "PYTHONPATH", "LANG") if k in os.environ}
    env.update(
        PRODUCTION, SMARKETING_DATA_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="smarketing.settings"
    )
    done = subprocess.run(
        [sys.executable, "-m", "django", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (done.returncode, done.stdout.strip()) == (
        0,
        "System check identified no issues (0 silenced).",
    )


@pytest.mark.django_db
def test_passwords_are_hashed_with_argon2id(make_user, settings) -> None:
    from smarketing import settings as product  # the tests hash with MD5 for speed

    settings.PASSWORD_HASHERS = product.PASSWORD_HASHERS
    user = make_user("sales_rep")
    user.set_password("correct horse battery staple")
    user.save()
    assert user.password.startswith("argon2$argon2id$")
    assert user.check_password("correct horse battery staple")
