"""The same tasks on Redis (RQ): outbox written in the transaction, relayed, run once."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from tests.processes import site

pytestmark = pytest.mark.slow
REDIS_URL = "redis://127.0.0.1:6379/5"


@pytest.fixture
def redis_db() -> str:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.skip("Redis is not reachable at 127.0.0.1:6379")
    client.flushdb()
    yield REDIS_URL
    client.flushdb()


def test_outbox_is_relayed_to_rq_and_the_task_runs_once(redis_db: str, tmp_path: Path) -> None:
    with site("sqlite", tmp_path) as made:
        made.env["TASK_QUEUE"] = redis_db
        assert made.run("migrate").returncode == 0  # django_rq brings its own tables
        made.query("CREATE TABLE test_effect (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT)", ())
        # given one task enqueued in a committed transaction and one in a rolled-back one
        made.python(
            "from django.db import transaction\n"
            "from smarketing.jobs.durable import job_enqueue\n"
            "from tests.worker_tasks import effect_record\n"
            "with transaction.atomic():\n"
            "    job_enqueue(effect_record, 'kept')\n"
            "try:\n"
            "    with transaction.atomic():\n"
            "        job_enqueue(effect_record, 'dropped')\n"
            "        raise RuntimeError\n"
            "except RuntimeError:\n"
            "    pass\n"
        )
        assert made.query("SELECT task_path, args_kwargs FROM jobs_outboxentry", ()) == [
            ("tests.worker_tasks.effect_record", '{"args": ["kept"], "kwargs": {}}')
        ]
        # when the worker runs on Redis
        worker = made.start("worker", "--interval", "0.2")
        made.wait_for(lambda: made.query("SELECT name FROM test_effect", ()) == [("kept",)], 60)
        # then the outbox is empty and the task ran once
        made.wait_for(lambda: made.query("SELECT COUNT(*) FROM jobs_outboxentry", ()) == [(0,)], 10)
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=30) == 0
        assert made.query("SELECT name FROM test_effect", ()) == [("kept",)]
