"""The escalation ladder of answer clocks: which step is due, and claiming it exactly once.

The agreement's ``sla.escalation`` lists steps at rising shares of the answer time (remind the
salesperson → notify the manager → reassign). This module says when a clock reaches its next
step and records that the step was taken; what the step does to the hand-off (a message, a new
assignee) is the hand-off's business (``handoff.escalation``).
"""

from __future__ import annotations

from datetime import datetime

from smarketing.agreement.document import EscalationStep
from smarketing.sla.choices import ClockKind
from smarketing.sla.models import SlaClock
from smarketing.sla.workhours import BusinessCalendar


def escalations_due(*, now: datetime, limit: int) -> list[SlaClock]:
    """Running answer clocks whose next ladder step is due, the longest due first."""
    return list(
        SlaClock.objects.filter(
            stopped_at=None, kind=ClockKind.ACCEPT, next_step_at__lte=now
        ).order_by("next_step_at", "id")[:limit]
    )


def escalation_claim(
    clock: SlaClock, ladder: tuple[EscalationStep, ...], calendar: BusinessCalendar
) -> EscalationStep | None:
    """Move ``clock`` past its next step and schedule the following one; return the step to
    take, or None when another worker claimed it (or the clock stopped) meanwhile."""
    step = ladder[min(clock.step, len(ladder) - 1)]
    following = clock.step + 1
    next_at = (
        calendar.deadline(clock.started_at, clock.allowance_seconds * ladder[following].share)
        if following < len(ladder)
        else None
    )
    claimed = SlaClock.objects.filter(pk=clock.pk, step=clock.step, stopped_at=None).update(
        step=following, next_step_at=next_at
    )
    return step if claimed else None


def escalation_end(clock: SlaClock) -> None:
    """No further step for ``clock`` (its hand-off is gone): the sweep leaves it alone."""
    SlaClock.objects.filter(pk=clock.pk).update(next_step_at=None)
