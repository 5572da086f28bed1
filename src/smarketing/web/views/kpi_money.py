"""The KPI page's attribution and cost sections (marketing's and both teams' views): the credit
of every model side by side per campaign, channel or content (a grouped bar chart and a table),
the deals no touch takes, and the cost figures with ROI per campaign and channel."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from smarketing.core.errors import DomainError
from smarketing.kpis.attribution import GROUPINGS, MODELS, Attribution
from smarketing.kpis.attribution_report import (
    PIPELINES,
    AttributionRequest,
    attribution_run,
    credit_table,
    grouping_check,
    model_check,
)
from smarketing.kpis.costs import COST, REVENUE, ROI, CostReport, costs_compute
from smarketing.kpis.figures import CENT, Figure
from smarketing.kpis.scope import Scope
from smarketing.marketing.choices import Channel
from smarketing.marketing.selectors import costs_exist, touchpoints_exist
from smarketing.web.views.kpi_labels import MODEL_LABELS, kpi_label

GROUPING_LABELS = {
    "campaign": gettext_lazy("Campaign"),
    "channel": gettext_lazy("Channel"),
    "content": gettext_lazy("Content"),
}
PIPELINE_LABELS = {"won": gettext_lazy("Won revenue"), "open": gettext_lazy("Open pipeline")}
LEFT_OUT = {
    "no_contact": gettext_lazy("the deal has no contact"),
    "no_touch": gettext_lazy("its contact has no touch before the deal closed"),
    "no_rate": gettext_lazy("its currency has no rate"),
}


def _group_label(by: str, group: str) -> str:
    if by == "channel" and group in Channel.values:
        return str(Channel(group).label)
    return group


def _choice(request: HttpRequest, name: str, check) -> tuple[str, dict[str, str]]:  # type: ignore[no-untyped-def]
    """The URL's ``name`` checked by ``check`` (its default when absent), or the default and
    the error under ``name``."""
    try:
        return check(request.GET.get(name) or None), {}
    except DomainError as exc:
        return check(None), {name: exc.message}


def _pipeline(value: str | None) -> str:
    if value and value not in PIPELINES:
        raise DomainError(f"{value!r}: the pipeline is won or open.", field="pipeline")
    return value or "won"


def _chart(by: str, result: Attribution) -> dict[str, Any]:
    table = credit_table(result)
    groups = list(table)
    return {
        "data": [
            {
                "type": "bar",
                "name": str(MODEL_LABELS[model]),
                "x": [_group_label(by, g) for g in groups],
                "y": [float(table[g][model].value or 0) for g in groups],
                "hovertemplate": "%{x}: %{y:,.2f} " + result.currency + "<extra></extra>",
            }
            for model in MODELS
        ],
        "layout": {
            "barmode": "group",
            "margin": {"t": 30, "r": 20, "b": 60, "l": 70},
            "yaxis": {"title": {"text": result.currency}},
            "legend": {"orientation": "h"},
        },
    }


def _attribution(scope: Scope, by: str, pipeline: str) -> dict[str, Any]:
    asked = AttributionRequest(scope=scope, by=by, pipeline=pipeline)
    result = attribution_run(asked)
    table = credit_table(result)
    unattributed = Figure(result.unattributed.quantize(CENT), result.currency)
    return {
        "by": by,
        "pipeline": pipeline,
        "has_touchpoints": touchpoints_exist(),
        "deals": result.deals,
        "attributed": result.attributed,
        "reason": result.reason(),
        "models": [str(MODEL_LABELS[m]) for m in MODELS],
        "rows": [
            {"group": _group_label(by, g), "cells": [table[g][m].shown() for m in MODELS]}
            for g in table
        ],
        "unattributed": unattributed.shown() if result.unattributed else "",
        "left_out": [
            {
                "name": deal.name,
                "amount": Figure(deal.amount, deal.currency).shown(),
                "reason": str(LEFT_OUT[deal.reason]),
            }
            for deal in result.left_out
        ],
        "chart": _chart(by, result) if table else None,
    }


def _cell(figure: Figure) -> dict[str, str]:
    return {"shown": figure.shown(), "reason": figure.reason}


def _costs(report: CostReport) -> dict[str, Any]:
    def rows(by: str, table: dict[str, dict[str, Figure]]) -> list[dict[str, Any]]:
        return [
            {"name": _group_label(by, name), "cells": [_cell(f[k]) for k in (COST, REVENUE, ROI)]}
            for name, f in table.items()
        ]

    return {
        "model": report.model,
        "model_label": str(MODEL_LABELS[report.model]),
        "has_costs": costs_exist(),
        "figures": [
            {"name": name, "label": kpi_label(name), **_cell(figure)}
            for name, figure in report.figures.items()
        ],
        "campaigns": rows("campaign", report.campaigns),
        "channels": rows("channel", report.channels),
    }


def money_context(request: HttpRequest, scope: Scope) -> tuple[dict[str, Any], dict[str, str]]:
    """The attribution and cost sections of the page for ``scope``, and the URL's errors
    (``attribution``: campaign, channel or content; ``pipeline``; ``model`` of the ROI)."""
    errors: dict[str, str] = {}
    by, bad = _choice(request, "attribution", grouping_check)
    errors.update(bad)
    pipeline, bad = _choice(request, "pipeline", _pipeline)
    errors.update(bad)
    model, bad = _choice(request, "model", model_check)
    errors.update(bad)
    context = {
        "attribution": _attribution(scope, by, pipeline),
        "costs": _costs(costs_compute(scope, model=model, half_life=timedelta(days=7))),
        "groupings": [(g, str(GROUPING_LABELS[g])) for g in GROUPINGS],
        "pipelines": [(p, str(PIPELINE_LABELS[p])) for p in PIPELINES],
        "models": [(m, str(MODEL_LABELS[m])) for m in MODELS],
        "no_touchpoints": _(
            "No touchpoints yet. They come from your contacts' events: the links of your "
            "campaigns carry their UTM values (utm_source, utm_medium, utm_campaign, set on each "
            "campaign), the tracker on your site records the pages and content seen, and forms "
            "and e-mails add theirs; the worker ties each one to its campaign and content."
        ),
    }
    return context, errors
