"""Why sales rejected MQLs: each reason's count and share in a month."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Count

from smarketing.handoff.choices import HandoffStatus
from smarketing.handoff.models import Handoff
from smarketing.scorecard.months import handoffs_in_months


@dataclass(frozen=True)
class ReasonShare:
    """How many of a month's rejections gave one reason, and their share."""

    code: str
    label: str
    count: int
    percent: float


def reject_reasons(
    *, month: date, labels: dict[str, str], team_id: int | None = None
) -> list[ReasonShare]:
    """The reasons of the month's rejected hand-offs, the most frequent first."""
    handoffs = handoffs_in_months(Handoff.objects.filter(status=HandoffStatus.REJECTED), [month])
    if team_id is not None:
        handoffs = handoffs.filter(team_id=team_id)
    rows = list(
        handoffs.values("reason_code").annotate(n=Count("id")).order_by("-n", "reason_code")
    )
    total = sum(row["n"] for row in rows)
    return [
        ReasonShare(
            row["reason_code"],
            labels.get(row["reason_code"], row["reason_code"]),
            row["n"],
            100 * row["n"] / total,
        )
        for row in rows
    ]


def rejections_since(*, since: datetime, limit: int = 20) -> list[Handoff]:
    """The hand-offs rejected since ``since``, the newest first, with their lead and who
    rejected them (what marketing reads each morning)."""
    return list(
        Handoff.objects.filter(status=HandoffStatus.REJECTED, decided_at__gte=since)
        .select_related("contact__account", "decided_by", "version")
        .order_by("-decided_at", "-id")[:limit]
    )
