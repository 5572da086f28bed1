"""Calendar months in the site's time zone: what the scorecard and its advice count by."""

from __future__ import annotations

from datetime import date, datetime, time

from django.db.models import QuerySet
from django.utils import timezone

from smarketing.handoff.models import Handoff


def month_start(day: date) -> date:
    """The first day of ``day``'s month."""
    return day.replace(day=1)


def month_add(month: date, count: int) -> date:
    """The first day of the month ``count`` months after (or before) ``month``'s."""
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """The first instant of the month and of the next one, in the site's time zone."""
    zone = timezone.get_default_timezone()
    start = datetime.combine(month_start(month), time(), tzinfo=zone)
    return start, datetime.combine(month_add(month, 1), time(), tzinfo=zone)


def current_month(now: datetime) -> date:
    """The month of ``now`` in the site's time zone."""
    return month_start(timezone.localdate(now, timezone.get_default_timezone()))


def last_months(now: datetime, count: int = 12) -> list[date]:
    """The ``count`` months ending with the current one, oldest first."""
    this = current_month(now)
    return [month_add(this, offset) for offset in range(1 - count, 1)]


def month_of(value: datetime) -> date:
    """The first day of the (site-local) month of ``value``."""
    return timezone.localtime(value, timezone.get_default_timezone()).date().replace(day=1)


def handoffs_in_months(handoffs: QuerySet[Handoff], months: list[date]) -> QuerySet[Handoff]:
    """The hand-offs created from the first of ``months`` to the end of the last."""
    start, _ = month_bounds(months[0])
    _, end = month_bounds(months[-1])
    return handoffs.filter(created_at__gte=start, created_at__lt=end)
