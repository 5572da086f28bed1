"""The second part of the agenda: how sales kept its side (SLA by rep and by step) and the
sales objectives (pipeline, forecast, win rate, revenue against target, velocity)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.utils.translation import gettext as _

from smarketing.agreement.document import Agreement
from smarketing.kpis.report import ALL, kpis_compute
from smarketing.kpis.scope import scope_from
from smarketing.review.pack_mqls import figure_json, month_last_day, rounded
from smarketing.scorecard.figures import Figures, scorecard_groups, scorecard_months
from smarketing.users.selectors import user_names

# the objectives shown, in this order (those the KPI engine computes: docs/kpis.md)
OBJECTIVES = (
    "open pipeline",
    "weighted forecast",
    "deals won",
    "deals lost",
    "win rate",
    "won revenue",
    "revenue target",
    "won revenue ÷ target",
    "average deal size",
    "days MQL → won (median)",
)


def _rates(figures: Figures) -> dict[str, Any]:
    return {
        "delivered": figures.delivered,
        "accepted": figures.accepted,
        "rejected": figures.rejected,
        "answered_in_time": rounded(figures.accepted_in_time_rate),
        "first_touch_in_time": rounded(figures.first_touch_in_time_rate),
        "follow_ups": rounded(figures.follow_ups_rate),
    }


def _steps(overall: Figures, agreement: Agreement | None) -> list[dict[str, Any]]:
    targets = agreement.sla.targets if agreement is not None else None
    return [
        {
            "step": _("Answer"),
            "rate": rounded(overall.accepted_in_time_rate),
            "measured": overall.accept_measured,
            "target": targets.accepted_in_time_percent if targets else None,
        },
        {
            "step": _("First touch"),
            "rate": rounded(overall.first_touch_in_time_rate),
            "measured": overall.touch_measured,
            "target": targets.first_touch_in_time_percent if targets else None,
        },
        {
            "step": _("Follow-ups"),
            "rate": rounded(overall.follow_ups_rate),
            "measured": overall.follow_up_measured,
            "target": None,
        },
    ]


def sales_section(*, month: date, agreement: Agreement | None, as_of: datetime) -> dict[str, Any]:
    """SLA compliance by rep and by step, and the month's sales objectives."""
    groups = scorecard_groups(month=month, by="assignee_id", now=as_of)
    names = user_names(user_ids={g.group for g in groups if isinstance(g.group, int)})
    reps = [
        {
            "user_id": figures.group,
            "name": names.get(figures.group, str(figures.group))
            if isinstance(figures.group, int)
            else _("Team queue"),
            **_rates(figures),
        }
        for figures in groups
        if figures.delivered or figures.touch_measured or figures.accept_measured
    ]
    overall = scorecard_months(months=[month], now=as_of)[0]
    report = kpis_compute(
        scope_from(first=month.isoformat(), last=month_last_day(month).isoformat())
    )
    figures = report.groups.get(ALL, {})
    objectives = [figure_json(name, figures[name]) for name in OBJECTIVES if name in figures]
    return {
        "reps": reps,
        "steps": _steps(overall, agreement) if overall.delivered else [],
        "objectives": objectives,
        "has_deals": any(
            o["value"]
            for o in objectives
            if o["name"] in ("open pipeline", "deals won", "deals lost")
        ),
    }
