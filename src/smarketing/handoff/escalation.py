"""The escalation steps taken on hand-offs: remind the salesperson → notify the manager →
reassign by the routing rules.

The sweep itself — marking clocks at risk and breached, finding the ladder steps that are due,
batch after batch — is the clocks' (``sla.sweep``); when a step is due and who claims it is too
(``sla.escalation``). What the step does to the lead is the hand-off's, here: ``sla_sweep``
runs the clocks' sweep with :func:`escalations_take`. Every step is recorded on the hand-off.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from smarketing.agreement.choices import EscalationAction
from smarketing.agreement.document import Routing
from smarketing.handoff.choices import HandoffStatus, HandoffStepKind
from smarketing.handoff.facts import reassigned_fact
from smarketing.handoff.messages import escalation_notify, handoff_notify
from smarketing.handoff.models import Handoff, HandoffStep, Team
from smarketing.handoff.reps import lead_of, reps_now
from smarketing.handoff.routing import Rep, route
from smarketing.handoff.selectors import with_dues
from smarketing.sla import sweep
from smarketing.sla.escalation import escalation_claim, escalation_end
from smarketing.sla.models import SlaClock
from smarketing.sla.sweep import ESCALATION_BATCH, SweepResult
from smarketing.sla.workhours import BusinessCalendar

__all__ = ["ESCALATION_BATCH", "SweepResult", "escalations_run", "escalations_take", "sla_sweep"]


def calendar_of(team: Team | None) -> BusinessCalendar:
    """The team's business calendar (the default Monday–Friday 09:00–18:00 Paris without one)."""
    return team.calendar() if team else BusinessCalendar()


def sla_sweep(*, now: datetime | None = None) -> SweepResult:
    """The worker's minute: the clocks' sweep, its due escalation steps taken on the hand-offs."""
    return sweep.sla_sweep(now=now or timezone.now(), take=escalations_take)


def escalations_run(*, now: datetime, limit: int = ESCALATION_BATCH) -> int:
    """Take the next ladder step of answer clocks whose step is due (one batch); return how many."""
    return sweep.escalations_hand_over(now=now, take=escalations_take, limit=limit)


def escalations_take(due: list[SlaClock], now: datetime) -> None:
    """Take the due step of each of these answer clocks on its hand-off, one transaction each
    (the claim, the step recorded and the message together)."""
    handoffs = (
        with_dues(Handoff.objects.all())
        .select_related("team__manager", "assignee", "version", "contact")
        .in_bulk([clock.handoff_id for clock in due])
    )
    calendars: dict[int | None, BusinessCalendar] = {}
    load = _Load(now)
    for clock in due:
        handoff = handoffs.get(clock.handoff_id)
        if handoff is None:  # deleted meanwhile: its clock has no one to escalate to
            escalation_end(clock)
            continue
        team_id = handoff.team_id
        if team_id not in calendars:
            calendars[team_id] = calendar_of(handoff.team)
        with transaction.atomic():
            _escalate(clock, handoff, calendars[team_id], now, load)


class _Load:
    """The salespeople's availability and open MQLs for one batch of escalations: read at its
    first reassignment, then kept up to date by each one (read per reassignment, it took about
    0.1 s each at 50,000 open hand-offs: see docs/performance.md)."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self.reps: dict[int, Rep] | None = None
        self.moves = 0

    def current(self) -> dict[int, Rep]:
        """Every salesperson as routing sees them now."""
        if self.reps is None:
            self.reps = reps_now(self.now)
        return self.reps

    def move(self, from_id: int | None, to_id: int | None) -> None:
        """A lead went from ``from_id`` to ``to_id`` (None: the queue): the next one sees it."""
        reps = self.current()
        if from_id is not None and from_id in reps:
            rep = reps[from_id]
            reps[from_id] = replace(rep, open_mqls=max(0, rep.open_mqls - 1))
        if to_id is not None and to_id in reps:
            self.moves += 1
            rep = reps[to_id]
            reps[to_id] = replace(
                rep,
                open_mqls=rep.open_mqls + 1,
                last_assigned_at=self.now + timedelta(microseconds=self.moves),
            )


def _escalate(
    clock: SlaClock, handoff: Handoff, calendar: BusinessCalendar, now: datetime, load: _Load
) -> None:
    # a clock handed on at a reassignment climbs its own ladder: its steps have their own keys
    turn = "" if clock.started_at == handoff.created_at else f"-{clock.pk}"
    key = f"handoff-{handoff.pk}-escalation-{clock.step}{turn}"
    step = escalation_claim(clock, handoff.version.agreement.sla.escalation, calendar)
    if step is None or handoff.status != HandoffStatus.OPEN:
        return
    action = step.action
    why = f"{step.at_percent}% of the answer time used: {action.replace('_', ' ')}"
    if action == EscalationAction.REASSIGN:
        _reassign(handoff, why, now, key, load)
        return
    HandoffStep.objects.create(
        handoff=handoff, kind=HandoffStepKind.ESCALATED, user=handoff.assignee, why=why, at=now
    )
    escalation_notify(
        handoff, reminder=action == EscalationAction.REMIND, why=why, key=key, now=now
    )


def _reassign(handoff: Handoff, why: str, now: datetime, key: str, load: _Load) -> None:
    """Route the lead again, without its current salesperson; the clock keeps running."""
    reps = dict(load.current())
    if handoff.assignee_id in reps:
        reps[handoff.assignee_id] = replace(reps[handoff.assignee_id], absent=True)
    routing = handoff.version.agreement.routing or Routing()
    decision = route(lead_of(handoff.contact), reps, routing)
    Handoff.objects.filter(pk=handoff.pk).update(assignee_id=decision.user_id)
    load.move(handoff.assignee_id, decision.user_id)
    HandoffStep.objects.create(
        handoff=handoff,
        kind=HandoffStepKind.REASSIGNED if decision.user_id else HandoffStepKind.QUEUED,
        user_id=decision.user_id,
        why=f"{why} (rule {decision.rule})"[:500],
        at=now,
    )
    refreshed = (
        with_dues(Handoff.objects.all())
        .select_related("assignee", "team__manager", "contact__account", "version")
        .get(pk=handoff.pk)
    )
    reassigned_fact(refreshed, before=handoff.assignee_id, actor_id=None, why=why, at=now)
    handoff_notify(refreshed, kind="escalated", key=key, now=now)
