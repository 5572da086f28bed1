"""Durable tasks: a retry policy on top of the Django Tasks API, and enqueueing in a transaction.

Usage::

    @durable_task(max_attempts=5)
    def contact_rescore(contact_id: int) -> None: ...

    with transaction.atomic():
        ...change...
        job_enqueue(contact_rescore, contact.pk)   # committed with the change, or not at all
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

from django.conf import settings
from django.utils import timezone
from django_tasks import task
from django_tasks.base import Task

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    """How often a task is tried, and how long to wait between attempts."""

    max_attempts: int = 5
    base_delay: float = 10.0
    max_delay: float = 3600.0

    def delay(self, attempt: int, rng: random.Random | None = None) -> float:
        """Seconds before attempt ``attempt + 1``: base × 3^(attempt-1), capped, ±20 % jitter."""
        raw = min(self.max_delay, self.base_delay * 3 ** (attempt - 1))
        return raw * (rng or random).uniform(0.8, 1.2)


DEFAULT_POLICY = RetryPolicy()
POLICIES: dict[str, RetryPolicy] = {}


def durable_task(
    *,
    max_attempts: int = 5,
    base_delay: float = 10.0,
    queue_name: str = "default",
    priority: int = 0,
) -> Callable[[Callable[..., T]], Task[Any, T]]:
    """Declare a task that is retried with exponential backoff (see :class:`RetryPolicy`)."""

    def decorate(function: Callable[..., T]) -> Task[Any, T]:
        declared = task(queue_name=queue_name, priority=priority)(function)
        POLICIES[declared.module_path] = RetryPolicy(
            max_attempts=max_attempts, base_delay=base_delay
        )
        return declared

    return decorate


def policy_for(task_path: str) -> RetryPolicy:
    """Return the retry policy of the task at ``task_path``."""
    return POLICIES.get(task_path, DEFAULT_POLICY)


def uses_database_queue() -> bool:
    """Whether tasks are stored in the database (the embedded default)."""
    return str(settings.TASK_QUEUE) == "database"


def job_enqueue(
    declared: Task[Any, Any], *args: Any, delay: timedelta | None = None, **kwargs: Any
) -> None:
    """Enqueue ``declared`` inside the caller's transaction.

    With the database queue the task row is written in that transaction; with Redis an outbox
    row is, and the worker relays it after commit. Either way a rollback enqueues nothing.
    """
    run_after = timezone.now() + delay if delay else None
    if uses_database_queue():
        target = declared.using(run_after=run_after) if run_after else declared
        target.enqueue(*args, **kwargs)
        return
    from smarketing.jobs.models import OutboxEntry

    OutboxEntry.objects.create(
        task_path=declared.module_path,
        args_kwargs={"args": list(args), "kwargs": kwargs},
        run_after=run_after,
    )
