"""The KPI dashboards: one set of figures, shown for marketing, sales or management, every
number a link to the rows behind it (docs/kpis.md)."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from smarketing.core.errors import DomainError
from smarketing.kpis.funnel import STAGES
from smarketing.kpis.report import KpiReport, kpis_compute
from smarketing.kpis.scope import DIMENSIONS, Scope
from smarketing.users.roles import Capability, Role
from smarketing.web.pages import requires
from smarketing.web.views.kpi_labels import kpi_label
from smarketing.web.views.kpi_money import money_context
from smarketing.web.views.kpi_params import (
    default_scope,
    drill_contacts,
    drill_deals,
    error_fields,
    scope_of,
)

VIEWS = {
    "marketing": gettext_lazy("Marketing"),
    "sales": gettext_lazy("Sales"),
    "management": gettext_lazy("Both teams"),
}
ROLE_VIEW: dict[str, str] = {
    Role.MARKETING_USER: "marketing",
    Role.MARKETING_MANAGER: "marketing",
    Role.SALES_REP: "sales",
    Role.SALES_MANAGER: "sales",
}
MARKETING = ("entered", "at ", "MQL →", "days in", "days MQL")
SALES = (
    "deals",
    "win rate",
    "won revenue",
    "average",
    "days to close",
    "open",
    "weighted",
    "sales",
    "revenue target",
    "new customers",
)
# the deal figures a click opens the list of: {figure: which deals}
DEAL_LINKS = {"deals won": "won", "deals lost": "lost", "open deals at the end": "open"}


def _view(request: HttpRequest) -> str:
    asked = request.GET.get("view", "")
    if asked in VIEWS:
        return asked
    role: str = getattr(request.user, "role", "")
    return ROLE_VIEW.get(role, "management")


def _funnel_chart(report: KpiReport, scope: Scope) -> dict[str, Any]:
    figures = report.groups["all"]
    counts = [int(figures[f"entered {stage}"].value or 0) for stage in STAGES]
    drops = [""] + [f"{round(100 * b / a)} %" if a else "—" for a, b in pairwise(counts)]
    return {
        "data": [
            {
                "type": "bar",
                "x": [str(stage.label) for stage in STAGES],
                "y": counts,
                "text": drops,
                "textposition": "outside",
                "customdata": [drill_contacts(scope, stage.value) for stage in STAGES],
                "hovertemplate": "%{y}<extra></extra>",
            }
        ],
        "layout": {
            "margin": {"t": 30, "r": 20, "b": 40, "l": 50},
            "yaxis": {"title": {"text": _("Contacts who entered the stage")}},
        },
    }


def _cohort_chart(report: KpiReport, scope: Scope) -> dict[str, Any] | None:
    if not report.cohorts:
        return None
    keys = [name for name in report.cohorts[0][1] if name != "MQLs"]
    names = [kpi_label(name) for name in keys]
    months = [month.strftime("%Y-%m") for month, _figures in report.cohorts]
    return {
        "data": [
            {
                "type": "heatmap",
                "x": names,
                "y": months,
                "z": [[float(f[k].value or 0) for k in keys] for _m, f in report.cohorts],
                "colorscale": "Blues",
                "hovertemplate": "%{y} %{x}: %{z} %<extra></extra>",
            }
        ],
        "layout": {"margin": {"t": 30, "r": 20, "b": 40, "l": 70}},
    }


def _rows(report: KpiReport, scope: Scope, view: str) -> list[dict[str, Any]]:
    prefixes = {"marketing": MARKETING, "sales": SALES}.get(view, MARKETING + SALES)
    rows = []
    for name in report.names():
        if not name.startswith(prefixes):
            continue
        cells = []
        for group, figures in report.groups.items():
            figure = figures[name]
            where = {scope.by: group} if scope.by and group != "all" else {}
            link = ""
            if name.startswith("entered ") and figure.value:
                link = drill_contacts(scope, name.removeprefix("entered "), **where)
            elif name in DEAL_LINKS and figure.value:
                link = drill_deals(scope, DEAL_LINKS[name], **where)
            cells.append({"shown": figure.shown(), "reason": figure.reason, "link": link})
        rows.append({"name": name, "label": kpi_label(name), "cells": cells})
    return rows


@requires(Capability.VIEW_RECORDS)
def kpi_dashboard(request: HttpRequest) -> HttpResponse:
    """The shared KPIs of a period, for one team's eyes, with drill-down links."""
    view = _view(request)
    errors: dict[str, str] = {}
    try:
        scope = scope_of(request)
    except DomainError as exc:
        errors, scope = error_fields(exc), default_scope()
    report = kpis_compute(scope)
    money: dict[str, Any] = {}
    if view != "sales":
        money, bad = money_context(request, scope)
        errors.update(bad)
    context = {
        **money,
        "view": view,
        "views": VIEWS,
        "scope": scope,
        "errors": errors,
        "dimensions": DIMENSIONS,
        "groups": list(report.groups),
        "rows": _rows(report, scope, view),
        "funnel": _funnel_chart(report, scope) if view != "sales" else None,
        "cohorts": _cohort_chart(report, scope) if view != "sales" else None,
        "empty": not any(
            (f.value or 0) for figures in report.groups.values() for f in figures.values()
        ),
    }
    return render(request, "web/kpis.html", context, status=400 if errors else 200)
