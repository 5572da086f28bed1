"""The scoring consumer, run by the worker every few seconds."""

from __future__ import annotations

from datetime import timedelta

from smarketing.jobs.durable import durable_task
from smarketing.jobs.schedule import periodic
from smarketing.scoring.services import scoring_consume


@durable_task(max_attempts=5, base_delay=5)
def scoring_consume_task() -> int:
    """Fold new events into scores until none are left (batch by batch)."""
    total = 0
    while read := scoring_consume():
        total += read
    return total


periodic("scoring.consume", every=timedelta(seconds=5), task=scoring_consume_task)
