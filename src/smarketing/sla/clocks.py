"""SLA clocks: started at hand-off, paused outside working hours, stopped by the action.

- The **answer** clock (accept or reject within the term's hours) starts when the lead is handed
  over, also when it waits in a manager's queue: that wait counts against sales.
- The **first-touch** clock stops at the first call, e-mail or meeting logged on the contact.
- The **follow-up** clock counts calls, e-mails and meetings until the term's number is reached
  within its days (calendar days).

Deadlines are computed once in the team's business calendar, so the periodic marking
(:func:`clocks_mark`) is a pair of set-based UPDATEs. The hand-off services call these
functions in the transaction of the hand-off, its answer or the touch.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Case, F, Value, When

from smarketing.agreement.document import Sla, SlaTerm
from smarketing.contacts.choices import ActivityKind
from smarketing.journal.choices import FactKind, SubjectKind
from smarketing.journal.services import FactIn, facts_record
from smarketing.sla.choices import ClockKind, ClockState
from smarketing.sla.models import SlaClock
from smarketing.sla.workhours import BusinessCalendar

HOUR = 3600.0
TOUCHES = frozenset({ActivityKind.CALL, ActivityKind.EMAIL, ActivityKind.MEETING})


def clocks_start(
    *,
    handoff_id: int,
    contact_id: int,
    started_at: datetime,
    term: SlaTerm | None,
    sla: Sla,
    calendar: BusinessCalendar,
    holder_id: int | None = None,
) -> list[SlaClock]:
    """Create a hand-off's clocks from its SLA term (none without a term), held by
    ``holder_id`` (the salesperson it was handed to; ``None``: the team's queue)."""
    clocks = clocks_plan(
        handoff_id=handoff_id,
        contact_id=contact_id,
        started_at=started_at,
        term=term,
        sla=sla,
        calendar=calendar,
        holder_id=holder_id,
    )
    return SlaClock.objects.bulk_create(clocks) if clocks else []


def clocks_plan(
    *,
    handoff_id: int,
    contact_id: int,
    started_at: datetime,
    term: SlaTerm | None,
    sla: Sla,
    calendar: BusinessCalendar,
    holder_id: int | None = None,
) -> list[SlaClock]:
    """A hand-off's clocks from its SLA term, deadlines computed, not saved yet."""
    if term is None:
        return []
    risk = sla.at_risk_percent / 100
    start = started_at
    clocks = []
    for kind, hours in (
        (ClockKind.ACCEPT, term.accept_hours),
        (ClockKind.FIRST_TOUCH, term.first_touch_hours),
    ):
        allowance = hours * HOUR
        clocks.append(
            SlaClock(
                handoff_id=handoff_id,
                contact_id=contact_id,
                holder_id=holder_id,
                kind=kind,
                started_at=start,
                allowance_seconds=allowance,
                at_risk_at=calendar.deadline(start, allowance * risk),
                due_at=calendar.deadline(start, allowance),
            )
        )
    first_step = sla.escalation[0]
    clocks[0].next_step_at = calendar.deadline(
        start, clocks[0].allowance_seconds * first_step.share
    )
    if term.follow_ups:
        days = timedelta(days=term.follow_up_days)
        clocks.append(
            SlaClock(
                handoff_id=handoff_id,
                contact_id=contact_id,
                holder_id=holder_id,
                kind=ClockKind.FOLLOW_UP,
                started_at=start,
                allowance_seconds=days.total_seconds(),
                at_risk_at=start + days * risk,
                due_at=start + days,
                needed=term.follow_ups,
            )
        )
    return clocks


def _stopped_state(when: datetime) -> Case:
    """``met`` when stopped by the deadline, else ``breached``."""
    return Case(
        When(due_at__gte=when, then=Value(ClockState.MET)), default=Value(ClockState.BREACHED)
    )


def clocks_on_answer(*, handoff_id: int, accepted: bool, when: datetime) -> None:
    """The answer stops the answer clock; a rejection cancels the others."""
    running = SlaClock.objects.filter(handoff_id=handoff_id, stopped_at=None)
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
    running = SlaClock.objects.filter(contact_id=contact_id, stopped_at=None, started_at__lte=when)
    with transaction.atomic():
        moved = running.filter(kind=ClockKind.FIRST_TOUCH).update(
            stopped_at=when, done=1, state=_stopped_state(when)
        )
        follow_ups = running.filter(kind=ClockKind.FOLLOW_UP)
        moved += follow_ups.update(done=F("done") + 1)
        follow_ups.filter(done__gte=F("needed")).update(stopped_at=when, state=_stopped_state(when))
    return moved


def clocks_hand_on(
    *, handoff_id: int, holder_id: int | None, when: datetime, sla: Sla, calendar: BusinessCalendar
) -> list[SlaClock]:
    """The lead changes hands at ``when``: its running clocks are handed on to ``holder_id``.

    Each running clock is closed for its holder — ``breached`` when its deadline had passed
    (the breach stays theirs), else ``handed_on`` (nobody's breach) — and the new holder gets a
    fresh clock of the same kind: the term's full allowance from ``when``, in working time (in
    calendar days for follow-ups), the actions already done carried over, the escalation
    ladder from its first step. Returns the new clocks. Called by the reassignment, in its
    transaction (docs/adr/0017-fair-clocks.md).
    """
    with transaction.atomic():
        running = list(
            SlaClock.objects.select_for_update()
            .filter(handoff_id=handoff_id, handed_on_at=None, stopped_at=None)
            .order_by("id")
        )
        if not running:
            return []
        late = [c for c in running if c.due_at < when or c.state == ClockState.BREACHED]
        ended = SlaClock.objects.filter(pk__in=[c.pk for c in running])
        ended.filter(pk__in=[c.pk for c in late]).update(state=ClockState.BREACHED)
        ended.exclude(pk__in=[c.pk for c in late]).update(state=ClockState.HANDED_ON)
        ended.update(stopped_at=when, handed_on_at=when, next_step_at=None)
        facts_record(
            [
                _clock_fact(
                    FactKind.SLA_BREACHED,
                    (c.pk, c.handoff_id, c.contact_id, c.kind, c.due_at),
                    when,
                )
                for c in late
                if c.state != ClockState.BREACHED  # the sweep had not marked it yet
            ],
            now=when,
        )
        fresh = [_fresh(clock, holder_id, when, sla, calendar) for clock in running]
        return SlaClock.objects.bulk_create(fresh)


def _fresh(
    clock: SlaClock, holder_id: int | None, when: datetime, sla: Sla, calendar: BusinessCalendar
) -> SlaClock:
    """``clock``'s successor for the new holder: the same commitment, a full allowance."""
    allowance, risk = clock.allowance_seconds, sla.at_risk_percent / 100
    fresh = SlaClock(
        handoff_id=clock.handoff_id,
        contact_id=clock.contact_id,
        holder_id=holder_id,
        kind=clock.kind,
        started_at=when,
        allowance_seconds=allowance,
        needed=clock.needed,
        done=clock.done,
    )
    if clock.kind == ClockKind.FOLLOW_UP:  # calendar days
        fresh.at_risk_at = when + timedelta(seconds=allowance * risk)
        fresh.due_at = when + timedelta(seconds=allowance)
        return fresh
    fresh.at_risk_at = calendar.deadline(when, allowance * risk)
    fresh.due_at = calendar.deadline(when, allowance)
    if clock.kind == ClockKind.ACCEPT:
        fresh.next_step_at = calendar.deadline(when, allowance * sla.escalation[0].share)
    return fresh


def clocks_delete(*, handoff_ids: list[int]) -> int:
    """Delete the clocks of these hand-offs (deleted by the hand-off side: the clocks hold only
    their hand-off's id, so nothing cascades); return how many."""
    return SlaClock.objects.filter(handoff_id__in=handoff_ids).delete()[0]


def clocks_mark(*, now: datetime) -> tuple[int, int]:
    """Mark running clocks past their at-risk time and their deadline: (at risk, breached)."""
    running = SlaClock.objects.filter(stopped_at=None)
    fields = ("pk", "handoff_id", "contact_id", "kind", "due_at")
    with transaction.atomic():
        to_breach = list(
            running.select_for_update()
            .filter(state__in=[ClockState.RUNNING, ClockState.AT_RISK], due_at__lte=now)
            .values_list(*fields)
        )
        breached = running.filter(pk__in=[row[0] for row in to_breach]).update(
            state=ClockState.BREACHED
        )
        to_warn = list(
            running.select_for_update()
            .filter(state=ClockState.RUNNING, at_risk_at__lte=now)
            .values_list(*fields)
        )
        at_risk = running.filter(pk__in=[row[0] for row in to_warn]).update(
            state=ClockState.AT_RISK
        )
        facts_record(
            [
                *(_clock_fact(FactKind.SLA_BREACHED, row, now) for row in to_breach),
                *(_clock_fact(FactKind.SLA_AT_RISK, row, now) for row in to_warn),
            ],
            now=now,
        )
    return at_risk, breached


def _clock_fact(kind: str, row: tuple[Any, ...], now: datetime) -> FactIn:
    clock_id, handoff_id, contact_id, clock_kind, due_at = row
    return FactIn(
        kind=kind,
        subject_kind=SubjectKind.HANDOFF,
        subject_id=handoff_id,
        contact_id=contact_id,
        occurred_at=now,
        payload={"clock_id": clock_id, "clock_kind": clock_kind, "due_at": due_at.isoformat()},
    )
