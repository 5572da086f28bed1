"""Housekeeping tasks of the worker, run periodically."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from smarketing.core.db import sqlite_checkpoint
from smarketing.jobs.durable import durable_task
from smarketing.jobs.schedule import periodic

KEEP_RESULTS = timedelta(days=14)


@durable_task(max_attempts=3)
def task_results_prune() -> int:
    """Delete finished task results older than two weeks; return how many."""
    deleted, _ = (
        DBTaskResult.objects.finished()
        .filter(finished_at__lt=timezone.now() - KEEP_RESULTS)
        .delete()
    )
    return deleted


@durable_task(max_attempts=3)
def database_checkpoint() -> None:
    """Fold SQLite's write-ahead log back into the database file."""
    sqlite_checkpoint()


periodic("jobs.task_results_prune", every=timedelta(days=1), task=task_results_prune)
periodic("jobs.database_checkpoint", every=timedelta(hours=1), task=database_checkpoint)
