"""Marketing work run by the worker: touchpoints from newly stored events."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings

from smarketing.jobs.durable import durable_task
from smarketing.jobs.schedule import periodic
from smarketing.marketing.touchpoints import touchpoints_consume


@durable_task(max_attempts=5, base_delay=5)
def touchpoints_consume_task() -> int:
    """Write the touchpoints of new events until none are left (batch by batch)."""
    total = 0
    while read := touchpoints_consume():
        total += read
    return total


periodic(
    "marketing.touchpoints",
    every=timedelta(seconds=settings.PIPELINE_SECONDS),
    task=touchpoints_consume_task,
)
