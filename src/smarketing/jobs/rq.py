"""The worker on Redis (RQ): an RQ worker process plus the scheduler and the outbox relay."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from types import FrameType

from django.db import close_old_connections

from smarketing.jobs.outbox import outbox_relay
from smarketing.jobs.schedule import schedules_tick

logger = logging.getLogger("smarketing.worker")


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
    stopping = False

    def stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"RQ worker started (pid {child.pid}); relaying the outbox.", flush=True)
    try:
        while not stopping and child.poll() is None:
            close_old_connections()
            schedules_tick()
            outbox_relay()
            time.sleep(interval)
    finally:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
            try:
                child.wait(timeout=30)
            except subprocess.TimeoutExpired:
                child.kill()
    return 0 if stopping else (child.returncode or 1)
