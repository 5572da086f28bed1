"""What marketing cost and what it brought back (docs/kpis.md, "Cost"): the campaigns' monthly
costs in the period, cost per lead, per MQL and per customer, and the ROI of each campaign and
channel on the won revenue an attribution model gives it."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from smarketing.contacts.choices import LifecycleStage as S
from smarketing.kpis.attribution import LINEAR, NONE, Attribution, attribution_compute
from smarketing.kpis.figures import CENT, Figure, money, money_ratio
from smarketing.kpis.journeys import journeys
from smarketing.kpis.scope import Scope
from smarketing.marketing.models import CampaignCost

COST = "cost"
REVENUE = "attributed won revenue"
ROI = "ROI"


@dataclass
class CostReport:
    """The cost figures of a period, and each campaign's and channel's cost, attributed won
    revenue (under ``model``) and ROI."""

    scope: Scope
    model: str = LINEAR
    figures: dict[str, Figure] = field(default_factory=dict)
    campaigns: dict[str, dict[str, Figure]] = field(default_factory=dict)
    channels: dict[str, dict[str, Figure]] = field(default_factory=dict)


def roi(revenue: Figure, cost: Figure) -> Figure:
    """(revenue − cost) ÷ cost, in %, or no value with the reason."""
    if cost.value is None:
        return Figure(None, "%", cost.reason)
    if revenue.value is None:
        return Figure(None, "%", revenue.reason)
    if not cost.value:
        return Figure(None, "%", "no cost in the period")
    ratio = (Decimal(revenue.value) - Decimal(cost.value)) * 100 / Decimal(cost.value)
    return Figure(ratio.quantize(Decimal("0.1"), ROUND_HALF_UP), "%")


def _revenue(result: Attribution, model: str, group: str) -> Figure:
    if result.refused:
        return Figure(None, result.currency, result.reason())
    return Figure(
        result.credits[model].get(group, Decimal(0)).quantize(CENT, ROUND_HALF_UP),
        result.currency,
    )


def _rows(
    costs: dict[str, list[tuple[Decimal, str]]], result: Attribution, model: str, scope: Scope
) -> dict[str, dict[str, Figure]]:
    rows = {}
    names = (set(costs) | set(result.credits[model])) - {NONE}
    for name in sorted(names):
        cost = money(costs.get(name, []), currency=scope.currency, rates=scope.rates)
        revenue = _revenue(result, model, name)
        rows[name] = {COST: cost, REVENUE: revenue, ROI: roi(revenue, cost)}
    return rows


def costs_compute(
    scope: Scope,
    *,
    model: str = LINEAR,
    half_life: timedelta = timedelta(days=7),
    now: datetime | None = None,
) -> CostReport:
    """The cost figures of ``scope``'s period (its filters and grouping do not apply: costs
    belong to campaigns), in its currency with its rates."""
    period = scope.period
    # a month's cost counts when its first day is in the period
    rows = CampaignCost.objects.filter(month__gte=period.first, month__lte=period.last).values_list(
        "month", "amount", "currency", "campaign__name", "campaign__channel"
    )
    amounts: list[tuple[Decimal, str]] = []
    by_campaign: dict[str, list[tuple[Decimal, str]]] = defaultdict(list)
    by_channel: dict[str, list[tuple[Decimal, str]]] = defaultdict(list)
    for _month, amount, currency, name, channel in rows:
        amounts.append((amount, currency))
        by_campaign[name].append((amount, currency))
        by_channel[channel].append((amount, currency))
    entered = {S.LEAD: 0, S.MQL: 0, S.CUSTOMER: 0}
    for journey in journeys(period):
        for stage in entered:
            if journey.entered_in(stage, period):
                entered[stage] += 1
    total = money(amounts, currency=scope.currency, rates=scope.rates)
    report = CostReport(scope=scope, model=model)
    report.figures = {
        "total cost": total,
        "cost per lead": money_ratio(total, entered[S.LEAD], of="new lead"),
        "cost per MQL": money_ratio(total, entered[S.MQL], of="new MQL"),
        "cost per customer (CAC)": money_ratio(total, entered[S.CUSTOMER], of="new customer"),
    }
    for by, costs in (("campaign", by_campaign), ("channel", by_channel)):
        result = attribution_compute(
            period=period,
            by=by,
            currency=scope.currency,
            rates=scope.rates,
            half_life=half_life,
            now=now,
        )
        table = _rows(costs, result, model, scope)
        if by == "campaign":
            report.campaigns = table
        else:
            report.channels = table
    return report


def costs_json(report: CostReport) -> dict[str, object]:
    """The command's ``--costs --format json`` and the API's answer."""
    period = report.scope.period

    def table(rows: dict[str, dict[str, Figure]]) -> dict[str, dict[str, object]]:
        return {name: {k: f.as_json() for k, f in figs.items()} for name, figs in rows.items()}

    return {
        "from": period.first.isoformat(),
        "to": period.last.isoformat(),
        "currency": report.scope.currency,
        "model": report.model,
        "figures": {name: figure.as_json() for name, figure in report.figures.items()},
        "campaigns": table(report.campaigns),
        "channels": table(report.channels),
    }


def costs_rows(report: CostReport) -> list[list[list[str]]]:
    """The tables of ``--format table`` and ``csv``: the figures, then ROI per campaign and per
    channel."""
    tables = [[["figure", "all"], *([n, f.shown()] for n, f in report.figures.items())]]
    for head, rows in (("campaign", report.campaigns), ("channel", report.channels)):
        table = [[head, COST, f"{REVENUE} ({report.model})", ROI]]
        for name, figures in rows.items():
            table.append([name, *(_with_reason(figures[k]) for k in (COST, REVENUE, ROI))])
        if len(table) == 1:
            table.append([NONE, "— (no cost and no attributed won revenue in the period)", "", ""])
        tables.append(table)
    return tables


def _with_reason(figure: Figure) -> str:
    return f"— ({figure.reason})" if figure.value is None else figure.shown()
