"""The home pages of marketing and of management: the month's pace against the agreement,
today's answers from sales, and both teams' headline figures on one page."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from smarketing.agreement.document import Agreement
from smarketing.agreement.selectors import active_version
from smarketing.contacts.choices import LifecycleStage
from smarketing.handoff.capacity import team_loads
from smarketing.handoff.selectors import handoffs_waiting
from smarketing.kpis.report import kpis_compute
from smarketing.kpis.scope import scope_from
from smarketing.scorecard.board import sla_board, teams_managed
from smarketing.scorecard.figures import scorecard_months
from smarketing.scorecard.months import current_month
from smarketing.scorecard.quotas import quota_pace
from smarketing.scorecard.rejections import rejections_since
from smarketing.web.views.kpi_labels import kpi_label

KPI_HEADLINE = (f"entered {LifecycleStage.MQL}", "win rate", "won revenue", "open pipeline")


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{formats.number_format(value, 0)} %"


def _pace(now: datetime, agreement: Agreement | None) -> list[dict[str, Any]]:
    if agreement is None:
        return []
    lines = []
    for pace in quota_pace(now=now, agreement=agreement):
        persona = pace.line.persona
        lines.append(
            {
                "label": agreement.label("persona", persona) if persona else _("All MQLs"),
                "delivered": pace.delivered,
                "quota": pace.line.mqls_per_month,
                "expected": formats.number_format(pace.expected, 0),
                "forecast": formats.number_format(pace.forecast, 0),
                "on_pace": pace.is_on_pace,
            }
        )
    return lines


def _today_start(now: datetime) -> datetime:
    today = timezone.localdate(now)
    return timezone.make_aware(datetime.combine(today, time.min))


def _rejections(now: datetime) -> list[dict[str, Any]]:
    rows = []
    for handoff in rejections_since(since=_today_start(now)):
        agreement = handoff.version.agreement
        rows.append(
            {
                "handoff": handoff,
                "reason": agreement.label("reason", handoff.reason_code),
                "persona": agreement.label("persona", handoff.persona) if handoff.persona else "",
            }
        )
    return rows


def _month_figures(now: datetime) -> dict[str, str]:
    figures = scorecard_months(months=[current_month(now)], now=now)[0]
    return {
        "delivered": str(figures.delivered),
        "acceptance": _percent(figures.acceptance_rate),
        "in_time": _percent(figures.accepted_in_time_rate),
        "first_touch": _percent(figures.first_touch_in_time_rate),
        "sql": _percent(figures.sql_rate),
    }


def marketing_context(now: datetime) -> dict[str, Any]:
    """Marketing's morning: the month's MQLs against quota, today's rejections and why."""
    version = active_version()
    return {
        "version": version,
        "pace": _pace(now, version.agreement if version else None),
        "month": _month_figures(now),
        "rejections": _rejections(now),
    }


def _kpis(now: datetime) -> list[dict[str, str]]:
    today = timezone.localdate(now)
    scope = scope_from(first=today.replace(day=1).isoformat(), last=today.isoformat())
    figures = kpis_compute(scope).groups["all"]
    return [
        {"label": kpi_label(name), "shown": figures[name].shown(), "reason": figures[name].reason}
        for name in KPI_HEADLINE
        if name in figures
    ]


def management_context(now: datetime) -> dict[str, Any]:
    """Both sides on one page: marketing's pace, sales' answers and clocks, the shared KPIs."""
    teams = teams_managed(0, everything=True)
    return {
        **marketing_context(now),
        "board": sla_board(teams=teams, now=now) if teams else None,
        "loads": team_loads(now=now),
        "kpis": _kpis(now),
        "waiting": handoffs_waiting(),
    }
