"""Hand-offs run by the worker: routing new MQLs, and the SLA sweep."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings

from smarketing.handoff.escalation import sla_sweep
from smarketing.handoff.services import ROUTING
from smarketing.jobs.durable import durable_task
from smarketing.jobs.schedule import periodic
from smarketing.journal.consumers import consume_all


@durable_task(max_attempts=5, base_delay=5)
def handoffs_route_task() -> int:
    """Hand every new MQL the journal reports to a salesperson (batch by batch); return how
    many facts were read."""
    return consume_all(ROUTING)


@durable_task(max_attempts=3, base_delay=10)
def sla_sweep_task() -> dict[str, int]:
    """The SLA sweep (``sla.sweep``): mark at-risk and breached clocks, and take the due
    escalation steps on the hand-offs (``handoff.escalation``)."""
    result = sla_sweep()
    return {"at_risk": result.at_risk, "breached": result.breached, "escalated": result.escalated}


periodic(
    "handoff.route",
    every=timedelta(seconds=settings.PIPELINE_SECONDS),
    task=handoffs_route_task,
)
periodic("handoff.sla_sweep", every=timedelta(minutes=1), task=sla_sweep_task)
