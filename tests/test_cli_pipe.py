"""Output into a pipe whose reader goes away (``smarketing export accounts | head -1``) ends
quietly: nothing on stderr, exit code 141 (128 + SIGPIPE, as ``cat`` or ``grep`` report).

On SQLite only: what is tested is the command's standard output, not the database.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import pytest

from tests.processes import Site, site

pytestmark = pytest.mark.slow
EVENTS_HEADER = "id,contact_email,visitor_id,type,occurred_at,source,properties\n"
AGREEMENT_LINE = (
    "v1    active    Nuage Logiciel — accord marketing & ventes  "
    "(approvals: marketing by Camille Martin, sales by Sophie Durand)\n"
)


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """A site holding the demo company at 200 contacts (about 900 events, 115 KB of CSV)."""
    with site("sqlite", tmp_path_factory.mktemp("pipe")) as made:
        generated = made.run("demo", "--contacts", "200", "--today", "2026-06-30", "--no-serve")
        assert generated.returncode == 0, generated.stderr
        yield made


@pytest.mark.parametrize("buffered", [True, False], ids=["buffered", "unbuffered"])
@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["agreement", "--help"],
        ["agreement", "list"],
        ["agreement", "export", "1"],
        ["export", "accounts"],
        ["export", "events"],
    ],
    ids=" ".join,
)
def test_output_into_a_closed_pipe_ends_quietly_with_141(
    args: list[str], buffered: bool, demo_site: Site
) -> None:
    # given a pipe whose reader is already gone
    reader, writer = os.pipe()
    os.close(reader)
    env = {k: v for k, v in demo_site.env.items() if k != "PYTHONUNBUFFERED"}
    if not buffered:
        env["PYTHONUNBUFFERED"] = "1"
    # when the command writes its output into it
    try:
        result = subprocess.run(
            [sys.executable, "-m", "smarketing", *args],
            env=env,
            stdout=writer,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
            check=False,
        )
    finally:
        os.close(writer)
    # then it exits with 141 and writes nothing on stderr
    assert (result.returncode, result.stderr) == (141, "")


def test_export_into_head_gives_the_first_line_and_no_error(demo_site: Site) -> None:
    # when the events export (115 KB, more than a pipe holds) is read by `head -1`
    result = subprocess.run(
        ["bash", "-o", "pipefail", "-c", f"{sys.executable} -m smarketing export events | head -1"],
        env=demo_site.env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    # then head prints the header, stderr is empty, and the pipeline reports the export's 141
    assert (result.returncode, result.stdout, result.stderr) == (141, EVENTS_HEADER, "")


def test_a_command_whose_output_fits_in_the_pipe_exits_0_under_head(demo_site: Site) -> None:
    # when `agreement list` (one line) is read by `head -1`
    result = subprocess.run(
        [
            "bash",
            "-o",
            "pipefail",
            "-c",
            f"{sys.executable} -m smarketing agreement list | head -1",
        ],
        env=demo_site.env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    # then everything was written before head left: exit 0, the one line, stderr empty
    assert (result.returncode, result.stdout, result.stderr) == (0, AGREEMENT_LINE, "")
