"""Deals: win rate, revenue, deal size, cycle, pipeline, forecast and sales velocity
(docs/kpis.md, "Deals")."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q

from smarketing.contacts.choices import DealStatus, PipelineStage
from smarketing.contacts.models import Deal
from smarketing.kpis.figures import (
    CENT,
    Figure,
    count,
    days_of,
    money,
    money_ratio,
    percent,
    quantile,
)
from smarketing.kpis.scope import Period, Scope

DAY = 86400.0
# the chance an open deal closes won, by its stage (docs/kpis.md): the weighted forecast
PROBABILITY: dict[str, Decimal] = {
    PipelineStage.DISCOVERY: Decimal("0.10"),
    PipelineStage.DEMO: Decimal("0.25"),
    PipelineStage.PROPOSAL: Decimal("0.50"),
    PipelineStage.NEGOTIATION: Decimal("0.75"),
    # open at the end of a past period, closed since: its outcome is known
    PipelineStage.CLOSED_WON: Decimal("1"),
    PipelineStage.CLOSED_LOST: Decimal("0"),
}
FIELDS = (
    "name",
    "amount",
    "currency",
    "status",
    "pipeline_stage",
    "created_at",
    "closed_at",
    "owner_id",
    "contact_id",
    "account_id",
    "deal_type",
)


def deals_in(period: Period) -> list[Deal]:
    """The deals that matter to ``period``: closed in it, or open at its end."""
    closed_in = Q(closed_at__gte=period.start, closed_at__lt=period.end)
    open_at_end = Q(created_at__lt=period.end) & (
        Q(closed_at__isnull=True) | Q(closed_at__gte=period.end)
    )
    return list(Deal.objects.filter(closed_in | open_at_end).only(*FIELDS).order_by("pk"))


def deal_figures(deals: Iterable[Deal], scope: Scope) -> dict[str, Figure]:
    period = scope.period
    won: list[Deal] = []
    lost: list[Deal] = []
    open_: list[Deal] = []
    for deal in deals:
        if deal.closed_at is not None and period.holds(deal.closed_at):
            (won if deal.status == DealStatus.WON else lost).append(deal)
        elif deal.created_at < period.end:
            open_.append(deal)
    currency, rates = scope.currency, scope.rates
    revenue = money(((d.amount, d.currency) for d in won), currency=currency, rates=rates)
    cycles = [(d.closed_at - d.created_at).total_seconds() / DAY for d in won if d.closed_at]
    pipeline = money(((d.amount, d.currency) for d in open_), currency=currency, rates=rates)
    forecast = money(
        ((d.amount * PROBABILITY.get(d.pipeline_stage, Decimal(0)), d.currency) for d in open_),
        currency=currency,
        rates=rates,
    )
    return deal_figures_from(
        won=len(won),
        lost=len(lost),
        revenue=revenue,
        cycles=(quantile(cycles, 0.5), quantile(cycles, 0.75)),
        open_count=len(open_),
        pipeline=pipeline,
        forecast=forecast,
    )


def deal_figures_from(
    *,
    won: int,
    lost: int,
    revenue: Figure,
    cycles: tuple[float | None, float | None],
    open_count: int,
    pipeline: Figure,
    forecast: Figure,
) -> dict[str, Figure]:
    """The deal figures from counts, sums and the median and p75 days to close a won deal
    (the deals' or the rollups')."""
    size = money_ratio(revenue, won, of="won deal")
    rate = percent(won, won + lost, of="closed deal")
    return {
        "deals won": count(won),
        "deals lost": count(lost),
        "win rate": rate,
        "won revenue": revenue,
        "average deal size": size,
        "days to close a won deal (median)": days_of(cycles[0], of="won deal"),
        "days to close a won deal (p75)": days_of(cycles[1], of="won deal"),
        "open deals at the end": count(open_count),
        "open pipeline": pipeline,
        "weighted forecast": forecast,
        "sales velocity (per day)": _velocity(open_count, size, rate, cycles[0]),
    }


def _velocity(opportunities: int, size: Figure, rate: Figure, cycle: float | None) -> Figure:
    """Open opportunities × average deal size × win rate ÷ median days to close."""
    for figure in (size, rate):
        if figure.value is None:
            return Figure(None, size.unit, figure.reason)
    if not cycle:
        return Figure(None, size.unit, "no won deal with a cycle in the period")
    value = (
        Decimal(opportunities)
        * Decimal(size.value or 0)
        * Decimal(rate.value or 0)
        / 100
        / Decimal(str(cycle))
    )
    return Figure(value.quantize(CENT, ROUND_HALF_UP), size.unit)
