"""The SLA clocks of the demo's hand-offs: every hand-off's deadlines live on its clocks.

Each hand-off's clocks start at the hand-off, in its team's calendar, and are stopped by its
answer and its contact's calls, e-mails and meetings as they happened, then marked at risk or
breached as of today (``sla.replay``: what the live functions would have left, written in
bulk). The SLA board opens on a realistic day: the clocks of leads answered more than three
days ago that nothing stopped (a first touch or follow-ups never done) are closed as cancelled
three days ago — they keep their deadlines, which the scorecard measures.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.db import transaction

from smarketing.agreement.document import Sla
from smarketing.agreement.selectors import agreements_of
from smarketing.contacts.models import Activity
from smarketing.core.bulk import rows_insert
from smarketing.handoff.choices import HandoffStatus
from smarketing.handoff.escalation import calendar_of
from smarketing.handoff.models import Handoff
from smarketing.sla.choices import ClockState
from smarketing.sla.clocks import TOUCHES
from smarketing.sla.models import SlaClock
from smarketing.sla.replay import clocks_replayed
from smarketing.sla.workhours import BusinessCalendar

if TYPE_CHECKING:
    from smarketing.demo.generator import Context

RECENT = timedelta(days=3)
CHUNK = 2000
CLOCK_COLUMNS = (
    "handoff_id",
    "contact_id",
    "holder_id",
    "kind",
    "state",
    "started_at",
    "at_risk_at",
    "due_at",
    "allowance_seconds",
    "stopped_at",
    "needed",
    "done",
    "step",
    "next_step_at",
)


def _touches(now: datetime) -> dict[int, list[datetime]]:
    """Each contact's calls, e-mails and meetings up to ``now``, in time order."""
    touches: dict[int, list[datetime]] = {}
    rows = Activity.objects.filter(kind__in=TOUCHES, occurred_at__lte=now).order_by(
        "occurred_at", "id"
    )
    for contact_id, at in rows.values_list("contact_id", "occurred_at"):
        touches.setdefault(contact_id, []).append(at)
    return touches


def _clocks(
    handoff: Handoff, sla: Sla, calendar: BusinessCalendar, touches: list[datetime], now: datetime
) -> list[SlaClock]:
    """The hand-off's clocks as its answer and touches left them today."""
    answered = handoff.status != HandoffStatus.OPEN and handoff.decided_at is not None
    clocks = clocks_replayed(
        handoff_id=handoff.pk,
        contact_id=handoff.contact_id,
        started_at=handoff.created_at,
        term=sla.term(handoff.sla_term),
        sla=sla,
        calendar=calendar,
        answer=(handoff.decided_at, handoff.status == HandoffStatus.ACCEPTED)
        if answered and handoff.decided_at is not None
        else None,
        touches=touches,
        now=now,
    )
    for clock in clocks:  # held by the salesperson the demo handed the lead to
        clock.holder_id = handoff.assignee_id
    if handoff.decided_at is not None and handoff.decided_at < now - RECENT:
        for clock in clocks:  # answered before the board's days: closed if still open
            if clock.stopped_at is None:
                clock.stopped_at, clock.next_step_at = now - RECENT, None
                clock.state = ClockState.CANCELLED
    return clocks


def clocks_step(ctx: Context) -> None:
    """Every hand-off's clocks as its answer and touches left them, marked as of today; those
    of leads answered before the last three days that nothing stopped, closed."""
    touches = _touches(ctx.now)
    versions = Handoff.objects.values_list("version_id", flat=True).distinct()
    slas = {pk: agreement.sla for pk, agreement in agreements_of(versions).items()}
    calendars: dict[int | None, BusinessCalendar] = {}
    rows = Handoff.objects.select_related("team").order_by("pk")
    after, total = 0, 0
    while chunk := list(rows.filter(pk__gt=after)[:CHUNK]):
        after = chunk[-1].pk
        clocks: list[SlaClock] = []
        for handoff in chunk:
            if handoff.team_id not in calendars:
                calendars[handoff.team_id] = calendar_of(handoff.team)
            clocks += _clocks(
                handoff,
                slas[handoff.version_id],
                calendars[handoff.team_id],
                touches.get(handoff.contact_id, []),
                ctx.now,
            )
        with transaction.atomic():
            total += rows_insert(
                SlaClock,
                CLOCK_COLUMNS,
                ([getattr(clock, column) for column in CLOCK_COLUMNS] for clock in clocks),
            )
    ctx.summary.counts["SLA clocks"] = total
