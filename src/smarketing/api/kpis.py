"""``/api/v1/kpis``: the shared KPIs of a period, as ``smarketing kpis --format json`` gives
them (docs/kpis.md)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from smarketing.api.auth import TokenBearer
from smarketing.api.errors import ErrorOut
from smarketing.capture.models import Scope
from smarketing.core.errors import DomainError
from smarketing.kpis.attribution import GROUPINGS, MODELS
from smarketing.kpis.attribution_report import (
    attribution_json,
    attribution_request,
    attribution_run,
    half_life_check,
    model_check,
)
from smarketing.kpis.costs import costs_compute, costs_json
from smarketing.kpis.errors import KpiErrorCode
from smarketing.kpis.report import kpis_compute, report_json
from smarketing.kpis.scope import DIMENSIONS, scope_from

router = Router(tags=["KPIs"], auth=TokenBearer(Scope.KPIS))
REFUSALS: dict[int, type[Schema]] = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 429: ErrorOut}
DAY = r"^\d{4}-\d{2}-\d{2}$"
# repeatable parameters (one instance each, shared by the operations)
WHERE = Query(None, description="keep only DIMENSION:VALUE (repeatable)")
RATE = Query(None, description="CODE:value of one unit in `currency` (repeatable)")
CODES = {"where": KpiErrorCode.UNKNOWN_DIMENSION, "rate": KpiErrorCode.INVALID_RATE}


class FigureOut(Schema):
    """A figure: its value (money as a decimal string), its unit, and why it has none."""

    value: str | int | float | None = Field(description="null: see reason")
    unit: str = Field(description="%, days, a currency code, or empty for a count")
    reason: str = Field(description="why the figure has no value (empty when it has one)")


class KpisOut(Schema):
    """The figures of each group (``all`` first) for the period."""

    from_: str = Field(alias="from")
    to: str
    by: str | None
    where: dict[str, str]
    currency: str
    groups: dict[str, dict[str, FigureOut]]


class CohortOut(Schema):
    """The contacts that became MQL in one month, and the share that went on."""

    month: str
    figures: dict[str, FigureOut]


class CohortsOut(Schema):
    """The MQL cohorts of the period, month by month."""

    from_: str = Field(alias="from")
    to: str
    by: str | None
    where: dict[str, str]
    currency: str
    cohorts: list[CohortOut]


class LeftOutOut(Schema):
    """A deal no touch takes (or whose currency has no rate), and why."""

    id: int
    name: str
    amount: str = Field(description="in the deal's currency, a decimal string")
    currency: str
    code: str = Field(description="no_contact, no_touch or no_rate")
    reason: str


class AttributionOut(Schema):
    """The credit of every model per group, the deals counted and those no touch takes."""

    from_: str = Field(alias="from")
    to: str
    by: str = Field(description=", ".join(GROUPINGS))
    pipeline: str = Field(description="won (in the period) or open (at its end)")
    half_life_days: str
    currency: str
    models: list[str]
    groups: dict[str, dict[str, FigureOut]] = Field(description="{group: {model: credit}}")
    deals: int = Field(description="deals counted (their currency converted)")
    attributed: int = Field(description="of which at least one touch takes a share")
    total: FigureOut
    unattributed: FigureOut
    left_out: list[LeftOutOut]
    reason: str = Field(description="why some deals are left out (no rate), or empty")


class CostsOut(Schema):
    """The cost figures of the period, and each campaign's and channel's cost, attributed won
    revenue and ROI."""

    from_: str = Field(alias="from")
    to: str
    currency: str
    model: str = Field(description="the attribution model of the won revenue")
    figures: dict[str, FigureOut]
    campaigns: dict[str, dict[str, FigureOut]]
    channels: dict[str, dict[str, FigureOut]]


def _pairs(items: list[str] | None, name: str) -> dict[str, str]:
    pairs = {}
    for item in items or []:
        key, sep, value = item.partition(":")
        if not sep or not key:
            raise DomainError(
                f"{item!r}: write {name} as KEY:VALUE.",
                code=KpiErrorCode.UNKNOWN_DIMENSION
                if name == "where"
                else KpiErrorCode.INVALID_RATE,
                field=name,
            )
        pairs[key] = value
    return pairs


def _scope(  # type: ignore[no-untyped-def]
    first: str,
    last: str,
    by: str | None,
    where: list[str] | None,
    rate: list[str] | None,
    currency: str,
):
    return scope_from(
        first=first,
        last=last,
        by=by,
        where=_pairs(where, "where"),
        rates=_pairs(rate, "rate"),
        currency=currency,
    )


@router.get(
    "/kpis",
    response={200: KpisOut, **REFUSALS},
    summary="The shared KPIs of a period",
    by_alias=True,
)
def kpis(
    request: HttpRequest,
    first: str = Query(..., alias="from", pattern=DAY, description="first day, YYYY-MM-DD"),
    last: str = Query(..., alias="to", pattern=DAY, description="last day, YYYY-MM-DD"),
    by: str | None = Query(None, description=f"group by: {', '.join(DIMENSIONS)}"),
    where: list[str] | None = WHERE,
    rate: list[str] | None = RATE,
    currency: str = Query("EUR", pattern=r"^[A-Za-z]{3}$"),
) -> dict[str, Any]:
    """Funnel, velocity and deals, overall and per group (docs/kpis.md)."""
    return report_json(kpis_compute(_scope(first, last, by, where, rate, currency)))


@router.get(
    "/kpis/cohorts",
    response={200: CohortsOut, **REFUSALS},
    summary="The MQL cohorts of a period, by month",
    by_alias=True,
)
def kpi_cohorts(
    request: HttpRequest,
    first: str = Query(..., alias="from", pattern=DAY, description="first day, YYYY-MM-DD"),
    last: str = Query(..., alias="to", pattern=DAY, description="last day, YYYY-MM-DD"),
    where: list[str] | None = WHERE,
) -> dict[str, Any]:
    """For each month, the contacts that became MQL in it and the share that went on."""
    report = kpis_compute(_scope(first, last, None, where, [], "EUR"))
    return report_json(report, cohorts=True)


@router.get(
    "/kpis/attribution",
    response={200: AttributionOut, **REFUSALS},
    summary="The credit of every attribution model, per campaign, channel or content",
    by_alias=True,
)
def kpi_attribution(
    request: HttpRequest,
    first: str = Query(..., alias="from", pattern=DAY, description="first day, YYYY-MM-DD"),
    last: str = Query(..., alias="to", pattern=DAY, description="last day, YYYY-MM-DD"),
    by: str | None = Query(None, description=f"group by: {', '.join(GROUPINGS)} (campaign)"),
    pipeline: str | None = Query(None, description="won (default) or open"),
    half_life: str | None = Query(None, description="time decay's half-life in days (7)"),
    rate: list[str] | None = RATE,
    currency: str = Query("EUR", pattern=r"^[A-Za-z]{3}$"),
) -> dict[str, Any]:
    """Won revenue (or open pipeline) split over the touches under seven models, side by side
    (docs/kpis.md, "Attribution")."""
    asked = attribution_request(
        first=first,
        last=last,
        by=by,
        pipeline=pipeline,
        half_life=half_life,
        rates=_pairs(rate, "rate"),
        currency=currency,
    )
    return attribution_json(asked, attribution_run(asked))


@router.get(
    "/kpis/costs",
    response={200: CostsOut, **REFUSALS},
    summary="Campaign costs, cost per lead, MQL and customer, ROI per campaign and channel",
    by_alias=True,
)
def kpi_costs(
    request: HttpRequest,
    first: str = Query(..., alias="from", pattern=DAY, description="first day, YYYY-MM-DD"),
    last: str = Query(..., alias="to", pattern=DAY, description="last day, YYYY-MM-DD"),
    model: str | None = Query(None, description=f"{', '.join(MODELS)} (linear)"),
    half_life: str | None = Query(None, description="time decay's half-life in days (7)"),
    rate: list[str] | None = RATE,
    currency: str = Query("EUR", pattern=r"^[A-Za-z]{3}$"),
) -> dict[str, Any]:
    """What the campaigns cost in the period and what they brought back (docs/kpis.md,
    "Cost")."""
    scope = _scope(first, last, None, [], rate, currency)
    chosen, days = model_check(model), half_life_check(half_life)
    report = costs_compute(scope, model=chosen, half_life=timedelta(days=float(days)))
    return costs_json(report)
