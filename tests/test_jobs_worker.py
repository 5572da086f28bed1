"""The worker as a real process on SQLite and PostgreSQL: crashes, retries, schedules, SIGTERM."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest

from tests.processes import site

pytestmark = pytest.mark.slow
KINDS = ["sqlite", "postgres"]
EFFECT_TABLE = "CREATE TABLE test_effect (id INTEGER PRIMARY KEY {auto}, name VARCHAR(100))"


def _prepare(made, kind: str) -> None:
    auto = "GENERATED ALWAYS AS IDENTITY" if kind == "postgres" else "AUTOINCREMENT"
    made.query(EFFECT_TABLE.format(auto=auto), ())


def _statuses(made) -> list[str]:
    return [
        row[0]
        for row in made.query(
            "SELECT status FROM django_tasks_database_dbtaskresult WHERE task_path LIKE 'tests.%%'",
            (),
        )
    ]


@pytest.mark.parametrize("kind", KINDS)
def test_task_killed_mid_run_completes_once_after_restart(kind: str, tmp_path: Path) -> None:
    with site(kind, tmp_path) as made:
        # given an enqueued task whose first run blocks inside its transaction
        _prepare(made, kind)
        block = tmp_path / "block"
        block.mkdir()
        made.python("from tests.worker_tasks import effect_record; effect_record.enqueue('k1')")
        first = made.start("worker", "--interval", "0.1", SMK_TEST_BLOCK_DIR=str(block))
        made.wait_for(lambda: (block / "started").exists())
        # when the worker is killed mid-task and another one starts
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        assert made.query("SELECT COUNT(*) FROM test_effect", ()) == [(0,)]
        made.start("worker", "--interval", "0.1", SMK_TEST_BLOCK_DIR=str(block))
        # then the task is recovered after the lease expires and completes
        made.wait_for(lambda: _statuses(made) == ["SUCCESSFUL"], timeout=60)
        # and its effect is committed exactly once
        assert made.query("SELECT name FROM test_effect", ()) == [("k1",)]


@pytest.mark.parametrize("kind", KINDS)
def test_failing_task_is_retried_with_backoff_then_succeeds(kind: str, tmp_path: Path) -> None:
    with site(kind, tmp_path) as made:
        # given a task that fails twice
        _prepare(made, kind)
        made.python("from tests.worker_tasks import flaky; flaky.enqueue('f1', 2)")
        # when a worker runs
        started = time.monotonic()
        made.start("worker", "--interval", "0.05")
        made.wait_for(lambda: _statuses(made) == ["SUCCESSFUL"], timeout=60)
        elapsed = time.monotonic() - started
        # then it ran three times, the effect once, after two backoffs (0.2*3^0 + 0.2*3^1 ±20 %)
        rows = made.query("SELECT name FROM test_effect ORDER BY id", ())
        assert rows == [("attempt:f1",), ("attempt:f1",), ("attempt:f1",), ("f1",)]
        assert elapsed >= (0.3 + 0.9) * 0.8


@pytest.mark.parametrize("kind", ["sqlite"])
def test_task_failing_every_time_ends_failed_after_max_attempts(kind: str, tmp_path: Path) -> None:
    with site(kind, tmp_path) as made:
        _prepare(made, kind)
        made.python("from tests.worker_tasks import flaky; flaky.enqueue('f2', 99)")
        made.start("worker", "--interval", "0.05")
        made.wait_for(lambda: _statuses(made) == ["FAILED"], timeout=60)
        time.sleep(1.5)  # a further retry would have run by now
        assert made.query("SELECT COUNT(*) FROM test_effect WHERE name = 'attempt:f2'", ()) == [
            (3,)
        ]
        assert _statuses(made) == ["FAILED"]


@pytest.mark.parametrize("kind", KINDS)
def test_two_workers_fire_each_periodic_job_once(kind: str, tmp_path: Path) -> None:
    daily = "smarketing.jobs.tasks.task_results_prune"
    hourly = "smarketing.jobs.tasks.database_checkpoint"

    def enqueued() -> list[str]:
        rows = made.query("SELECT task_path FROM django_tasks_database_dbtaskresult", ())
        return sorted(row[0] for row in rows if row[0] in (daily, hourly))

    with site(kind, tmp_path) as made:
        # given two workers started together, racing for the same schedules
        made.start("worker", "--interval", "0.1")
        made.start("worker", "--interval", "0.1")
        # when the daily and hourly jobs become due (at once on a new site)
        made.wait_for(lambda: len(enqueued()) >= 2)
        time.sleep(3)  # both workers tick every second: a double fire would show by now
        # then each was enqueued exactly once
        assert enqueued() == [hourly, daily]


@pytest.mark.parametrize("kind", ["sqlite"])
def test_sigterm_stops_the_worker_with_exit_code_0(kind: str, tmp_path: Path) -> None:
    with site(kind, tmp_path) as made:
        worker = made.start("worker", "--interval", "0.1")
        made.wait_for(lambda: made.query("SELECT COUNT(*) FROM jobs_workerlease", ()) == [(1,)])
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=20) == 0
        assert made.query("SELECT COUNT(*) FROM jobs_workerlease", ()) == [(0,)]
