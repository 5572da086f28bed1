"""Periodic jobs that work on the embedded default (no cron, no extra process).

Register one in the app's ``tasks.py``::

    periodic("sla.sweep", every=timedelta(minutes=1), task=sla_sweep)

Every worker ticks the schedules; a due job is claimed with a conditional UPDATE and enqueued
in the same transaction, so several workers never fire it twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django_tasks.base import Task

from smarketing.jobs.durable import job_enqueue, uses_database_queue
from smarketing.jobs.models import Schedule


@dataclass(frozen=True)
class PeriodicJob:
    """A task enqueued every ``every``."""

    name: str
    every: timedelta
    task: Task[Any, Any]


PERIODIC: dict[str, PeriodicJob] = {}


def periodic(name: str, *, every: timedelta, task: Task[Any, Any]) -> None:
    """Register ``task`` to run every ``every`` (the first run is due at once)."""
    PERIODIC[name] = PeriodicJob(name=name, every=every, task=task)


def schedules_tick(now: datetime | None = None) -> list[str]:
    """Enqueue every registered job that is due; return the names enqueued by this call.

    One read finds the due jobs, and only those are claimed (a write each). A due job whose
    previous run is still waiting in the database queue, ready to start, is left due: that run
    does the work, and the job is enqueued again at the first tick after it started.
    """
    now = now or timezone.now()
    next_runs = dict(Schedule.objects.values_list("name", "next_run_at"))
    missing = [name for name in PERIODIC if name not in next_runs]
    if missing:
        Schedule.objects.bulk_create(
            [Schedule(name=name, next_run_at=now) for name in missing], ignore_conflicts=True
        )
        next_runs.update(dict.fromkeys(missing, now))
    fired = []
    for job in PERIODIC.values():
        if next_runs[job.name] > now or _still_waiting(job):
            continue
        with transaction.atomic():
            claimed = Schedule.objects.filter(name=job.name, next_run_at__lte=now).update(
                next_run_at=now + job.every, last_run_at=now
            )
            if claimed:
                job_enqueue(job.task)
                fired.append(job.name)
    return fired


def _still_waiting(job: PeriodicJob) -> bool:
    """Whether a run of ``job`` is in the database queue, ready and not started yet."""
    if not uses_database_queue():
        return False
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.ready().filter(task_path=job.task.module_path).exists()
