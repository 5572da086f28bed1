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

from smarketing.jobs.durable import job_enqueue
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
    """Enqueue every registered job that is due; return the names enqueued by this call."""
    now = now or timezone.now()
    fired = []
    for job in PERIODIC.values():
        Schedule.objects.get_or_create(name=job.name, defaults={"next_run_at": now})
        with transaction.atomic():
            claimed = Schedule.objects.filter(name=job.name, next_run_at__lte=now).update(
                next_run_at=now + job.every, last_run_at=now
            )
            if claimed:
                job_enqueue(job.task)
                fired.append(job.name)
    return fired
