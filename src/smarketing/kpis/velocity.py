"""Velocity: how long contacts stay in each stage, and from MQL to won (docs/kpis.md)."""

from __future__ import annotations

from collections.abc import Iterable

from smarketing.contacts.choices import LifecycleStage as S
from smarketing.kpis.figures import Figure, days_of, quantile
from smarketing.kpis.journeys import Journey
from smarketing.kpis.scope import Period

DAY = 86400.0
TIMED = (S.MQL, S.SAL, S.SQL, S.OPPORTUNITY)


def velocity_figures(journeys: Iterable[Journey], period: Period) -> dict[str, Figure]:
    """Median and p75 days in each stage (stays that ended in the period) and from the first
    MQL to won (contacts that became customers in the period)."""
    stays: dict[str, list[float]] = {stage: [] for stage in TIMED}
    to_won: list[float] = []
    for journey in journeys:
        for stage, since, until in journey.stays:
            if stage in stays and period.holds(until):
                stays[stage].append((until - since).total_seconds() / DAY)
        if journey.entered_in(S.CUSTOMER, period) and S.MQL in journey.first:
            won_at, mql_at = journey.first[S.CUSTOMER], journey.first[S.MQL]
            if won_at >= mql_at:
                to_won.append((won_at - mql_at).total_seconds() / DAY)
    return velocity_from(stays, to_won)


def velocity_from(stays: dict[str, list[float]], to_won: list[float]) -> dict[str, Figure]:
    """The velocity figures from the durations in days (the journeys')."""
    found = {str(s): (quantile(stays[s], 0.5), quantile(stays[s], 0.75)) for s in TIMED}
    return velocity_from_quantiles(found, (quantile(to_won, 0.5), quantile(to_won, 0.75)))


Quantiles = tuple[float | None, float | None]  # median, p75 (None: no duration)


def velocity_from_quantiles(stays: dict[str, Quantiles], to_won: Quantiles) -> dict[str, Figure]:
    """The velocity figures from the median and p75 of each duration (in days)."""
    figures: dict[str, Figure] = {}
    for stage in TIMED:
        median, p75 = stays[stage]
        figures[f"days in {stage} (median)"] = days_of(median, of=f"stay in {stage}")
        figures[f"days in {stage} (p75)"] = days_of(p75, of=f"stay in {stage}")
    figures["days MQL → won (median)"] = days_of(to_won[0], of="MQL won")
    figures["days MQL → won (p75)"] = days_of(to_won[1], of="MQL won")
    return figures
