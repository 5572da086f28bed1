"""Stopping cleanly: Ctrl+C or SIGTERM on `demo`, `serve` and `worker`, sent to the whole
process group as a terminal or `kill -TERM -PGID` does, ends with exit code 0, no traceback
and no task counted as failed."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.processes import Site, site

pytestmark = pytest.mark.slow
KINDS = ["sqlite", "postgres"]
HOLD = "tests.worker_tasks.hold"
EFFECT = "tests.worker_tasks.effect_record"
EFFECT_TABLE = "CREATE TABLE test_effect (id INTEGER PRIMARY KEY {auto}, name VARCHAR(100))"


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


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=5) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def _hold_enqueue(made: Site, seconds: float, marker: Path) -> None:
    made.python(f"from tests.worker_tasks import hold; hold.enqueue({seconds}, {str(marker)!r})")


def _runs(made: Site, task_path: str = HOLD) -> list[tuple[str, list[str]]]:
    """Status and claims (worker ids) of the task at ``task_path``."""
    rows = made.query(
        "SELECT status, worker_ids FROM django_tasks_database_dbtaskresult WHERE task_path = %s",
        (task_path,),
    )
    return [(status, json.loads(ids) if isinstance(ids, str) else ids) for status, ids in rows]


def _count(made: Site, where: str) -> int:
    sql = f"SELECT COUNT(*) FROM django_tasks_database_dbtaskresult WHERE {where}"
    return int(made.query(sql, ())[0][0])


def _worker_ids(running: Group) -> list[str]:
    return [line.split()[1] for line in running.output().splitlines() if line.startswith("Worker ")]


@pytest.fixture(scope="module")
def demo_company(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[str], Site]]:
    """A site per database kind holding the demo company at 200 contacts, generated the first
    time a test asks for it (``demo --no-serve``); each test runs the demo on a copy of it."""
    generated: dict[str, Site] = {}
    with ExitStack() as stack:

        def company(kind: str) -> Site:
            if kind not in generated:
                made = stack.enter_context(site(kind, tmp_path_factory.mktemp(f"demo-{kind}")))
                result = made.run("demo", "--no-serve", "--contacts", "200")
                assert result.returncode == 0, result.stderr
                generated[kind] = made
            return generated[kind]

        yield company


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["sigterm", "ctrl-c"])
@pytest.mark.parametrize("kind", KINDS)
def test_a_signal_to_the_demo_group_lets_the_running_task_finish_and_exits_0(
    kind: str, signum: signal.Signals, demo_company: Callable[[str], Site], tmp_path: Path
) -> None:
    with site(kind, tmp_path, copy_of=demo_company(kind)) as made:
        # given the demo serving (on a copy of the demo company, which it keeps), its worker
        # having run tasks, and now busy with a 2 s task
        port = _free_port()
        with group(made, tmp_path, "demo", "--contacts", "200", "--port", str(port)) as demo:
            made.wait_for(lambda: _answers(port), timeout=120)
            assert "Demo data already present: keeping it." in demo.output()
            made.wait_for(lambda: _count(made, "status = 'SUCCESSFUL'") >= 1)
            marker = tmp_path / "hold-started"
            _hold_enqueue(made, 2, marker)
            made.wait_for(marker.exists)
            # when the signal goes to every process of the group, as a terminal's Ctrl+C does
            code, seconds = demo.signal(signum)
            # then the demo exits with 0 once the task is done (2 s, under the 10 s grace)
            assert code == 0, demo.output()[-3000:]
            assert seconds < 12
            assert demo.is_empty()
            assert not _answers(port)
            # and nothing printed a traceback
            assert "Traceback" not in demo.output()
            assert "Exception ignored" not in demo.output()
            # and the task finished in its first and only run; no task result is marked failed
            (worker_id,) = _worker_ids(demo)[:1]
            assert _runs(made) == [("SUCCESSFUL", [worker_id])]
            assert _count(made, "status = 'FAILED'") == 0


@pytest.mark.parametrize("kind", KINDS)
def test_a_task_outliving_the_grace_period_is_rolled_back_and_released_uncounted(
    kind: str, tmp_path: Path
) -> None:
    with site(kind, tmp_path) as made:
        # given a worker with a 1 s grace period, its task blocked inside its transaction
        auto = "GENERATED ALWAYS AS IDENTITY" if kind == "postgres" else "AUTOINCREMENT"
        made.query(EFFECT_TABLE.format(auto=auto), ())
        made.python("from tests.worker_tasks import effect_record; effect_record.enqueue('k1')")
        block = tmp_path / "block"
        block.mkdir()
        made.env["SMK_TEST_BLOCK_DIR"] = str(block)
        with group(made, tmp_path, "worker", "--interval", "0.1", "--grace", "1") as worker:
            made.wait_for((block / "started").exists)
            # when SIGTERM reaches the worker
            code, seconds = worker.signal(signal.SIGTERM)
            # then it exits with 0 after the grace period, without a traceback
            assert code == 0, worker.output()[-3000:]
            assert 1 <= seconds < 5
            assert "Traceback" not in worker.output()
            assert " released for another worker (not counted as an attempt)." in worker.output()
        # and the task's transaction was rolled back, the task ready again with no claim counted
        assert made.query("SELECT COUNT(*) FROM test_effect", ()) == [(0,)]
        assert _runs(made, EFFECT) == [("READY", [])]
        # and another worker runs it once, as its first attempt
        with group(made, tmp_path, "worker", "--interval", "0.1") as again:
            made.wait_for(lambda: _runs(made, EFFECT)[0][0] == "SUCCESSFUL")
            assert _runs(made, EFFECT) == [("SUCCESSFUL", _worker_ids(again)[:1])]
            assert again.signal(signal.SIGTERM)[0] == 0
        assert made.query("SELECT name FROM test_effect", ()) == [("k1",)]
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
        assert _runs(made) == [("READY", [])]


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
            assert _runs(made) == [("SUCCESSFUL", _worker_ids(worker)[:1])]
            assert worker.is_empty()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["sigterm", "ctrl-c"])
def test_a_signal_to_the_web_server_group_stops_it_with_exit_code_0(
    signum: signal.Signals, tmp_path: Path
) -> None:
    with site("sqlite", tmp_path) as made:
        # given the web server answering a client that asks for a page again and again
        port = _free_port()
        with group(made, tmp_path, "serve", "--port", str(port)) as serve:
            made.wait_for(lambda: _answers(port))
            asking = threading.Event()
            asking.set()

            def ask_again_and_again() -> None:
                while asking.is_set():
                    _answers(port)

            client = threading.Thread(target=ask_again_and_again)
            client.start()
            time.sleep(0.5)
            # when the signal reaches the master and its web processes, requests in progress
            try:
                code, seconds = serve.signal(signum)
            finally:
                asking.clear()
                client.join(timeout=20)
            # then every process stops, with exit code 0 and no traceback
            assert code == 0, serve.output()[-3000:]
            assert seconds < 12
            assert serve.is_empty()
            assert "Traceback" not in serve.output()
            assert not _answers(port)


@pytest.fixture
def redis_url() -> Iterator[str]:
    import redis

    url = "redis://127.0.0.1:6379/6"
    client = redis.Redis.from_url(url)
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.skip("Redis is not reachable at 127.0.0.1:6379")
    client.flushdb()
    yield url
    client.flushdb()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["sigterm", "ctrl-c"])
def test_a_signal_to_the_rq_worker_group_lets_the_running_job_finish(
    signum: signal.Signals, redis_url: str, tmp_path: Path
) -> None:
    with site("sqlite", tmp_path) as made:
        # given the worker on Redis (relay and rqworker processes) running a 2 s job
        made.env["TASK_QUEUE"] = redis_url
        assert made.run("migrate").returncode == 0  # django_rq brings its own tables
        marker = tmp_path / "hold-started"
        made.python(
            "from django.db import transaction\n"
            "from smarketing.jobs.durable import job_enqueue\n"
            "from tests.worker_tasks import hold\n"
            "with transaction.atomic():\n"
            f"    job_enqueue(hold, 2, {str(marker)!r})\n"
        )
        with group(made, tmp_path, "worker", "--interval", "0.2") as worker:
            made.wait_for(marker.exists)
            # when the signal reaches both processes
            code, seconds = worker.signal(signum)
            # then the job completes and everything exits with 0, without a traceback
            assert code == 0, worker.output()[-3000:]
            assert seconds < 12
            assert worker.is_empty()
            assert "Traceback" not in worker.output()
            assert "Successfully completed tests.worker_tasks.hold(2, " in worker.output()
