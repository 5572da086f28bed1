"""The company's figures read from the rollups (ADR 0018): a few small queries whatever the
number of contacts, with the same formulas as the figures read from the base tables
(``funnel_from``, ``velocity_from``, ``deal_figures_from``, ``target_figures_from``).

Counts and sums come from the daily rollups; medians and p75 from the lengths stored with the
stays, first entries and deals (a quantile is not a sum): counted, then read at their ranks
along an index ``(stage, end, length)``.
"""

from __future__ import annotations

import math
from collections import Counter
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Sum

from smarketing.contacts.choices import DealStatus, DealType
from smarketing.contacts.choices import LifecycleStage as S
from smarketing.kpis.deals import PROBABILITY, deal_figures_from
from smarketing.kpis.figures import Figure, money
from smarketing.kpis.funnel import cohort_figures, funnel_from
from smarketing.kpis.models import KpiDaily
from smarketing.kpis.scope import Scope
from smarketing.kpis.targets import target_figures_from
from smarketing.kpis.velocity import DAY, TIMED, Quantiles, velocity_from_quantiles

Cohorts = list[tuple[date, dict[str, Figure]]]


def _sums(measure: str, *, first: date | None, last: date) -> list[tuple[str, str, int, int]]:
    """(key, currency, count, cents) of ``measure`` over the days from ``first`` to ``last``."""
    rows = KpiDaily.objects.filter(measure=measure, day__lte=last)
    if first is not None:
        rows = rows.filter(day__gte=first)
    summed = rows.values("key", "currency").annotate(n=Sum("count"), c=Sum("cents"))
    return [(r["key"], r["currency"], int(r["n"] or 0), int(r["c"] or 0)) for r in summed]


def _money(cells: list[tuple[str, Decimal, int]], scope: Scope) -> Figure:
    """A sum over currencies from (currency, amount, count) cells: a currency counts when one
    of its records does (even if its amounts add up to 0), as a sum over the records would."""
    amounts = [(amount, code) for code, amount, n in cells if n]
    return money(amounts, currency=scope.currency, rates=scope.rates)


def _funnel(scope: Scope) -> tuple[dict[str, Figure], Cohorts]:
    period = scope.period
    entered: Counter[str] = Counter()
    went_on: Counter[str] = Counter()
    sizes: Counter[date] = Counter()
    reached: dict[date, Counter[str]] = {}
    trunc = "to_char(day, 'YYYY-MM')" if connection.vendor == "postgresql" else "substr(day, 1, 7)"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {trunc}, measure, key, SUM(count) FROM kpis_kpidaily "  # noqa: S608
            "WHERE measure IN ('entered', 'after_mql') AND day >= %s AND day <= %s "
            "GROUP BY 1, 2, 3",  # month: a constant of the vendor
            [
                connection.ops.adapt_datefield_value(period.first),
                connection.ops.adapt_datefield_value(period.last),
            ],
        )
        rows = [(date.fromisoformat(f"{m}-01"), ms, k, int(n)) for m, ms, k, n in cursor.fetchall()]
    for month, measure, key, n in rows:
        if measure == "entered":
            entered[key] += n
            if key == S.MQL:
                sizes[month] += n
        else:
            went_on[key] += n
            reached.setdefault(month, Counter())[key] += n
    standing = Counter(
        {key: n for key, _code, n, _c in _sums("flow", first=None, last=period.last)}
    )
    figures = funnel_from(entered, standing, went_on, entered[S.MQL])
    cohorts = [
        (month, cohort_figures(sizes[month], dict(reached.get(month, {}))))
        for month in sorted(m for m in sizes if sizes[m])
    ]
    return figures, cohorts


def _quantiles(table: str, where: str, params: list[Any], total: int) -> Quantiles:
    """The median and p75 of ``micros`` (in days) over the ``total`` rows of ``table`` that
    ``where`` keeps, as ``figures.quantile`` interpolates them: the values at the ranks around
    each quantile, read along an index ``(…, micros, end)`` — neither sorted nor fetched."""
    found: list[float | None] = []
    with connection.cursor() as cursor:
        for q in (0.5, 0.75):
            if not total:
                found.append(None)
                continue
            rank = (total - 1) * q
            low, high = math.floor(rank), math.ceil(rank)
            cursor.execute(
                f"SELECT micros FROM {table} WHERE {where} AND micros IS NOT NULL "  # noqa: S608
                "ORDER BY micros LIMIT %s OFFSET %s",  # table and where: constants
                [*params, high - low + 1, low],
            )
            values = [length / 10**6 / DAY for (length,) in cursor.fetchall()]
            found.append(values[0] + (values[-1] - values[0]) * (rank - low))
    return found[0], found[1]


def _bounds(scope: Scope) -> list[Any]:
    period = scope.period
    return [
        connection.ops.adapt_datetimefield_value(period.start),
        connection.ops.adapt_datetimefield_value(period.end),
    ]


def _velocity(scope: Scope) -> dict[str, Figure]:
    period = scope.period
    ends = _sums("ended", first=period.first, last=period.last)
    ended = {key: n for key, _c, n, _a in ends}
    won = sum(n for _k, _c, n, _a in _sums("to_won", first=period.first, last=period.last))
    stays = {
        str(stage): _quantiles(
            "kpis_kpistay",
            "stage = %s AND ended_at >= %s AND ended_at < %s",
            [stage, *_bounds(scope)],
            ended.get(stage, 0),
        )
        for stage in TIMED
    }
    to_won = _quantiles(
        "kpis_kpimilestone",
        "stage = %s AND at >= %s AND at < %s",
        [S.CUSTOMER, *_bounds(scope)],
        won,
    )
    return velocity_from_quantiles(stays, to_won)


def _deals(scope: Scope) -> tuple[dict[str, Figure], int]:
    period = scope.period
    won = _sums("won", first=period.first, last=period.last)
    lost = _sums("lost", first=period.first, last=period.last)
    opened = _sums("open", first=None, last=period.last)
    won_by_code: dict[str, list[int]] = {}
    for _kind, code, n, cents in won:
        cell = won_by_code.setdefault(code, [0, 0])
        cell[0] += n
        cell[1] += cents
    revenue = _money([(c, Decimal(v[1]) / 100, v[0]) for c, v in won_by_code.items()], scope)
    open_count: dict[str, int] = {}
    open_amount: dict[str, Decimal] = {}
    weighted: dict[str, Decimal] = {}
    for stage, code, n, cents in opened:
        amount = Decimal(cents) / 100
        open_count[code] = open_count.get(code, 0) + n
        open_amount[code] = open_amount.get(code, Decimal(0)) + amount
        chance = PROBABILITY.get(stage, Decimal(0))
        weighted[code] = weighted.get(code, Decimal(0)) + amount * chance
    pipeline = _money([(c, open_amount[c], n) for c, n in open_count.items()], scope)
    forecast = _money([(c, weighted[c], n) for c, n in open_count.items()], scope)
    cycles = _quantiles(
        "kpis_kpideal",
        "status = %s AND closed_at >= %s AND closed_at < %s",
        [DealStatus.WON, *_bounds(scope)],
        sum(n for _k, _c, n, _a in won),
    )
    figures = deal_figures_from(
        won=sum(n for _k, _c, n, _a in won),
        lost=sum(n for _k, _c, n, _a in lost),
        revenue=revenue,
        cycles=cycles,
        open_count=sum(open_count.values()),
        pipeline=pipeline,
        forecast=forecast,
    )
    won_new = sum(n for kind, _c, n, _a in won if kind == DealType.NEW)
    return figures, won_new


def rollup_figures(scope: Scope) -> tuple[dict[str, Figure], Cohorts]:
    """The company's figures of ``scope`` (no grouping, no filter) and its MQL cohorts."""
    figures, cohorts = _funnel(scope)
    figures.update(_velocity(scope))
    deals, won_new = _deals(scope)
    figures.update(deals)
    figures.update(target_figures_from(won_new, figures["won revenue"], scope))
    return figures, cohorts
