"""What became of recycled leads: back to MQL, then SAL, SQL and won, and how long it took.

A recycle's outcome is read from the stage history between it and the contact's next recycle:
it **came back** when the contact became an MQL again, and then counts as accepted (SAL),
qualified (SQL) and won (customer) when it reached those stages after coming back. The days to
come back are the median over those that came back. Grouped by reject reason, persona, cause or
the stage the lead left.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from smarketing.contacts.choices import LifecycleStage as S
from smarketing.contacts.models import StageTransition
from smarketing.nurturing.models import Recycle

GROUPS = ("reason_code", "persona", "cause", "from_stage")
LATER = (S.MQL, S.SAL, S.SQL, S.CUSTOMER)
FAR = datetime.max.replace(tzinfo=timezone.get_default_timezone())


@dataclass
class Outcome:
    """The recycles of one group in the period and what became of them."""

    key: str | None  # None: the total of every group
    recycled: int = 0
    came_back: int = 0
    accepted: int = 0
    qualified: int = 0
    won: int = 0
    days_back: list[float] = field(default_factory=list, repr=False)

    @property
    def median_days_back(self) -> float | None:
        return statistics.median(self.days_back) if self.days_back else None

    @property
    def came_back_rate(self) -> float | None:
        return 100 * self.came_back / self.recycled if self.recycled else None

    @property
    def won_rate(self) -> float | None:
        return 100 * self.won / self.recycled if self.recycled else None


def _bounds(first: date, last: date) -> tuple[datetime, datetime]:
    zone = timezone.get_default_timezone()
    start = datetime.combine(first, time.min, tzinfo=zone)
    return start, datetime.combine(last + timedelta(days=1), time.min, tzinfo=zone)


def _steps(contact_ids: set[int], since: datetime) -> dict[int, list[tuple[datetime, str]]]:
    rows = StageTransition.objects.filter(
        contact_id__in=contact_ids, to_stage__in=LATER, at__gt=since
    ).order_by("at", "id")
    steps: dict[int, list[tuple[datetime, str]]] = defaultdict(list)
    for contact_id, at, stage in rows.values_list("contact_id", "at", "to_stage"):
        steps[contact_id].append((at, stage))
    return steps


def _follow(outcome: Outcome, recycle: Recycle, until: datetime, steps: list) -> None:
    back_at: datetime | None = None
    reached: set[str] = set()
    for at, stage in steps:
        if at <= recycle.at or at >= until:
            continue
        if back_at is None:
            if stage == S.MQL:
                back_at = at
            continue
        reached.add(stage)
    if back_at is None:
        return
    outcome.came_back += 1
    outcome.days_back.append((back_at - recycle.at).total_seconds() / 86400)
    outcome.accepted += S.SAL in reached
    outcome.qualified += S.SQL in reached
    outcome.won += S.CUSTOMER in reached


def recycling_outcomes(*, first: date, last: date, by: str = "reason_code") -> list[Outcome]:
    """The period's recycles per ``by`` (one of :data:`GROUPS`), the largest group first, then
    the total (key None) last."""
    if by not in GROUPS:
        raise ValueError(f"recycles are grouped by one of {', '.join(GROUPS)}, not {by!r}")
    start, end = _bounds(first, last)
    recycles = list(Recycle.objects.filter(at__gte=start, at__lt=end).order_by("at", "id"))
    if not recycles:
        return []
    contact_ids = {r.contact_id for r in recycles}
    later = Recycle.objects.filter(contact_id__in=contact_ids, at__gte=start).order_by("at", "id")
    nexts: dict[int, datetime] = {}
    following: dict[int, list[datetime]] = defaultdict(list)
    for contact_id, at in later.values_list("contact_id", "at"):
        following[contact_id].append(at)
    steps = _steps(contact_ids, start)
    groups: dict[str, Outcome] = {}
    total = Outcome(key=None)
    for recycle in recycles:
        nexts[recycle.pk] = next(
            (at for at in following[recycle.contact_id] if at > recycle.at), FAR
        )
        key = str(getattr(recycle, by))
        for outcome in (groups.setdefault(key, Outcome(key=key)), total):
            outcome.recycled += 1
            _follow(outcome, recycle, nexts[recycle.pk], steps.get(recycle.contact_id, []))
    ordered = sorted(groups.values(), key=lambda o: (-o.recycled, o.key or ""))
    return [*ordered, total]
