"""The README's first command, run from a fresh clone as a new user would.

A clone holds only committed work: this test checks what has been committed (HEAD).

pip installs from a wheel cache instead of the package indexes: the wheels of every dependency
the clone's ``pyproject.toml`` names, built once and kept (named after a hash of that file) in
the folder of the test templates (``tests/processes.py``). The command itself is unchanged: it
creates ``.venv``, installs the project into it and starts the demo.
"""

from __future__ import annotations

import hashlib
import http.cookiejar
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import tomllib
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.processes import ROOT, STALE_TEMPLATE, TEMPLATES, templates_lock

pytestmark = pytest.mark.slow


def _readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    blocks = re.findall(r"^```[^\n]*\n(.*?)^```", text, flags=re.M | re.S)
    return [line.strip() for block in blocks for line in block.splitlines() if line.strip()][:2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(opener: urllib.request.OpenerDirector, url: str) -> tuple[int, str, str]:
    with opener.open(url, timeout=10) as response:
        return response.status, response.geturl(), response.read().decode()


def _wheel_cache(clone: Path) -> Path:
    """A folder of wheels holding everything ``pip install -e .`` needs in ``clone`` (its
    dependencies, the build backend, pip), built the first time (from the indexes)."""
    pyproject = tomllib.loads((clone / "pyproject.toml").read_text())
    needs = [
        *pyproject["build-system"]["requires"],
        *pyproject["project"]["dependencies"],
        "pip",
    ]
    key = hashlib.sha256("\n".join([sys.version, *needs]).encode()).hexdigest()[:16]
    folder = TEMPLATES / f"wheels-{key}"
    with templates_lock():
        for other in TEMPLATES.glob("wheels-*"):
            unused = datetime.now(UTC) - datetime.fromtimestamp(other.stat().st_mtime, UTC)
            if other != folder and unused > STALE_TEMPLATE:
                shutil.rmtree(other, ignore_errors=True)
        if folder.is_dir():
            folder.touch()  # in use: not stale
        else:
            building = Path(tempfile.mkdtemp(dir=TEMPLATES, prefix="wheels-building-"))
            command = [sys.executable, "-m", "pip", "wheel", "--quiet", "--wheel-dir"]
            try:
                subprocess.run(
                    [*command, str(building), *needs],
                    check=True,
                    capture_output=True,
                    timeout=600,
                )
            except BaseException:
                shutil.rmtree(building, ignore_errors=True)
                raise
            building.rename(folder)
    return folder


def test_readme_commands_are_the_two_scripts() -> None:
    assert _readme_commands() == ["bash scripts/demo.sh", "bash scripts/test.sh"]
    assert "bash scripts/test.sh" in (ROOT / ".ci" / "run").read_text()


def test_first_command_serves_the_demo_from_a_fresh_clone(tmp_path: Path) -> None:
    # given a fresh clone of the committed tree
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    port = _free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "SMARKETING_DATA", "VIRTUAL_ENV", "TASK_QUEUE"}
    }
    # pip takes every package from the wheel cache, none from an index
    env.update({"PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(_wheel_cache(clone))})
    log = (tmp_path / "run.log").open("w+")
    # when the README's first command runs
    process = subprocess.Popen(
        [*shlex.split(_readme_commands()[0]), "--contacts", "800", "--port", str(port)],
        cwd=clone,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 600  # installation included
        started_at = None
        while time.monotonic() < deadline:
            output = (tmp_path / "run.log").read_text()
            if started_at is None and "Data folder:" in output:
                started_at = time.monotonic()
            if "Smarketing is running" in output:
                try:
                    status, _, _body = _get(
                        urllib.request.build_opener(), f"http://127.0.0.1:{port}/login/"
                    )
                    if status == 200:
                        break
                except OSError:
                    pass
            assert process.poll() is None, output[-2000:]
            time.sleep(0.1)
        else:
            pytest.fail(
                "the demo did not answer in time:\n" + (tmp_path / "run.log").read_text()[-2000:]
            )
        # then the login page answered within 60 s of the program starting
        assert started_at is not None
        assert time.monotonic() - started_at < 60
        output = (tmp_path / "run.log").read_text()
        password = re.search(r"password for all: (\S+)\)", output).group(1)
        username = re.search(r"^\s+(\S+)\s+admin$", output, flags=re.M).group(1)
        # and the admin, after logging in with the printed login, opens
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        _, login_url, page = _get(opener, f"http://127.0.0.1:{port}/admin/")
        assert "/admin/login/" in login_url
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        form = urllib.parse.urlencode(
            {
                "csrfmiddlewaretoken": token,
                "username": username,
                "password": password,
                "next": "/admin/",
            }
        ).encode()
        request = urllib.request.Request(login_url, data=form, headers={"Referer": login_url})
        with opener.open(request, timeout=10) as response:
            assert response.geturl().endswith("/admin/")
            assert "Smarketing" in response.read().decode()
        # and SIGTERM stops everything with exit code 0
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
        with pytest.raises(urllib.error.URLError):
            _get(urllib.request.build_opener(), f"http://127.0.0.1:{port}/login/")
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        log.close()
