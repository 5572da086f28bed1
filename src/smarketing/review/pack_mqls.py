"""The first part of the agenda: the MQLs marketing delivered, where they came from, what sales
thought of them, and what became of the recycled ones."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.utils.translation import gettext as _

from smarketing.agreement.document import Agreement
from smarketing.handoff.models import Handoff
from smarketing.kpis.figures import Figure
from smarketing.kpis.report import ALL, kpis_compute
from smarketing.kpis.scope import scope_from
from smarketing.nurturing.outcomes import recycling_outcomes
from smarketing.scorecard.feedback import comments_latest, rejections_list
from smarketing.scorecard.figures import scorecard_months
from smarketing.scorecard.months import month_add
from smarketing.scorecard.quotas import quota_months
from smarketing.scorecard.rejections import reject_reasons

MQL_FIGURE = "entered mql"
EXAMPLES = 3
COMMENTS = 5


def month_last_day(month: date) -> date:
    """The last day of ``month``."""
    return month_add(month, 1) - timedelta(days=1)


def rounded(value: float | None) -> float | None:
    """A rate kept to one decimal in the snapshot (None stays None)."""
    return None if value is None else round(float(value), 1)


def figure_json(name: str, figure: Figure) -> dict[str, Any]:
    """A KPI as the pack keeps it: its name, the words shown, its value and unit or reason."""
    value = figure.value
    return {
        "name": name,
        "shown": figure.shown(),
        "value": None if value is None else (value if isinstance(value, int) else float(value)),
        "unit": figure.unit,
        "reason": figure.reason,
    }


def _rejected(handoff: Handoff) -> dict[str, Any]:
    return {
        "contact_id": handoff.contact_id,
        "contact": str(handoff.contact),
        "comment": handoff.comment,
        "by": str(handoff.decided_by) if handoff.decided_by else "",
    }


def _quotas(month: date, agreement: Agreement | None) -> list[dict[str, Any]]:
    if agreement is None:
        return []
    return [
        {
            "persona": found.line.persona,
            "label": agreement.label("persona", found.line.persona)
            if found.line.persona
            else _("All MQLs"),
            "quota": found.line.mqls_per_month,
            "delivered": found.delivered,
            "is_met": found.is_met,
        }
        for found in quota_months(months=[month], agreement=agreement)
    ]


def _sources(month: date) -> list[dict[str, Any]]:
    scope = scope_from(first=month.isoformat(), last=month_last_day(month).isoformat(), by="source")
    report = kpis_compute(scope)
    rows = []
    for name, figures in report.groups.items():
        figure = figures.get(MQL_FIGURE)
        if name == ALL or figure is None or not figure.value:
            continue
        rows.append({"source": name, "mqls": int(figure.value)})
    return sorted(rows, key=lambda row: (-row["mqls"], row["source"]))


def _recycling(month: date) -> list[dict[str, Any]]:
    rows = []
    for outcome in recycling_outcomes(first=month, last=month_last_day(month)):
        rows.append(
            {
                "key": outcome.key,
                "recycled": outcome.recycled,
                "came_back": outcome.came_back,
                "accepted": outcome.accepted,
                "qualified": outcome.qualified,
                "won": outcome.won,
                "median_days_back": rounded(outcome.median_days_back),
            }
        )
    return rows


def mqls_section(*, month: date, agreement: Agreement | None, as_of: datetime) -> dict[str, Any]:
    """Volume against quota by persona and by source, quality (acceptance, top reject reasons
    with example leads and comments) and recycling outcomes of ``month``."""
    labels = agreement.reason_labels() if agreement is not None else {}
    quality = scorecard_months(months=[month], now=as_of)[0]
    reasons = []
    for share in reject_reasons(month=month, labels=labels):
        examples = rejections_list(
            where={"reason": share.code}, first=month, last=month, limit=EXAMPLES
        )
        reasons.append(
            {
                "code": share.code,
                "label": share.label,
                "count": share.count,
                "percent": rounded(share.percent),
                "examples": [_rejected(h) for h in examples.handoffs],
            }
        )
    recycling = _recycling(month)
    for row in recycling:
        row["label"] = (
            _("All recycled leads")
            if row["key"] is None
            else labels.get(row["key"], row["key"] or _("No reason"))
        )
    return {
        "quotas": _quotas(month, agreement),
        "sources": _sources(month),
        "quality": {
            "delivered": quality.delivered,
            "accepted": quality.accepted,
            "rejected": quality.rejected,
            "acceptance_rate": rounded(quality.acceptance_rate),
        },
        "reasons": reasons,
        "comments": [
            _rejected(h) for h in comments_latest(first=month, last=month, limit=COMMENTS)
        ],
        "recycling": recycling,
    }
