"""The funnel: who entered each stage in the period, how many went on, and the cohorts of the
months they became MQL (docs/kpis.md, "Funnel")."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import date

from smarketing.contacts.choices import LifecycleStage as S
from smarketing.kpis.figures import Figure, count, percent
from smarketing.kpis.journeys import Journey
from smarketing.kpis.scope import Period

STAGES = (S.LEAD, S.MQL, S.SAL, S.SQL, S.OPPORTUNITY, S.CUSTOMER)
AFTER_MQL = (S.SAL, S.SQL, S.OPPORTUNITY, S.CUSTOMER)


def funnel_figures(journeys: Iterable[Journey], period: Period) -> dict[str, Figure]:
    """Entries per stage in the period, the stage each contact stood at when it ended, and
    where the period's new MQLs went by now."""
    entered: Counter[str] = Counter()
    standing: Counter[str] = Counter()
    went_on: Counter[str] = Counter()
    mqls = 0
    for journey in journeys:
        for stage in STAGES:
            if journey.entered_in(stage, period):
                entered[stage] += 1
        if journey.at_end:
            standing[journey.at_end] += 1
        if journey.entered_in(S.MQL, period):
            mqls += 1
            mql_at = journey.first[S.MQL]
            for stage in AFTER_MQL:
                if stage in journey.first and journey.first[stage] >= mql_at:
                    went_on[stage] += 1
    return funnel_from(entered, standing, went_on, mqls)


def funnel_from(
    entered: Mapping[str, int], standing: Mapping[str, int], went_on: Mapping[str, int], mqls: int
) -> dict[str, Figure]:
    """The funnel's figures from its counts (the journeys' or the rollups')."""
    figures = {f"entered {stage}": count(entered.get(stage, 0)) for stage in STAGES}
    figures.update(
        {
            f"at {stage} at the end": count(standing.get(stage, 0))
            for stage in (*STAGES, S.NURTURING)
        }
    )
    for stage in AFTER_MQL:
        name = "won" if stage == S.CUSTOMER else stage.value
        figures[f"MQL → {name}"] = percent(went_on.get(stage, 0), mqls, of="new MQL")
    return figures


def cohorts(journeys: Iterable[Journey], period: Period) -> list[tuple[date, int, dict[str, int]]]:
    """For each month of the period (company time zone): the contacts that became MQL in it,
    and how many of them reached each later stage by now."""
    from django.utils import timezone

    zone = timezone.get_default_timezone()
    sizes: Counter[date] = Counter()
    reached: dict[date, Counter[str]] = {}
    for journey in journeys:
        if not journey.entered_in(S.MQL, period):
            continue
        mql_at = journey.first[S.MQL]
        month = timezone.localtime(mql_at, zone).date().replace(day=1)
        sizes[month] += 1
        counter = reached.setdefault(month, Counter())
        for stage in AFTER_MQL:
            if stage in journey.first and journey.first[stage] >= mql_at:
                counter[stage] += 1
    return [(month, sizes[month], dict(reached[month])) for month in sorted(sizes)]


def cohort_figures(size: int, reached: dict[str, int]) -> dict[str, Figure]:
    """A cohort's row: its size, and the share that reached each later stage."""
    figures = {"MQLs": count(size)}
    for stage in AFTER_MQL:
        name = "won" if stage == S.CUSTOMER else stage.value
        figures[f"→ {name}"] = percent(reached.get(stage, 0), size, of="MQL")
    return figures
