"""SLA clocks for the demo's recent hand-offs, so the SLA board opens on a realistic day."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from django.db.models import Q

from smarketing.contacts.models import Activity
from smarketing.handoff.choices import HandoffStatus
from smarketing.handoff.escalation import calendar_of
from smarketing.handoff.models import Handoff
from smarketing.sla.clocks import (
    TOUCHES,
    clocks_mark,
    clocks_on_answer,
    clocks_on_touch,
    clocks_start,
)
from smarketing.sla.models import SlaClock
from smarketing.sla.workhours import BusinessCalendar

if TYPE_CHECKING:
    from smarketing.demo.generator import Context

RECENT = timedelta(days=3)


def clocks_step(ctx: Context) -> None:
    """Clocks of the hand-offs still open and of those accepted in the last three days, stopped by
    their answer and touches as they happened, then marked at risk or breached as of today."""
    recent = (
        Handoff.objects.filter(
            Q(status=HandoffStatus.OPEN)
            | Q(status=HandoffStatus.ACCEPTED, decided_at__gte=ctx.now - RECENT)
        )
        .select_related("team", "version")
        .order_by("id")
    )
    calendars: dict[int | None, BusinessCalendar] = {}
    contacts: dict[int, Handoff] = {}
    for handoff in recent:
        sla = handoff.version.agreement.sla
        if handoff.team_id not in calendars:
            calendars[handoff.team_id] = calendar_of(handoff.team)
        clocks_start(
            handoff_id=handoff.pk,
            contact_id=handoff.contact_id,
            started_at=handoff.created_at,
            term=sla.term(handoff.sla_term),
            sla=sla,
            calendar=calendars[handoff.team_id],
        )
        if handoff.status == HandoffStatus.ACCEPTED and handoff.decided_at is not None:
            clocks_on_answer(handoff_id=handoff.pk, accepted=True, when=handoff.decided_at)
        contacts[handoff.contact_id] = handoff
    touches = Activity.objects.filter(
        contact_id__in=list(contacts), kind__in=TOUCHES, occurred_at__lte=ctx.now
    ).order_by("occurred_at", "id")
    for contact_id, kind, at in touches.values_list("contact_id", "kind", "occurred_at"):
        clocks_on_touch(contact_id=contact_id, kind=kind, when=at)
    clocks_mark(now=ctx.now)
    ctx.summary.counts["SLA clocks"] = SlaClock.objects.count()
