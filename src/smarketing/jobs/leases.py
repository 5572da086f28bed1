"""Leases of worker processes and recovery of tasks left running by a dead worker."""

from __future__ import annotations

import logging
import os
import socket
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from smarketing.jobs.durable import policy_for
from smarketing.jobs.models import WorkerLease

logger = logging.getLogger("smarketing.worker")


def lease_seconds() -> float:
    """How long a worker keeps its tasks without a heartbeat."""
    return float(settings.WORKER_LEASE_SECONDS)


def lease_take(worker_id: str) -> None:
    """Record that ``worker_id`` is alive, now."""
    WorkerLease.objects.update_or_create(
        worker_id=worker_id,
        defaults={
            "hostname": socket.gethostname(),
            "pid": os.getpid(),
            "heartbeat_at": timezone.now(),
        },
    )


def lease_renew(worker_id: str) -> None:
    """Push the heartbeat of ``worker_id`` forward."""
    WorkerLease.objects.filter(worker_id=worker_id).update(heartbeat_at=timezone.now())


def lease_release(worker_id: str) -> None:
    """Forget ``worker_id`` (clean stop)."""
    WorkerLease.objects.filter(worker_id=worker_id).delete()


def task_release(result: DBTaskResult, *, worker_id: str) -> bool:
    """Put a task ``worker_id`` claimed, and stopped before it finished, back to READY.

    The claim is taken back (its id leaves ``worker_ids``), so the interrupted run is not
    counted as an attempt; the task is ready for another worker at once. Returns False when the
    task is no longer this claim (finished, or recovered by another worker).
    """
    if not result.worker_ids or result.worker_ids[-1] != worker_id:
        return False
    released = DBTaskResult.objects.filter(
        pk=result.pk, status=TaskResultStatus.RUNNING, started_at=result.started_at
    ).update(status=TaskResultStatus.READY, worker_ids=result.worker_ids[:-1])
    return bool(released)


def stale_tasks_recover() -> int:
    """Put tasks left RUNNING by workers whose lease expired back to READY; return how many.

    A recovered run counts as an attempt: past the task's ``max_attempts`` it is marked FAILED.
    """
    expired_before = timezone.now() - timedelta(seconds=lease_seconds())
    alive = set(
        WorkerLease.objects.filter(heartbeat_at__gte=expired_before).values_list(
            "worker_id", flat=True
        )
    )
    recovered = 0
    for result in DBTaskResult.objects.running().only("id", "worker_ids", "task_path"):
        owner = result.worker_ids[-1] if result.worker_ids else ""
        if owner in alive:
            continue
        attempts = len(result.worker_ids)
        exhausted = attempts >= policy_for(result.task_path).max_attempts
        with transaction.atomic():
            changed = DBTaskResult.objects.filter(
                pk=result.pk, status=TaskResultStatus.RUNNING
            ).update(
                status=TaskResultStatus.FAILED if exhausted else TaskResultStatus.READY,
                finished_at=timezone.now() if exhausted else None,
                exception_class_path="smarketing.jobs.leases.WorkerLost",
                traceback=f"Worker {owner} stopped without finishing (attempt {attempts}).",
            )
        if changed:
            recovered += 1
            logger.warning(
                "Recovered task %s left running by %s (attempt %s)", result.pk, owner, attempts
            )
    WorkerLease.objects.filter(heartbeat_at__lt=expired_before).delete()
    return recovered
