"""The worker process: django_tasks_db's worker plus leases, retries, recovery and schedules.

See ``docs/worker.md`` and ``docs/adr/0002-task-queue-and-scheduler.md``.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.db import close_old_connections, connection
from django.db.utils import OperationalError
from django.utils import timezone
from django_tasks_db.compat import TaskContext, TaskResultStatus, task_finished, task_started
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

from smarketing.jobs.durable import policy_for
from smarketing.jobs.leases import (
    lease_release,
    lease_renew,
    lease_seconds,
    lease_take,
    stale_tasks_recover,
    task_release,
)
from smarketing.jobs.schedule import schedules_tick
from smarketing.jobs.stopping import STOP_GRACE_SECONDS, StopRequest, WorkerStopping

logger = logging.getLogger("smarketing.worker")
RECOVERY_EVERY = 1.0  # a dead worker's lease lasts longer than this: no need to look more often


class Heartbeat(threading.Thread):
    """Renews the worker's lease while it runs, also during a long task."""

    def __init__(self, worker_id: str, every: float) -> None:
        super().__init__(name="smarketing-heartbeat", daemon=True)
        self.worker_id, self.every = worker_id, every
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.every):
            try:
                lease_renew(self.worker_id)
            except OperationalError:
                logger.warning("Heartbeat failed; trying again in %.1f s", self.every)
            finally:
                connection.close()


class DurableWorker(Worker):
    """A database worker whose tasks survive crashes (leases), failures (retries) and stops
    (released, see :mod:`smarketing.jobs.stopping`)."""

    def __init__(self, *, grace: float = STOP_GRACE_SECONDS, **options: Any) -> None:
        super().__init__(**options)
        self.stop = StopRequest(grace)

    def configure_signals(self) -> None:
        """SIGTERM and Ctrl+C stop the worker once the running task is done (or released)."""
        self.stop.install()

    @property
    def maintenance_every(self) -> float:
        """Seconds between schedule ticks: at least every second, or the pipeline's pace."""
        return min(1.0, float(settings.PIPELINE_SECONDS))

    def run(self) -> None:
        """Run tasks until stopped; fire schedules every ``maintenance_every`` and recover stale
        tasks every ``RECOVERY_EVERY`` seconds."""
        lease_take(self.worker_id)
        heartbeat = Heartbeat(self.worker_id, every=max(0.2, lease_seconds() / 4))
        heartbeat.start()
        last_maintenance = last_recovery = 0.0
        try:
            while not self.stop.requested.is_set():
                if time.monotonic() - last_recovery >= RECOVERY_EVERY:
                    stale_tasks_recover()
                    last_recovery = time.monotonic()
                if time.monotonic() - last_maintenance >= self.maintenance_every:
                    schedules_tick()
                    last_maintenance = time.monotonic()
                ran = self.claim_and_run()
                if self.max_tasks is not None and self._run_tasks >= self.max_tasks:
                    return
                if not ran:
                    if self.batch:
                        return
                    close_old_connections()
                    self.stop.requested.wait(min(self.interval, self.maintenance_every))
        finally:
            heartbeat.stopped.set()
            heartbeat.join(timeout=5)
            lease_release(self.worker_id)

    def claim_and_run(self) -> bool:
        """Claim the next ready task and run it; return whether there was one."""
        close_old_connections()
        tasks = DBTaskResult.objects.ready().filter(backend_name=self.backend_name)
        if not self.process_all_queues:
            tasks = tasks.filter(queue_name__in=self.queue_names)
        task_result = None
        with exclusive_transaction(tasks.db):
            try:
                task_result = tasks.get_locked()
                if task_result is not None:
                    task_result.claim(self.worker_id)
            except OperationalError as exc:
                if not is_locked_database_exception(exc):
                    raise
                task_result = None
        if task_result is None:
            return False
        self.run_task(task_result)
        return True

    def run_task(self, db_task_result: DBTaskResult) -> None:
        """Run the task and record the outcome: success; failure, put back with a backoff until
        its attempts run out; or, if the worker stops first, released (not an attempt)."""
        self.running_task = True
        try:
            self._run(db_task_result)
        except WorkerStopping:
            self._release(db_task_result)
            return
        finally:
            self.running_task = False
            self._run_tasks += 1
        if db_task_result.status == TaskResultStatus.FAILED:
            self._retry_later(db_task_result)

    def _run(self, db_task_result: DBTaskResult) -> None:
        """django_tasks_db's run, the task's call made interruptible by a stop."""
        try:
            task = db_task_result.task
            task_result = db_task_result.task_result
            sender = type(task.get_backend())
            task_started.send(sender=sender, task_result=task_result)
            with self.stop.interruptible():
                if task.takes_context:
                    context = TaskContext(task_result=task_result)
                    value = task.call(context, *task_result.args, **task_result.kwargs)
                else:
                    value = task.call(*task_result.args, **task_result.kwargs)
            db_task_result.set_successful(value)
            task_finished.send(sender=sender, task_result=db_task_result.task_result)
        except WorkerStopping:
            raise
        except BaseException as exc:
            db_task_result.set_failed(exc)
            try:
                sender = type(db_task_result.task.get_backend())
                finished = db_task_result.task_result
            except (ImportError, SuspiciousOperation):
                logger.exception("Task id=%s failed unexpectedly", db_task_result.id)
            else:
                task_finished.send(sender=sender, task_result=finished)

    def _release(self, db_task_result: DBTaskResult) -> None:
        """Give a task interrupted by the stop back to the queue, uncounted."""
        connection.close()  # the task may have been interrupted in the middle of a query
        if task_release(db_task_result, worker_id=self.worker_id):
            logger.warning(
                "Task %s released for another worker (not counted as an attempt).",
                db_task_result.pk,
            )

    def _retry_later(self, db_task_result: DBTaskResult) -> None:
        """Put a failed task back with a backoff, until its attempts run out."""
        policy = policy_for(db_task_result.task_path)
        attempt = len(db_task_result.worker_ids)
        if attempt >= policy.max_attempts:
            logger.error("Task %s failed for good after %s attempts", db_task_result.pk, attempt)
            return
        delay = policy.delay(attempt)
        DBTaskResult.objects.filter(pk=db_task_result.pk, status=TaskResultStatus.FAILED).update(
            status=TaskResultStatus.READY,
            run_after=timezone.now() + timedelta(seconds=delay),
            finished_at=None,
        )
        logger.warning(
            "Task %s failed (attempt %s); retrying in %.1f s", db_task_result.pk, attempt, delay
        )
