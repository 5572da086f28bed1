"""A hand-off's clocks replayed in memory: started, stopped by its answer and its contact's
touches in time order, marked as of a moment — exactly as the live functions of
``sla.clocks`` leave them, without a query per step, for writing a history in bulk (the demo).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from smarketing.agreement.document import Sla, SlaTerm
from smarketing.sla.choices import ClockKind, ClockState
from smarketing.sla.clocks import clocks_plan
from smarketing.sla.models import SlaClock
from smarketing.sla.workhours import BusinessCalendar

ANSWER, TOUCH = 0, 1  # at the same moment the answer comes first


def _stop(clock: SlaClock, when: datetime) -> None:
    """As ``clocks._stopped_state``: met when stopped by the deadline, else breached."""
    clock.stopped_at = when
    clock.state = ClockState.MET if clock.due_at >= when else ClockState.BREACHED


def _answer(clocks: list[SlaClock], accepted: bool, when: datetime) -> None:
    """As ``clocks_on_answer``."""
    for clock in clocks:
        if clock.stopped_at is not None:
            continue
        if clock.kind == ClockKind.ACCEPT:
            _stop(clock, when)
            clock.next_step_at, clock.done = None, 1
        elif not accepted:
            clock.stopped_at, clock.next_step_at = when, None
            clock.state = ClockState.CANCELLED


def _touch(clocks: list[SlaClock], when: datetime) -> None:
    """As ``clocks_on_touch`` (a call, e-mail or meeting)."""
    for clock in clocks:
        if clock.stopped_at is not None or clock.started_at > when:
            continue
        if clock.kind == ClockKind.FIRST_TOUCH:
            _stop(clock, when)
            clock.done = 1
        elif clock.kind == ClockKind.FOLLOW_UP:
            clock.done += 1
            if clock.done >= clock.needed:
                _stop(clock, when)


def _mark(clocks: list[SlaClock], now: datetime) -> None:
    """As ``clocks_mark``."""
    for clock in clocks:
        if clock.stopped_at is not None:
            continue
        if clock.state in (ClockState.RUNNING, ClockState.AT_RISK) and clock.due_at <= now:
            clock.state = ClockState.BREACHED
        elif clock.state == ClockState.RUNNING and clock.at_risk_at <= now:
            clock.state = ClockState.AT_RISK


def clocks_replayed(
    *,
    handoff_id: int,
    contact_id: int,
    started_at: datetime,
    term: SlaTerm | None,
    sla: Sla,
    calendar: BusinessCalendar,
    answer: tuple[datetime, bool] | None,
    touches: Sequence[datetime],
    now: datetime,
) -> list[SlaClock]:
    """The hand-off's clocks (not saved) after its ``answer`` (when, accepted) and the calls,
    e-mails and meetings logged on its contact (``touches``, those up to ``now``), marked at
    risk or breached as of ``now``."""
    clocks = clocks_plan(
        handoff_id=handoff_id,
        contact_id=contact_id,
        started_at=started_at,
        term=term,
        sla=sla,
        calendar=calendar,
    )
    events = [(when, TOUCH) for when in touches if when <= now]
    if answer is not None and answer[0] <= now:
        events.append((answer[0], ANSWER))
    for when, what in sorted(events):
        if what == ANSWER and answer is not None:
            _answer(clocks, answer[1], when)
        else:
            _touch(clocks, when)
    _mark(clocks, now)
    return clocks
