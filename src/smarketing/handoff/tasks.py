"""Hand-offs run by the worker."""

from __future__ import annotations

from datetime import timedelta

from smarketing.handoff.services import handoffs_route
from smarketing.jobs.durable import durable_task
from smarketing.jobs.schedule import periodic


@durable_task(max_attempts=5, base_delay=5)
def handoffs_route_task() -> int:
    """Hand every waiting MQL to a salesperson (batch by batch)."""
    total = 0
    while routed := handoffs_route():
        total += routed
    return total


periodic("handoff.route", every=timedelta(seconds=5), task=handoffs_route_task)
