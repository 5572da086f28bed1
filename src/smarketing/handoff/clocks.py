"""SLA clocks: started at hand-off, paused outside working hours, stopped by the action.

- The **answer** clock (accept or reject within the term's hours) starts when the lead is handed
  over, also when it waits in a manager's queue: that wait counts against sales.
- The **first-touch** clock stops at the first call, e-mail or meeting logged on the contact.
- The **follow-up** clock counts calls, e-mails and meetings until the term's number is reached
  within its days (calendar days).

Deadlines are computed once in the team's business calendar, so the periodic sweep
(:func:`sla_sweep`) is a pair of set-based UPDATEs plus the escalation ladder of the answer clocks
that reached their next step: remind the salesperson → notify the manager → reassign by the
routing rules. Every step is recorded on the hand-off.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Case, F, Value, When
from django.utils import timezone

from smarketing.contacts.choices import ActivityKind
from smarketing.handoff.models import (
    ClockKind,
    ClockState,
    Handoff,
    HandoffStatus,
    HandoffStep,
    SlaClock,
    Team,
)
from smarketing.handoff.notify import handoff_notify
from smarketing.handoff.reps import lead_of, reps_now
from smarketing.handoff.routing import Rep, route
from smarketing.notifications.models import Channel
from smarketing.notifications.services import Message, notify
from smarketing.sla.workhours import BusinessCalendar

HOUR = 3600.0
DEFAULT_AT_RISK = 75
DEFAULT_LADDER: tuple[dict[str, Any], ...] = (
    {"at_percent": 75, "action": "remind"},
    {"at_percent": 100, "action": "notify_manager"},
    {"at_percent": 150, "action": "reassign"},
)
TOUCHES = frozenset({ActivityKind.CALL, ActivityKind.EMAIL, ActivityKind.MEETING})
ESCALATION_BATCH = 500


def ladder(document: dict[str, Any]) -> tuple[dict[str, Any], ...]:
    """The agreement's escalation ladder (its default when the agreement names none)."""
    return tuple((document.get("sla") or {}).get("escalation") or DEFAULT_LADDER)


def calendar_of(team: Team | None) -> BusinessCalendar:
    """The team's business calendar (the default Monday–Friday 09:00–18:00 Paris without one)."""
    return team.calendar() if team else BusinessCalendar()


def clocks_start(
    handoff: Handoff, term: dict[str, Any] | None, calendar: BusinessCalendar
) -> list[SlaClock]:
    """Create the hand-off's clocks from its SLA term (none without a term)."""
    if term is None:
        return []
    document = handoff.version.document
    risk = float((document.get("sla") or {}).get("at_risk_percent", DEFAULT_AT_RISK)) / 100
    start = handoff.created_at
    clocks = []
    for kind, hours in (
        (ClockKind.ACCEPT, term["accept_hours"]),
        (ClockKind.FIRST_TOUCH, term["first_touch_hours"]),
    ):
        allowance = float(hours) * HOUR
        clocks.append(
            SlaClock(
                handoff=handoff,
                kind=kind,
                started_at=start,
                allowance_seconds=allowance,
                at_risk_at=calendar.deadline(start, allowance * risk),
                due_at=calendar.deadline(start, allowance),
            )
        )
    steps = ladder(document)
    clocks[0].next_step_at = calendar.deadline(
        start, clocks[0].allowance_seconds * _share(steps[0])
    )
    if term.get("follow_ups"):
        days = timedelta(days=int(term["follow_up_days"]))
        clocks.append(
            SlaClock(
                handoff=handoff,
                kind=ClockKind.FOLLOW_UP,
                started_at=start,
                allowance_seconds=days.total_seconds(),
                at_risk_at=start + days * risk,
                due_at=start + days,
                needed=int(term["follow_ups"]),
            )
        )
    return SlaClock.objects.bulk_create(clocks)


def _share(step: dict[str, Any]) -> float:
    return float(step["at_percent"]) / 100


def _stopped_state(when: datetime) -> Case:
    """``met`` when stopped by the deadline, else ``breached``."""
    return Case(
        When(due_at__gte=when, then=Value(ClockState.MET)), default=Value(ClockState.BREACHED)
    )


def clocks_on_answer(handoff: Handoff, *, accepted: bool, when: datetime) -> None:
    """The answer stops the answer clock; a rejection cancels the others."""
    running = SlaClock.objects.filter(handoff=handoff, stopped_at=None)
    running.filter(kind=ClockKind.ACCEPT).update(
        stopped_at=when, next_step_at=None, done=1, state=_stopped_state(when)
    )
    if not accepted:
        running.exclude(kind=ClockKind.ACCEPT).update(
            stopped_at=when, next_step_at=None, state=ClockState.CANCELLED
        )


def clocks_on_touch(*, contact_id: int, kind: str, when: datetime) -> int:
    """A call, e-mail or meeting on the contact: stops first touch, counts as a follow-up.

    Returns how many clocks it moved. Notes do not count.
    """
    if kind not in TOUCHES:
        return 0
    running = SlaClock.objects.filter(
        handoff__contact_id=contact_id, stopped_at=None, started_at__lte=when
    )
    with transaction.atomic():
        moved = running.filter(kind=ClockKind.FIRST_TOUCH).update(
            stopped_at=when, done=1, state=_stopped_state(when)
        )
        follow_ups = running.filter(kind=ClockKind.FOLLOW_UP)
        moved += follow_ups.update(done=F("done") + 1)
        follow_ups.filter(done__gte=F("needed")).update(stopped_at=when, state=_stopped_state(when))
    return moved


def clocks_close_for_contact(contact_id: int, when: datetime) -> int:
    """Cancel the running clocks of a contact taken out of sales' hands (erased, disqualified)."""
    return SlaClock.objects.filter(handoff__contact_id=contact_id, stopped_at=None).update(
        stopped_at=when, next_step_at=None, state=ClockState.CANCELLED
    )


@dataclass(frozen=True)
class SweepResult:
    """What one sweep changed."""

    at_risk: int
    breached: int
    escalated: int


def clocks_mark(*, now: datetime) -> tuple[int, int]:
    """Mark running clocks past their at-risk time and their deadline: (at risk, breached)."""
    running = SlaClock.objects.filter(stopped_at=None)
    with transaction.atomic():
        breached = running.filter(
            state__in=[ClockState.RUNNING, ClockState.AT_RISK], due_at__lte=now
        ).update(state=ClockState.BREACHED)
        at_risk = running.filter(state=ClockState.RUNNING, at_risk_at__lte=now).update(
            state=ClockState.AT_RISK
        )
    return at_risk, breached


def sla_sweep(*, now: datetime | None = None) -> SweepResult:
    """Mark at-risk and breached clocks, then take the escalation steps that are due."""
    when = now or timezone.now()
    at_risk, breached = clocks_mark(now=when)
    escalated = 0
    while batch := escalations_run(now=when):
        escalated += batch
    return SweepResult(at_risk=at_risk, breached=breached, escalated=escalated)


def escalations_run(*, now: datetime, limit: int = ESCALATION_BATCH) -> int:
    """Take the next ladder step of answer clocks whose step is due (one batch); return how many."""
    due = list(
        SlaClock.objects.filter(stopped_at=None, kind=ClockKind.ACCEPT, next_step_at__lte=now)
        .select_related(
            "handoff__team__manager", "handoff__assignee", "handoff__version", "handoff__contact"
        )
        .order_by("next_step_at", "id")[:limit]
    )
    calendars: dict[int | None, BusinessCalendar] = {}
    load = _Load(now)
    for clock in due:
        handoff = clock.handoff
        team_id = handoff.team_id
        if team_id not in calendars:
            calendars[team_id] = calendar_of(handoff.team)
        with transaction.atomic():
            _escalate(clock, handoff, calendars[team_id], now, load)
    return len(due)


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
    steps = ladder(handoff.version.document)
    step = steps[min(clock.step, len(steps) - 1)]
    following = clock.step + 1
    next_at = (
        calendar.deadline(clock.started_at, clock.allowance_seconds * _share(steps[following]))
        if following < len(steps)
        else None
    )
    claimed = SlaClock.objects.filter(pk=clock.pk, step=clock.step, stopped_at=None).update(
        step=following, next_step_at=next_at
    )
    if not claimed or handoff.status != HandoffStatus.OPEN:
        return
    action = str(step["action"])
    why = f"{step['at_percent']}% of the answer time used: {action.replace('_', ' ')}"
    key = f"handoff-{handoff.pk}-escalation-{clock.step}"
    if action == "reassign":
        _reassign(handoff, why, now, key, load)
        return
    HandoffStep.objects.create(
        handoff=handoff, kind="escalated", user=handoff.assignee, why=why, at=now
    )
    name = handoff.contact.full_name or handoff.contact.email
    if action == "remind" and handoff.assignee is not None:
        recipient, title = handoff.assignee, f"Reminder: answer {name}"
    elif handoff.team is not None:
        recipient = handoff.team.manager
        who = handoff.assignee.get_full_name() if handoff.assignee else "the queue"
        title = f"{name} is waiting for an answer ({who})"
    else:
        return
    notify(
        user=recipient,
        key=key,
        message=Message(
            kind="escalation",
            title=title,
            body=why,
            link=f"/inbox/{handoff.pk}/",
            details=[("Answer due", f"{handoff.accept_due:%Y-%m-%d %H:%M} UTC")]
            if handoff.accept_due
            else [],
        ),
        channels=[(Channel.EMAIL, recipient.email)],
        now=now,
    )


def _reassign(handoff: Handoff, why: str, now: datetime, key: str, load: _Load) -> None:
    """Route the lead again, without its current salesperson; the clock keeps running."""
    reps = dict(load.current())
    if handoff.assignee_id in reps:
        reps[handoff.assignee_id] = replace(reps[handoff.assignee_id], absent=True)
    routing = handoff.version.document.get("routing") or {"rules": []}
    decision = route(lead_of(handoff.contact), reps, routing)
    Handoff.objects.filter(pk=handoff.pk).update(assignee_id=decision.user_id)
    load.move(handoff.assignee_id, decision.user_id)
    HandoffStep.objects.create(
        handoff=handoff,
        kind="reassigned" if decision.user_id else "queued",
        user_id=decision.user_id,
        why=f"{why} (rule {decision.rule})"[:500],
        at=now,
    )
    refreshed = Handoff.objects.select_related(
        "assignee", "team__manager", "contact__account", "version"
    ).get(pk=handoff.pk)
    handoff_notify(refreshed, kind="escalated", key=key, now=now)
