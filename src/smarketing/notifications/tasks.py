"""Deliveries and digests sent by the worker."""

from __future__ import annotations

from datetime import timedelta

from smarketing.jobs.durable import durable_task, job_enqueue
from smarketing.jobs.schedule import periodic
from smarketing.notifications.delivery import delivery_send, digest_send


@durable_task(max_attempts=3, base_delay=5)
def delivery_send_task(delivery_id: int) -> None:
    """Send one delivery; on failure enqueue the next try after its backoff."""
    delay = delivery_send(delivery_id)
    if delay is not None:
        job_enqueue(delivery_send_task, delivery_id, delay=delay)


@durable_task(max_attempts=3, base_delay=5)
def digest_send_task(digest_id: int) -> None:
    """Send one digest; on failure enqueue the next try after its backoff."""
    delay = digest_send(digest_id)
    if delay is not None:
        job_enqueue(digest_send_task, digest_id, delay=delay)


@durable_task(max_attempts=3)
def digests_send_task() -> int:
    """Send the digests (and the deliveries quiet hours held back) that are due."""
    from smarketing.notifications.digests import digests_send  # it enqueues the tasks above

    return digests_send()


periodic("notifications.digests_send", every=timedelta(minutes=1), task=digests_send_task)
