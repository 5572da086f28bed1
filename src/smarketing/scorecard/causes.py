"""What may explain a missed month: the reject reasons, salespeople at capacity, absences."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, Q

from smarketing.agreement.document import Agreement
from smarketing.handoff.models import Absence, Handoff
from smarketing.scorecard.months import month_add, month_bounds
from smarketing.scorecard.rejections import ReasonShare, reject_reasons
from smarketing.users.models import User


@dataclass(frozen=True)
class RepLoad:
    """A salesperson holding at least their capacity of open MQLs at the month's end."""

    user_id: int
    name: str
    open_mqls: int
    capacity: int


@dataclass(frozen=True)
class AbsentRep:
    """An absence overlapping the month, and how many of its days fall in it."""

    user_id: int
    name: str
    starts_on: date
    ends_on: date
    days_in_month: int
    reason: str


@dataclass(frozen=True)
class Causes:
    """What may explain a missed month: rejections, saturated reps, absences."""

    month: date
    reject_reasons: tuple[ReasonShare, ...]
    reps_at_capacity: tuple[RepLoad, ...]
    absences: tuple[AbsentRep, ...]


def _name(user: User) -> str:
    return user.get_full_name() or user.username


def recalibration_causes(*, month: date, agreement: Agreement) -> Causes:
    """The month's reject reasons, the reps at capacity at its end and its absences."""
    labels = agreement.reason_labels()
    _, end = month_bounds(month)
    capacity = agreement.routing.max_open_mqls if agreement.routing else None
    loads: list[RepLoad] = []
    if capacity is not None:
        rows = (
            Handoff.objects.filter(assignee__isnull=False, created_at__lt=end)
            .filter(Q(decided_at__isnull=True) | Q(decided_at__gte=end))
            .values("assignee")
            .annotate(n=Count("id"))
            .filter(n__gte=capacity)
            .order_by("-n", "assignee")
        )
        users = User.objects.in_bulk([row["assignee"] for row in rows])
        loads = [
            RepLoad(row["assignee"], _name(users[row["assignee"]]), row["n"], capacity)
            for row in rows
        ]
    first, last = month, month_add(month, 1) - timedelta(days=1)
    absences = [
        AbsentRep(
            a.user_id,
            _name(a.user),
            a.starts_on,
            a.ends_on,
            (min(a.ends_on, last) - max(a.starts_on, first)).days + 1,
            a.reason,
        )
        for a in Absence.objects.filter(starts_on__lte=last, ends_on__gte=first).select_related(
            "user"
        )
    ]
    absences.sort(key=lambda a: (-a.days_in_month, a.name, a.starts_on))
    return Causes(
        month,
        tuple(reject_reasons(month=month, labels=labels)),
        tuple(loads),
        tuple(absences),
    )
