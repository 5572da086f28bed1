"""Relay of the outbox to an external queue (Redis/RQ): at least once, in creation order."""

from __future__ import annotations

from django.db import transaction
from django.utils.module_loading import import_string

from smarketing.jobs.models import OutboxEntry


def outbox_relay(*, limit: int = 500) -> int:
    """Send up to ``limit`` committed outbox entries to the task backend; return how many.

    An entry is deleted only after its task was handed to the backend, so a crash in between
    sends it again: tasks are idempotent.
    """
    sent = 0
    for entry in OutboxEntry.objects.order_by("id")[:limit]:
        declared = import_string(entry.task_path)
        target = declared.using(run_after=entry.run_after) if entry.run_after else declared
        target.enqueue(*entry.args_kwargs["args"], **entry.args_kwargs["kwargs"])
        with transaction.atomic():
            OutboxEntry.objects.filter(pk=entry.pk).delete()
        sent += 1
    return sent
