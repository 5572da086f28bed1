"""Stopping cleanly: Ctrl+C or SIGTERM on `worker`, sent to the whole process group as a
terminal or `kill -TERM -PGID` does, ends with exit code 0, no traceback and no task counted as
failed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.processes import Site, site

pytestmark = pytest.mark.slow
KINDS = ["sqlite", "postgres"]
HOLD = "tests.worker_tasks.hold"


@dataclass
class Group:
    """A ``smarketing`` command started as the leader of its own process group."""

    process: subprocess.Popen[bytes]
    stdout: Path
    stderr: Path

    def output(self) -> str:
        return self.stdout.read_text() + self.stderr.read_text()

    def signal(self, signum: int, *, times: int = 1, gap: float = 0.3) -> tuple[int, float]:
        """Send ``signum`` to every process of the group ``times`` times; return the exit code
        and the seconds from the first signal to the exit."""
        started = time.monotonic()
        for sent in range(times):
            if sent:
                time.sleep(gap)
            os.killpg(self.process.pid, signum)
        code = self.process.wait(timeout=40)
        return code, time.monotonic() - started

    def is_empty(self) -> bool:
        """Whether no process of the group is left (children and grandchildren included)."""
        try:
            os.killpg(self.process.pid, 0)
        except ProcessLookupError:
            return True
        return False


@contextmanager
def group(made: Site, tmp_path: Path, *args: str) -> Iterator[Group]:
    """Run ``smarketing ARGS`` in its own process group; kill what is left at the end."""
    name = f"{args[0]}-{len(list(tmp_path.glob(f'{args[0]}-*.out')))}"
    stdout, stderr = tmp_path / f"{name}.out", tmp_path / f"{name}.err"
    with stdout.open("wb") as out, stderr.open("wb") as err:
        process = subprocess.Popen(
            [sys.executable, "-m", "smarketing", *args],
            env=made.env,
            stdout=out,
            stderr=err,
            start_new_session=True,
        )
    try:
        yield Group(process, stdout, stderr)
    finally:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def _hold_enqueue(made: Site, seconds: float, marker: Path) -> None:
    made.python(f"from tests.worker_tasks import hold; hold.enqueue({seconds}, {str(marker)!r})")


def _hold_runs(made: Site) -> list[tuple[str, list[str]]]:
    """Status and claims (worker ids) of the ``hold`` task."""
    rows = made.query(
        "SELECT status, worker_ids FROM django_tasks_database_dbtaskresult WHERE task_path = %s",
        (HOLD,),
    )
    return [(status, json.loads(ids) if isinstance(ids, str) else ids) for status, ids in rows]


def _count(made: Site, where: str) -> int:
    sql = f"SELECT COUNT(*) FROM django_tasks_database_dbtaskresult WHERE {where}"
    return int(made.query(sql, ())[0][0])


def _worker_ids(running: Group) -> list[str]:
    return [line.split()[1] for line in running.output().splitlines() if line.startswith("Worker ")]


@pytest.mark.parametrize("kind", KINDS)
def test_a_task_outliving_the_grace_period_is_released_uncounted(kind: str, tmp_path: Path) -> None:
    with site(kind, tmp_path) as made:
        # given a worker with a 1 s grace period, busy with a 60 s task
        marker = tmp_path / "hold-started"
        _hold_enqueue(made, 60, marker)
        with group(made, tmp_path, "worker", "--interval", "0.1", "--grace", "1") as worker:
            made.wait_for(marker.exists)
            # when SIGTERM reaches the worker
            code, seconds = worker.signal(signal.SIGTERM)
            # then it exits with 0 after the grace period, without a traceback
            assert code == 0, worker.output()[-3000:]
            assert 1 <= seconds < 5
            assert "Traceback" not in worker.output()
            assert " released for another worker (not counted as an attempt)." in worker.output()
        # and the task is ready again with no claim counted
        assert _hold_runs(made) == [("READY", [])]
        # and another worker runs it, as its first attempt
        with group(made, tmp_path, "worker", "--interval", "0.1") as again:
            made.wait_for(lambda: _hold_runs(made)[0][0] == "SUCCESSFUL")
            assert _hold_runs(made) == [("SUCCESSFUL", _worker_ids(again)[:1])]
            assert again.signal(signal.SIGTERM)[0] == 0
        assert _count(made, "status = 'FAILED'") == 0


def test_a_second_ctrl_c_releases_the_running_task_at_once(tmp_path: Path) -> None:
    with site("sqlite", tmp_path) as made:
        # given a worker (10 s grace period) busy with a 60 s task
        marker = tmp_path / "hold-started"
        _hold_enqueue(made, 60, marker)
        with group(made, tmp_path, "worker", "--interval", "0.1") as worker:
            made.wait_for(marker.exists)
            # when Ctrl+C is pressed twice, 0.3 s apart
            code, seconds = worker.signal(signal.SIGINT, times=2)
            # then the worker exits with 0 well before the grace period is over
            assert code == 0, worker.output()[-3000:]
            assert seconds < 5
            assert "Traceback" not in worker.output()
        # and the task is released, its interrupted run not counted
        assert _hold_runs(made) == [("READY", [])]


def test_a_repeated_sigterm_still_lets_the_running_task_finish(tmp_path: Path) -> None:
    with site("sqlite", tmp_path) as made:
        # given a worker busy with a 2 s task
        marker = tmp_path / "hold-started"
        _hold_enqueue(made, 2, marker)
        with group(made, tmp_path, "worker", "--interval", "0.1") as worker:
            made.wait_for(marker.exists)
            # when SIGTERM comes twice (the process group, then a supervisor forwarding it)
            code, seconds = worker.signal(signal.SIGTERM, times=2)
            # then the task finishes, and the worker exits with 0 right after it
            assert code == 0, worker.output()[-3000:]
            assert seconds < 5
            assert "Traceback" not in worker.output()
            assert _hold_runs(made) == [("SUCCESSFUL", _worker_ids(worker)[:1])]
            assert worker.is_empty()
