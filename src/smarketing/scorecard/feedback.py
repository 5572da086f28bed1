"""Sales' feedback, for marketing: rejections by reason, persona, campaign and salesperson,
month by month, with the comments, and the rejected leads behind each count.

A rejection's month is the month its hand-off was answered (in the company's time zone); its
campaign is the campaign of the lead's last touchpoint with a campaign before the hand-off (what
brought the MQL), "" when none; its salesperson is who rejected it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import TruncMonth
from django.utils import timezone

from smarketing.handoff.choices import HandoffStatus
from smarketing.handoff.models import Handoff
from smarketing.marketing.models import Touchpoint
from smarketing.scorecard.months import month_add, month_bounds

DIMENSIONS = {
    "reason": "reason_code",
    "persona": "persona",
    "campaign": "campaign_name",
    "rep": "decided_by_id",
}
PAGE = 50


def _campaign() -> Subquery:
    touches = Touchpoint.objects.filter(
        contact_id=OuterRef("contact_id"),
        occurred_at__lte=OuterRef("created_at"),
        campaign__isnull=False,
    ).order_by("-occurred_at", "-id")
    return Subquery(touches.values("campaign__name")[:1])


def _rejections() -> QuerySet[Handoff]:
    return Handoff.objects.filter(status=HandoffStatus.REJECTED).annotate(campaign_name=_campaign())


def _between(rows: QuerySet[Handoff], first: date, last: date) -> QuerySet[Handoff]:
    start, _ = month_bounds(first)
    _, end = month_bounds(last)
    return rows.filter(decided_at__gte=start, decided_at__lt=end)


@dataclass(frozen=True)
class FeedbackTable:
    """Rejections per group (rows) and month (columns), the largest group first."""

    dimension: str
    months: list[date]
    rows: list[tuple[str, list[int], int]]  # group value, count per month, total
    totals: list[int]


def rejections_table(*, dimension: str, first: date, last: date) -> FeedbackTable:
    """The rejections answered from ``first``'s month to ``last``'s, per ``dimension`` (a key
    of :data:`DIMENSIONS`) and month."""
    column = DIMENSIONS[dimension]
    months = [first]
    while months[-1] < last:
        months.append(month_add(months[-1], 1))
    counted = (
        _between(_rejections(), first, last)
        .annotate(month=TruncMonth("decided_at", tzinfo=timezone.get_default_timezone()))
        .values(column, "month")
        .annotate(n=Count("id"))
        .order_by()
    )
    cells: dict[str, dict[date, int]] = {}
    for row in counted:
        key = "" if row[column] is None else str(row[column])
        month = row["month"].date() if isinstance(row["month"], datetime) else row["month"]
        cells.setdefault(key, {})[month] = row["n"]
    rows = [
        (key, [per.get(month, 0) for month in months], sum(per.values()))
        for key, per in cells.items()
    ]
    rows.sort(key=lambda row: (-row[2], row[0]))
    totals = [sum(row[1][i] for row in rows) for i in range(len(months))]
    return FeedbackTable(dimension=dimension, months=months, rows=rows, totals=totals)


@dataclass(frozen=True)
class RejectionPage:
    """Rejected hand-offs, newest answer first, and the id to continue after (None: last)."""

    handoffs: list[Handoff]
    next_after: int | None


def rejections_list(
    *,
    where: dict[str, str],
    first: date,
    last: date,
    after: int | None = None,
    limit: int = PAGE,
) -> RejectionPage:
    """The rejected leads behind a count: filtered by dimension values (keys of
    :data:`DIMENSIONS`; ``""`` for none), newest first, keyset by id."""
    rows = _between(_rejections(), first, last)
    for dimension, value in where.items():
        column = DIMENSIONS[dimension]
        if value == "":
            rows = rows.filter(Q(**{f"{column}__isnull": True}) | Q(**{column: ""}))
        else:
            rows = rows.filter(**{column: value})
    if after is not None:
        rows = rows.filter(id__lt=after)
    page = list(
        rows.select_related("contact__account", "decided_by", "version").order_by("-id")[
            : limit + 1
        ]
    )
    more = len(page) > limit
    page = page[:limit]
    return RejectionPage(handoffs=page, next_after=page[-1].pk if more and page else None)


def comments_latest(*, first: date, last: date, limit: int = 20) -> list[Handoff]:
    """The latest rejections that came with a comment."""
    rows = _between(_rejections(), first, last).exclude(comment="")
    return list(
        rows.select_related("contact__account", "decided_by", "version").order_by(
            "-decided_at", "-id"
        )[:limit]
    )
