"""The manager's SLA board: open clocks by salesperson, and those that need attention now.

The clocks hold their hand-off's id only (``sla`` sits below ``handoff``): the board selects the
open clocks of the teams' hand-offs by that id, counts them by their holder — who held the lead
while each ran, so a breach handed on at a reassignment stays with whoever held the lead at its
deadline (docs/adr/0017-fair-clocks.md) — and reads the hand-offs of the clocks it lists in one
query.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Count, F, Q, QuerySet

from smarketing.handoff.models import Handoff, Team
from smarketing.handoff.selectors import ClockLine, clock_lines
from smarketing.notifications.models import Delivery, DeliveryStatus
from smarketing.sla.choices import ClockState
from smarketing.sla.selectors import clocks_held, clocks_needing_attention
from smarketing.users.models import User

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
    attention: list[ClockLine]
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


def _handoff_ids(teams: list[Team]) -> QuerySet[Handoff, Any]:
    return Handoff.objects.filter(team__in=teams).values("pk")


def _lines(teams: list[Team]) -> list[RepLine]:
    """Open clocks (and the breaches handed on with them) counted by their holder and state, by
    name (the team's queue, without a salesperson, last)."""
    rows = list(
        clocks_held(handoff_ids=_handoff_ids(teams))
        .values(assignee=F("holder_id"))
        .annotate(
            running=Count("id", filter=Q(state=ClockState.RUNNING)),
            at_risk=Count("id", filter=Q(state=ClockState.AT_RISK)),
            breached=Count("id", filter=Q(state=ClockState.BREACHED)),
        )
        .order_by()
    )
    people = User.objects.in_bulk([row["assignee"] for row in rows if row["assignee"]])
    named = []
    for row in rows:
        person = people.get(row["assignee"]) if row["assignee"] else None
        first, last = (person.first_name, person.last_name) if person else ("", "")
        line = RepLine(
            user_id=row["assignee"],
            name=f"{first} {last}".strip(),
            running=row["running"],
            at_risk=row["at_risk"],
            breached=row["breached"],
        )
        named.append(((person is None, first, last), line))
    return [line for _, line in sorted(named, key=lambda pair: pair[0])]


def sla_board(*, teams: list[Team], now: datetime) -> Board:
    """Open clocks of ``teams`` counted by salesperson and state; at-risk and breached listed."""
    attention = clocks_needing_attention(handoff_ids=_handoff_ids(teams), limit=ATTENTION_LIMIT)
    failed = list(
        Delivery.objects.filter(status=DeliveryStatus.FAILED, notification__user__in=_people(teams))
        .select_related("notification__user")
        .order_by("-id")[:50]
    )
    return Board(teams=teams, lines=_lines(teams), attention=clock_lines(attention), failed=failed)


def _people(teams: list[Team]) -> set[int]:
    ids = {team.manager_id for team in teams}
    for team in teams:
        ids.update(member.pk for member in team.members.all())
    return ids


def teams_managed(user_id: int, *, everything: bool) -> list[Team]:
    """The teams a manager runs (every team for an administrator)."""
    teams = Team.objects.prefetch_related("members").order_by("name")
    return list(teams if everything else teams.filter(manager_id=user_id))
