"""Capacity in sight: whether each sales team can absorb the MQLs marketing sends now.

For each team: who is present, the open MQLs each holds against their limit, the leads waiting
in the team's queue, and the capacity the current MQL rate needs. The need follows Little's law:
the open MQLs a team holds on average = MQLs handed to it per day × days an MQL stays open
before its answer, both measured over the last :data:`WINDOW_DAYS` days. The warnings say when
a team is full, its queue holds leads, or its present reps' limits are below that need.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, Min
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from smarketing.agreement.selectors import active_version
from smarketing.handoff.choices import HandoffStatus
from smarketing.handoff.models import Absence, Handoff, Team
from smarketing.handoff.reps import reps_now

WINDOW_DAYS = 28


@dataclass(frozen=True)
class RepLoad:
    """One team member now: open MQLs against their limit (None: no limit), absent or not."""

    user_id: int
    name: str
    open_mqls: int
    capacity: int | None
    absent: bool

    @property
    def is_full(self) -> bool:
        return self.capacity is not None and self.open_mqls >= self.capacity


@dataclass(frozen=True)
class TeamLoad:
    """A team's load now and the rate it must absorb."""

    team: Team
    reps: list[RepLoad]
    queue: int
    queue_since: datetime | None
    per_day: float  # MQLs handed to the team per calendar day over the window
    open_days: float | None  # average days from hand-off to answer over the window
    warnings: list[str] = field(default_factory=list)

    @property
    def present(self) -> list[RepLoad]:
        return [rep for rep in self.reps if not rep.absent]

    @property
    def absent(self) -> list[RepLoad]:
        return [rep for rep in self.reps if rep.absent]

    @property
    def open_mqls(self) -> int:
        return sum(rep.open_mqls for rep in self.reps)

    @property
    def capacity(self) -> int | None:
        """The present reps' limits added up (None when one of them has no limit)."""
        limits = [rep.capacity for rep in self.present]
        known = [limit for limit in limits if limit is not None]
        return sum(known) if len(known) == len(limits) else None

    @property
    def needed(self) -> int | None:
        """Open MQLs the team holds on average at the current rate (None: nothing answered)."""
        if self.open_days is None:
            return None
        return math.ceil(self.per_day * self.open_days)

    @property
    def is_full(self) -> bool:
        present = self.present
        return bool(present) and all(rep.is_full for rep in present)


def _rates(since: datetime) -> tuple[dict[int, int], dict[int, float]]:
    """Per team: hand-offs created since ``since``, and the average days to their answer."""
    handed = dict(
        Handoff.objects.filter(created_at__gte=since)
        .values("team")
        .annotate(n=Count("id"))
        .values_list("team", "n")
    )
    spans: dict[int, list[float]] = {}
    answered = Handoff.objects.filter(decided_at__gte=since, team__isnull=False)
    for team_id, created, decided in answered.values_list("team", "created_at", "decided_at"):
        if decided is not None:
            spans.setdefault(team_id, []).append((decided - created).total_seconds() / 86400)
    return handed, {team: sum(days) / len(days) for team, days in spans.items()}


def _warnings(load: TeamLoad) -> list[str]:
    found = []
    values = {"team": load.team.name}
    if load.reps and not load.present:
        found.append(_("Nobody in team %(team)s is present today.") % values)
    elif load.is_full:
        found.append(
            _(
                "Team %(team)s is full: each of its %(n)d present reps holds their maximum of "
                "open MQLs; new leads wait in the queue until they answer."
            )
            % {**values, "n": len(load.present)}
        )
    if load.queue:
        found.append(
            ngettext(
                "%(n)d MQL waits in team %(team)s's queue.",
                "%(n)d MQLs wait in team %(team)s's queue.",
                load.queue,
            )
            % {**values, "n": load.queue}
        )
    needed, capacity = load.needed, load.capacity
    if needed is not None and capacity is not None and needed > capacity:
        found.append(
            _(
                "At the current rate (%(rate)s MQLs a day, answered after %(days)s days on "
                "average), team %(team)s needs room for about %(needed)d open MQLs; its present "
                "reps' limits add up to %(capacity)d."
            )
            % {
                **values,
                "rate": f"{load.per_day:.1f}",
                "days": f"{load.open_days:.1f}",
                "needed": needed,
                "capacity": capacity,
            }
        )
    return found


def team_loads(*, now: datetime | None = None, team_ids: list[int] | None = None) -> list[TeamLoad]:
    """Every team's load (or these teams'), by name, with its warnings."""
    now = now or timezone.now()
    version = active_version()
    routing = version.agreement.routing if version else None
    max_open = routing.max_open_mqls if routing else None
    reps = reps_now(now)
    teams = Team.objects.prefetch_related("members").order_by("name")
    if team_ids is not None:
        teams = teams.filter(pk__in=team_ids)
    queued = {
        row["team"]: row
        for row in Handoff.objects.filter(status=HandoffStatus.OPEN, assignee__isnull=True)
        .values("team")
        .annotate(n=Count("id"), since=Min("created_at"))
    }
    handed, open_days = _rates(now - timedelta(days=WINDOW_DAYS))
    loads = []
    for team in teams:
        members = [
            RepLoad(
                user_id=rep.user_id,
                name=rep.name,
                open_mqls=rep.open_mqls,
                capacity=rep.capacity if rep.capacity is not None else max_open,
                absent=rep.absent,
            )
            for member in team.members.all()
            if (rep := reps.get(member.pk)) is not None
        ]
        queue = queued.get(team.pk, {})
        load = TeamLoad(
            team=team,
            reps=sorted(members, key=lambda rep: rep.name),
            queue=queue.get("n", 0),
            queue_since=queue.get("since"),
            per_day=handed.get(team.pk, 0) / WINDOW_DAYS,
            open_days=open_days.get(team.pk),
        )
        loads.append(TeamLoad(**{**load.__dict__, "warnings": _warnings(load)}))
    return loads


def absences_ahead(
    *, team_ids: list[int], now: datetime | None = None, days: int = 14
) -> list[Absence]:
    """Absences of these teams' members today and in the next ``days`` days, soonest first."""
    today = timezone.localdate(now or timezone.now())
    return list(
        Absence.objects.filter(
            user__sales_teams__in=team_ids,
            ends_on__gte=today,
            starts_on__lte=today + timedelta(days=days),
        )
        .select_related("user")
        .distinct()
        .order_by("starts_on", "user__first_name")
    )
