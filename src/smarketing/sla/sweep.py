"""The SLA sweep, run every minute by the worker: mark the clocks at risk and breached, then
hand the answer clocks whose next escalation step is due to whoever takes the steps.

The sweep is the clocks' business and lives here; what a step does to a lead (remind its
salesperson, tell the manager, route it again) is the hand-off's, one layer up. So the sweep
takes that as a function — ``take(clocks, now)`` — which ``handoff.escalation`` passes: ``sla``
calls it without importing the hand-offs (docs/architecture.md, "The SLA sweep").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from smarketing.sla.clocks import clocks_mark
from smarketing.sla.escalation import escalations_due
from smarketing.sla.models import SlaClock

ESCALATION_BATCH = 500
Take = Callable[[list[SlaClock], datetime], None]


@dataclass(frozen=True)
class SweepResult:
    """What one sweep changed."""

    at_risk: int
    breached: int
    escalated: int


def escalations_hand_over(*, now: datetime, take: Take, limit: int = ESCALATION_BATCH) -> int:
    """Give ``take`` one batch of answer clocks whose next ladder step is due, the longest due
    first; return how many were due. ``take`` claims each step (``escalation_claim``) or ends
    the clock's ladder (``escalation_end``)."""
    due = escalations_due(now=now, limit=limit)
    if due:
        take(due, now)
    return len(due)


def sla_sweep(*, now: datetime, take: Take, limit: int = ESCALATION_BATCH) -> SweepResult:
    """Mark at-risk and breached clocks, then hand the due escalation steps to ``take``, batch
    after batch until none is due (a clock past two steps is taken twice, step by step).

    A batch in which ``take`` moved no clock ends the sweep: the next one tries again.
    """
    at_risk, breached = clocks_mark(now=now)
    escalated = 0
    seen: set[tuple[int, int]] = set()
    while due := escalations_due(now=now, limit=limit):
        steps = {(clock.pk, clock.step) for clock in due}
        if steps <= seen:
            break
        seen |= steps
        take(due, now)
        escalated += len(due)
    return SweepResult(at_risk=at_risk, breached=breached, escalated=escalated)
