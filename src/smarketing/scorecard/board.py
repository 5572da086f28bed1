"""The manager's SLA board: open clocks by salesperson, and those that need attention now."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, Q, QuerySet

from smarketing.handoff.models import Team
from smarketing.notifications.models import Delivery, DeliveryStatus
from smarketing.sla.choices import ClockState
from smarketing.sla.models import SlaClock

ATTENTION_LIMIT = 200


@dataclass
class RepLine:
    """One salesperson's open clocks by state."""

    user_id: int | None
    name: str
    running: int = 0
    at_risk: int = 0
    breached: int = 0


@dataclass
class Board:
    """What the board shows."""

    teams: list[Team]
    lines: list[RepLine]
    attention: list[SlaClock]
    failed: list[Delivery] = field(default_factory=list)

    @property
    def totals(self) -> RepLine:
        return RepLine(
            user_id=None,
            name="",
            running=sum(line.running for line in self.lines),
            at_risk=sum(line.at_risk for line in self.lines),
            breached=sum(line.breached for line in self.lines),
        )


def _open_clocks(teams: list[Team]) -> QuerySet[SlaClock]:
    return SlaClock.objects.filter(stopped_at=None, handoff__team__in=teams)


def sla_board(*, teams: list[Team], now: datetime) -> Board:
    """Open clocks of ``teams`` counted by salesperson and state; at-risk and breached listed."""
    counts = (
        _open_clocks(teams)
        .values(
            "handoff__assignee", "handoff__assignee__first_name", "handoff__assignee__last_name"
        )
        .annotate(
            running=Count("id", filter=Q(state=ClockState.RUNNING)),
            at_risk=Count("id", filter=Q(state=ClockState.AT_RISK)),
            breached=Count("id", filter=Q(state=ClockState.BREACHED)),
        )
        .order_by("handoff__assignee__first_name", "handoff__assignee__last_name")
    )
    lines = [
        RepLine(
            user_id=row["handoff__assignee"],
            name=(
                f"{row['handoff__assignee__first_name']} {row['handoff__assignee__last_name']}"
            ).strip(),
            running=row["running"],
            at_risk=row["at_risk"],
            breached=row["breached"],
        )
        for row in counts
    ]
    attention = list(
        _open_clocks(teams)
        .filter(state__in=[ClockState.AT_RISK, ClockState.BREACHED])
        .select_related("handoff__contact__account", "handoff__assignee", "handoff__team")
        .order_by("due_at", "id")[:ATTENTION_LIMIT]
    )
    failed = list(
        Delivery.objects.filter(status=DeliveryStatus.FAILED, notification__user__in=_people(teams))
        .select_related("notification__user")
        .order_by("-id")[:50]
    )
    return Board(teams=teams, lines=lines, attention=attention, failed=failed)


def _people(teams: list[Team]) -> set[int]:
    ids = {team.manager_id for team in teams}
    for team in teams:
        ids.update(member.pk for member in team.members.all())
    return ids


def teams_managed(user_id: int, *, everything: bool) -> list[Team]:
    """The teams a manager runs (every team for an administrator)."""
    teams = Team.objects.prefetch_related("members").order_by("name")
    return list(teams if everything else teams.filter(manager_id=user_id))
