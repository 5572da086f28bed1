"""Attribution as the command, the API and the page give it: a checked request, the credits of
every model side by side per group, and the deals no touch takes with their reasons
(docs/kpis.md, "Attribution")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from smarketing.core.errors import DomainError
from smarketing.kpis.attribution import (
    GROUPINGS,
    LINEAR,
    MODELS,
    NONE,
    Attribution,
    attribution_compute,
)
from smarketing.kpis.errors import KpiErrorCode
from smarketing.kpis.figures import CENT, Figure
from smarketing.kpis.scope import Scope, scope_from

PIPELINES = ("won", "open")
MAX_HALF_LIFE = Decimal(3650)  # days: ten years
# how the models are named in tables (JSON uses their keys)
MODEL_NAMES = {
    "first_touch": "first touch",
    "last_touch": "last touch",
    "linear": "linear",
    "u_shaped": "U-shaped",
    "w_shaped": "W-shaped",
    "full_path": "full path",
    "time_decay": "time decay",
}
LEFT_OUT = {
    "no_contact": "the deal has no contact",
    "no_touch": "its contact has no touch in the deal's window (since its previous won deal, "
    "up to the close or the period's end)",
}


@dataclass(frozen=True)
class AttributionRequest:
    """A checked request: the scope (period, currency, rates), the grouping, the deals (won in
    the period or open at its end) and the time-decay half-life."""

    scope: Scope
    by: str = "campaign"
    pipeline: str = "won"
    half_life: Decimal = Decimal(7)  # days


def grouping_check(by: str | None) -> str:
    """``by`` if it is campaign, channel or content (default campaign), else ``DomainError``."""
    if not by:
        return "campaign"
    if by not in GROUPINGS:
        raise DomainError(
            f"{by!r}: attribution is grouped by {', '.join(GROUPINGS)}.",
            code=KpiErrorCode.UNKNOWN_DIMENSION,
            field="by",
        )
    return by


def model_check(model: str | None) -> str:
    """``model`` if it is an attribution model (default linear), else ``DomainError``."""
    if not model:
        return LINEAR
    if model not in MODELS:
        raise DomainError(
            f"{model!r} is not an attribution model (one of {', '.join(MODELS)}).",
            code=KpiErrorCode.UNKNOWN_MODEL,
            field="model",
        )
    return model


def half_life_check(text: str | None) -> Decimal:
    """The half-life in days (default 7): a number above 0 and at most 3650."""
    if text is None or str(text).strip() == "":
        return Decimal(7)
    try:
        days = Decimal(str(text).strip())
    except InvalidOperation:
        days = Decimal(-1)
    if not days.is_finite() or not Decimal(0) < days <= MAX_HALF_LIFE:
        raise DomainError(
            f"{text!r}: the half-life is a number of days above 0 and at most 3650.",
            code=KpiErrorCode.INVALID_HALF_LIFE,
            field="half_life",
        )
    return days


def attribution_request(
    *,
    first: str,
    last: str,
    by: str | None = None,
    pipeline: str | None = None,
    half_life: str | None = None,
    rates: dict[str, str] | None = None,
    currency: str = "EUR",
) -> AttributionRequest:
    """A checked request from text (the command line's, the API's or the page's)."""
    scope = scope_from(first=first, last=last, rates=rates, currency=currency)
    chosen = pipeline or "won"
    if chosen not in PIPELINES:
        raise DomainError(
            f"{pipeline!r}: the pipeline is won (deals won in the period) or open (open at "
            "its end).",
            code=KpiErrorCode.INVALID_PIPELINE,
            field="pipeline",
        )
    return AttributionRequest(
        scope=scope, by=grouping_check(by), pipeline=chosen, half_life=half_life_check(half_life)
    )


def attribution_run(request: AttributionRequest, *, now: datetime | None = None) -> Attribution:
    """The credits of every model for the request."""
    scope = request.scope
    return attribution_compute(
        period=scope.period,
        by=request.by,
        pipeline=request.pipeline,
        currency=scope.currency,
        rates=scope.rates,
        half_life=timedelta(days=float(request.half_life)),
        now=now,
    )


def left_out_reason(code: str, currency: str, target: str) -> str:
    if code == "no_rate":
        return f"amount in {currency}: give a rate to {target} (--rate {currency}=…)"
    return LEFT_OUT[code]


def credit_table(result: Attribution) -> dict[str, dict[str, Figure]]:
    """{group: {model: its credit}} for every group any model credits (0.00 where a model
    gives it nothing), groups by name."""
    groups = sorted({g for credits in result.credits.values() for g in credits})
    return {
        group: {
            model: Figure(
                result.credits.get(model, {}).get(group, Decimal(0)).quantize(CENT),
                result.currency,
            )
            for model in MODELS
        }
        for group in groups
    }


def attribution_json(request: AttributionRequest, result: Attribution) -> dict[str, object]:
    """The command's ``--attribution --format json`` and the API's answer."""
    period = request.scope.period
    return {
        "from": period.first.isoformat(),
        "to": period.last.isoformat(),
        "by": request.by,
        "pipeline": request.pipeline,
        "half_life_days": str(request.half_life.normalize()),
        "currency": result.currency,
        "models": list(MODELS),
        "groups": {
            group: {model: figure.as_json() for model, figure in figures.items()}
            for group, figures in credit_table(result).items()
        },
        "deals": result.deals,
        "attributed": result.attributed,
        "total": Figure(result.total.quantize(CENT), result.currency).as_json(),
        "unattributed": Figure(result.unattributed.quantize(CENT), result.currency).as_json(),
        "left_out": [
            {
                "id": deal.deal_id,
                "name": deal.name,
                "amount": str(deal.amount),
                "currency": deal.currency,
                "code": deal.reason,
                "reason": left_out_reason(deal.reason, deal.currency, result.currency),
            }
            for deal in result.left_out
        ],
        "reason": result.reason(),
    }


def attribution_rows(request: AttributionRequest, result: Attribution) -> list[list[list[str]]]:
    """The tables of ``--format table`` and ``csv``: the credits (one row per group, a column
    per model, and the unattributed amount), then the deals left out and why."""
    head = [request.by, *(MODEL_NAMES[m] for m in MODELS)]
    credits = [head]
    for group, figures in credit_table(result).items():
        credits.append([group, *(figures[m].shown() for m in MODELS)])
    if result.deals == 0 and not result.left_out:
        what = "no deal won in the period" if request.pipeline == "won" else "no open deal"
        credits.append([NONE, *(f"— ({what})" for _m in MODELS)])
    if result.unattributed:
        shown = Figure(result.unattributed.quantize(CENT), result.currency).shown()
        credits.append(["(unattributed)", *(shown for _m in MODELS)])
    tables = [credits]
    if result.left_out:
        left = [["deal", "amount", "reason"]]
        for deal in result.left_out:
            left.append(
                [
                    f"#{deal.deal_id} {deal.name}",
                    Figure(deal.amount, deal.currency).shown(),
                    left_out_reason(deal.reason, deal.currency, result.currency),
                ]
            )
        tables.append(left)
    return tables
