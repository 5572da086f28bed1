"""Marketing's commitment: the MQLs delivered against each quota line, and the month's pace."""

from __future__ import annotations

import calendar
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.utils import timezone

from smarketing.agreement.document import Agreement
from smarketing.handoff.models import Handoff
from smarketing.scorecard.months import current_month, handoffs_in_months, month_of


@dataclass(frozen=True)
class QuotaLine:
    """One line of the agreement's ``quotas``: all MQLs (no persona) or one persona's."""

    index: int
    persona: str
    mqls_per_month: int


@dataclass(frozen=True)
class QuotaMonth:
    """The MQLs delivered in a month against one quota line."""

    month: date
    line: QuotaLine
    delivered: int

    @property
    def is_met(self) -> bool:
        """Delivered at least the quota."""
        return self.delivered >= self.line.mqls_per_month


@dataclass(frozen=True)
class Pace:
    """The current month so far against one quota line."""

    line: QuotaLine
    delivered: int
    expected: float
    forecast: float
    days_elapsed: int
    days_in_month: int

    @property
    def is_on_pace(self) -> bool:
        """Delivered at least what the quota expects by today."""
        return self.delivered >= self.expected


def quota_lines(agreement: Agreement) -> list[QuotaLine]:
    """The quota lines of an agreement, in its order."""
    return [
        QuotaLine(index, q.persona, q.mqls_per_month) for index, q in enumerate(agreement.quotas)
    ]


def delivered_per_persona(
    *, months: list[date], until: datetime | None = None
) -> dict[tuple[date, str], int]:
    """MQLs handed over per (month, persona); ``until`` stops the count at that instant."""
    handoffs = handoffs_in_months(Handoff.objects.all(), months)
    if until is not None:
        handoffs = handoffs.filter(created_at__lte=until)
    rows = (
        handoffs.annotate(
            month=TruncMonth("created_at", tzinfo=timezone.get_default_timezone()),
        )
        .values("month", "persona")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts: dict[tuple[date, str], int] = defaultdict(int)
    for row in rows:
        counts[(month_of(row["month"]), row["persona"])] += row["n"]
    return dict(counts)


def delivered_for(counts: dict[tuple[date, str], int], month: date, line: QuotaLine) -> int:
    """The MQLs of ``month`` counting for the quota ``line`` (``counts``: per month, persona)."""
    return sum(
        n
        for (m, persona), n in counts.items()
        if m == month and (not line.persona or persona == line.persona)
    )


def quota_months(*, months: list[date], agreement: Agreement) -> list[QuotaMonth]:
    """Each quota line of ``agreement`` against the MQLs delivered in each of ``months``."""
    counts = delivered_per_persona(months=months)
    return [
        QuotaMonth(month, line, delivered_for(counts, month, line))
        for line in quota_lines(agreement)
        for month in months
    ]


def quota_pace(*, now: datetime, agreement: Agreement) -> list[Pace]:
    """Each quota line in the current month: delivered so far, expected by today, forecast.

    Days are calendar days and today counts as elapsed: on 10 March, 10 of 31 days.
    """
    month = current_month(now)
    days_in_month = calendar.monthrange(month.year, month.month)[1]
    elapsed = timezone.localdate(now, timezone.get_default_timezone()).day
    counts = delivered_per_persona(months=[month], until=now)
    paces = []
    for line in quota_lines(agreement):
        delivered = delivered_for(counts, month, line)
        paces.append(
            Pace(
                line=line,
                delivered=delivered,
                expected=line.mqls_per_month * elapsed / days_in_month,
                forecast=delivered / elapsed * days_in_month,
                days_elapsed=elapsed,
                days_in_month=days_in_month,
            )
        )
    return paces
