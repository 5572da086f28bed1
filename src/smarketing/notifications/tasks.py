"""Deliveries sent by the worker."""

from __future__ import annotations

from smarketing.jobs.durable import durable_task, job_enqueue
from smarketing.notifications.delivery import delivery_send


@durable_task(max_attempts=3, base_delay=5)
def delivery_send_task(delivery_id: int) -> None:
    """Send one delivery; on failure enqueue the next try after its backoff."""
    delay = delivery_send(delivery_id)
    if delay is not None:
        job_enqueue(delivery_send_task, delivery_id, delay=delay)
