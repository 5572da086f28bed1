"""The worker on Redis (RQ): an RQ worker process plus the scheduler and the outbox relay."""

from __future__ import annotations

import os
import subprocess
import sys

from django.db import close_old_connections

from smarketing.core.supervise import supervise
from smarketing.jobs.outbox import outbox_relay
from smarketing.jobs.schedule import schedules_tick


def _relay() -> None:
    close_old_connections()
    schedules_tick()
    outbox_relay()


def rq_worker_run(*, interval: float = 1.0) -> int:
    """Run ``rqworker`` as a child and relay the outbox and schedules until SIGTERM; exit 0."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "smarketing.settings"}
    child = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "django",
            "rqworker",
            "default",
            "--job-class",
            "django_tasks_rq.Job",
            "--with-scheduler",
        ],
        env=env,
    )
    print(f"RQ worker started (pid {child.pid}); relaying the outbox.", flush=True)
    return 0 if supervise([child], tick=_relay, interval=interval) else (child.returncode or 1)
