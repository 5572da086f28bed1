"""Sales' feedback for marketing: why leads are rejected, month by month, by reason, persona,
campaign and salesperson, with the comments and the leads behind each count; and what became
of the recycled leads."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from smarketing.agreement.document import Agreement
from smarketing.agreement.selectors import active_version
from smarketing.nurturing.outcomes import recycling_outcomes
from smarketing.scorecard.feedback import (
    DIMENSIONS,
    FeedbackTable,
    comments_latest,
    rejections_list,
    rejections_table,
)
from smarketing.scorecard.months import current_month, month_add
from smarketing.users.roles import Capability
from smarketing.users.selectors import user_names
from smarketing.web.pages import requires

SPANS = (3, 6, 12)
TITLES = {
    "reason": gettext_lazy("By reason"),
    "persona": gettext_lazy("By persona"),
    "campaign": gettext_lazy("By campaign"),
    "rep": gettext_lazy("By salesperson"),
}


def _span(request: HttpRequest) -> int:
    asked = request.GET.get("months", "")
    return int(asked) if asked.isascii() and asked.isdigit() and int(asked) in SPANS else 6


class Labels:
    """The words shown for each dimension's values."""

    def __init__(self, agreement: Agreement | None, rep_ids: set[int | None]) -> None:
        self.agreement = agreement
        self.reps = user_names(user_ids=rep_ids)

    def __call__(self, dimension: str, value: str) -> str:
        if dimension == "rep":
            return self.reps.get(int(value), value) if value.isdigit() else _("Nobody")
        if not value:
            return _("None") if dimension != "campaign" else _("No campaign")
        if self.agreement is not None and dimension in ("reason", "persona"):
            return self.agreement.label("reason" if dimension == "reason" else "persona", value)
        return value


def _table(table: FeedbackTable, labels: Labels) -> dict[str, Any]:
    dimension = table.dimension
    rows = []
    for value, counts, total in table.rows:
        cells = []
        for month, count in zip(table.months, counts, strict=True):
            query = {dimension: value, "month": month.strftime("%Y-%m")}
            cells.append({"count": count, "query": urlencode(query)})
        rows.append(
            {"label": labels(dimension, value), "cells": cells, "total": total, "value": value}
        )
    return {
        "dimension": dimension,
        "title": TITLES[dimension],
        "rows": rows,
        "totals": table.totals,
    }


def _outcomes(first: date, last: date, agreement: Agreement | None) -> list[dict[str, Any]]:
    lines = []
    for outcome in recycling_outcomes(first=first, last=last, by="reason_code"):
        if outcome.key is None:
            label = _("All recycled leads")
        elif outcome.key == "":
            label = _("No reject reason (returned, lost, moved by hand)")
        else:
            label = agreement.label("reason", outcome.key) if agreement else outcome.key
        lines.append({"label": label, "outcome": outcome, "total": outcome.key is None})
    return lines


@requires(Capability.VIEW_SCORECARD)
def feedback_page(request: HttpRequest) -> HttpResponse:
    """The last months' rejections by each dimension, the latest comments, the recycling."""
    span = _span(request)
    last = current_month(timezone.now())
    first = month_add(last, -(span - 1))
    version = active_version()
    agreement = version.agreement if version else None
    tables = [rejections_table(dimension=d, first=first, last=last) for d in DIMENSIONS]
    rep_ids: set[int | None] = {
        int(v) for t in tables if t.dimension == "rep" for v, _c, _t in t.rows if v.isdigit()
    }
    labels = Labels(agreement, rep_ids)
    context = {
        "span": span,
        "spans": SPANS,
        "months": tables[0].months,
        "tables": [_table(table, labels) for table in tables],
        "comments": [
            (h, labels("reason", h.reason_code)) for h in comments_latest(first=first, last=last)
        ],
        "outcomes": _outcomes(first, last, agreement),
    }
    return render(request, "web/feedback.html", context)


def _month(text: str) -> date | None:
    try:
        year, month = (int(part) for part in text.split("-"))
        return date(year, month, 1)
    except ValueError:
        return None


@requires(Capability.VIEW_SCORECARD)
def rejection_list_page(request: HttpRequest) -> HttpResponse:
    """The rejected leads behind a count of the feedback page, with their comments."""
    month = _month(request.GET.get("month", ""))
    last = month or current_month(timezone.now())
    first = month or month_add(last, -11)
    where = {d: request.GET[d] for d in DIMENSIONS if d in request.GET}
    if "rep" in where and where["rep"] and not where["rep"].isdigit():
        where["rep"] = "-1"  # no such salesperson: an empty list, not an error
    asked_after = request.GET.get("after", "")
    after = int(asked_after) if asked_after.isascii() and asked_after.isdigit() else None
    page = rejections_list(where=where, first=first, last=last, after=after)
    version = active_version()
    agreement = version.agreement if version else None
    labels = Labels(
        agreement,
        {h.decided_by_id for h in page.handoffs}
        | {int(where["rep"]) if where.get("rep", "").isdigit() else None},
    )
    rows = [
        {
            "handoff": h,
            "reason": labels("reason", h.reason_code),
            "persona": labels("persona", h.persona),
            "campaign": labels("campaign", h.campaign_name or ""),  # type: ignore[attr-defined]
        }
        for h in page.handoffs
    ]
    context = {
        "rows": rows,
        "filters": [(TITLES[d], labels(d, v)) for d, v in where.items()],
        "month": month,
        "next_query": urlencode({**request.GET.dict(), "after": page.next_after})
        if page.next_after
        else "",
    }
    return render(request, "web/feedback_rejections.html", context)
