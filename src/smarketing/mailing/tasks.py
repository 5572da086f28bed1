"""E-mail to contacts delivered by the worker."""

from __future__ import annotations

from smarketing.jobs.durable import durable_task, job_enqueue
from smarketing.mailing.delivery import message_deliver


@durable_task(max_attempts=3, base_delay=5)
def message_deliver_task(message_id: int) -> None:
    """Deliver one outgoing message; on failure enqueue the next try after its backoff."""
    delay = message_deliver(message_id)
    if delay is not None:
        job_enqueue(message_deliver_task, message_id, delay=delay)
