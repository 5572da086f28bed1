"""The scorecard page: both teams against the agreement month by month, and the advice."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from smarketing.agreement.document import Agreement
from smarketing.agreement.selectors import active_version
from smarketing.core.errors import DomainError, PermissionDeniedError
from smarketing.handoff.models import Team
from smarketing.handoff.selectors import handoffs_exist, team_by_key, team_names, teams_all
from smarketing.scorecard.advice import BELOW, MARKETING, Advice, recalibration_advice
from smarketing.scorecard.drafts import recalibration_draft_create
from smarketing.scorecard.figures import Figures, scorecard_groups, scorecard_months
from smarketing.scorecard.months import current_month, last_months
from smarketing.scorecard.quotas import quota_months, quota_pace
from smarketing.scorecard.rejections import reject_reasons
from smarketing.users.roles import Capability, user_can
from smarketing.users.selectors import user_names
from smarketing.web.pages import requires

RATES = (
    ("accepted_in_time_rate", gettext_lazy("Answered in time")),
    ("first_touch_in_time_rate", gettext_lazy("First touch in time")),
    ("follow_ups_rate", gettext_lazy("Follow-ups done")),
    ("sql_rate", gettext_lazy("MQL → SQL")),
)


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{formats.number_format(value, 0)} %"


def _number(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else formats.number_format(value, digits)


def _cells(figures: Figures) -> dict[str, str]:
    """A row of the tables, formatted."""
    return {
        "delivered": str(figures.delivered),
        "acceptance": _percent(figures.acceptance_rate),
        "in_time": _percent(figures.accepted_in_time_rate),
        "median_hours": _number(figures.median_hours_to_accept),
        "first_touch": _percent(figures.first_touch_in_time_rate),
        "follow_ups": _percent(figures.follow_ups_rate),
        "sql": _percent(figures.sql_rate),
    }


def _layout(title: str, **extra: Any) -> dict[str, Any]:
    return {
        "margin": {"t": 30, "r": 50, "b": 40, "l": 50},
        "yaxis": {"title": {"text": title}, "rangemode": "tozero"},
        "legend": {"orientation": "h"},
        **extra,
    }


def _line_label(persona: str, agreement: Agreement) -> str:
    if not persona:
        return _("All MQLs")
    return _("Persona %(persona)s") % {"persona": agreement.label("persona", persona)}


def _mql_chart(
    months: list[str], quota: list[Any], company: list[Figures], agreement: Agreement
) -> dict[str, Any]:
    data: list[dict[str, Any]] = []
    lines = sorted({q.line for q in quota}, key=lambda line: line.index)
    for line in lines:
        label = _line_label(line.persona, agreement)
        data.append(
            {
                "type": "bar",
                "name": label,
                "x": months,
                "y": [q.delivered for q in quota if q.line == line],
            }
        )
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "line": {"dash": "dash"},
                "name": _("Quota: %(line)s") % {"line": label},
                "x": months,
                "y": [line.mqls_per_month] * len(months),
            }
        )
    if not lines:
        data.append(
            {"type": "bar", "name": _("MQLs"), "x": months, "y": [f.delivered for f in company]}
        )
    return {"data": data, "layout": _layout(_("MQLs"), barmode="group")}


def _rate_chart(months: list[str], monthly: list[Figures]) -> dict[str, Any]:
    data: list[dict[str, Any]] = [
        {
            "type": "scatter",
            "mode": "lines+markers",
            "name": str(label),
            "x": months,
            "y": [getattr(f, attribute) for f in monthly],
        }
        for attribute, label in RATES
    ]
    data.append(
        {
            "type": "bar",
            "name": _("Median hours to accept"),
            "x": months,
            "y": [f.median_hours_to_accept for f in monthly],
            "yaxis": "y2",
            "opacity": 0.3,
        }
    )
    y2 = {
        "title": {"text": _("hours")},
        "overlaying": "y",
        "side": "right",
        "rangemode": "tozero",
        "tickformat": ".1f",
        "showgrid": False,
    }
    y1 = {"title": {"text": "%"}, "range": [0, 100]}
    return {"data": data, "layout": _layout("%", yaxis=y1, yaxis2=y2)}


def _quality_chart(months: list[str], company: list[Figures]) -> dict[str, Any]:
    data = [
        {
            "type": "scatter",
            "mode": "lines+markers",
            "name": _("Accepted (MQL → SAL)"),
            "x": months,
            "y": [f.acceptance_rate for f in company],
        }
    ]
    return {"data": data, "layout": _layout("%", yaxis={"range": [0, 100], "title": {"text": "%"}})}


def _figures_text(advice: Advice) -> str:
    if advice.measure == "mqls":
        return ", ".join(_number(v, 0) for _, v in advice.figures)
    return ", ".join(_percent(v) for _, v in advice.figures)


def _advice_text(advice: Advice, agreement: Agreement) -> str:
    """What the advice says, with its figures."""
    values = {
        "figures": _figures_text(advice),
        "months": len(advice.figures),
        "line": _line_label(advice.scope, agreement),
        "target": _number(advice.target, 0),
        "current": _number(advice.current, 2 if advice.current % 1 else 0)
        if advice.current is not None
        else "",
        "proposed": _number(advice.proposed, 2 if advice.proposed % 1 else 0)
        if advice.proposed is not None
        else "",
        "term": agreement.label("sla_term", advice.scope),
    }
    if advice.kind == BELOW:
        if advice.side == MARKETING:
            return (
                _("%(line)s: %(figures)s MQLs last month, below the quota of %(target)s.") % values
            )
        if advice.measure == "accepted_in_time_percent":
            return (
                _("Sales answered %(figures)s of last month's MQLs in time (target %(target)s %%).")
                % values
            )
        return (
            _("Sales touched %(figures)s of last month's MQLs in time (target %(target)s %%).")
            % values
        )
    if advice.side == MARKETING:
        return (
            _(
                "%(line)s: above the quota of %(current)s for %(months)s months running "
                "(%(figures)s). Raise it to %(proposed)s."
            )
            % values
        )
    if advice.measure == "accepted_in_time_percent":
        return (
            _(
                "Term %(term)s: answered in time %(figures)s, above the %(target)s %% target for "
                "%(months)s months running. Answer within %(proposed)s working hours instead "
                "of %(current)s."
            )
            % values
        )
    return (
        _(
            "Term %(term)s: first touch in time %(figures)s, above the %(target)s %% target for "
            "%(months)s months running. Touch within %(proposed)s working hours instead of "
            "%(current)s."
        )
        % values
    )


def _named(names: dict[int, str], figures: Figures, default: str) -> str:
    """The name of the team or person ``figures`` are grouped by (``default`` for none)."""
    group = figures.group
    return names.get(group, default) if isinstance(group, int) else default


def _filters(request: HttpRequest, months: list[date]) -> tuple[date, Team | None, dict[str, str]]:
    errors: dict[str, str] = {}
    month = months[-1]
    raw = request.GET.get("month", "")
    if raw:
        chosen = next((m for m in months if m.strftime("%Y-%m") == raw), None)
        if chosen is None:
            errors["month"] = _("Choose one of the last 12 months.")
        else:
            month = chosen
    team = None
    key = request.GET.get("team", "")
    if key:
        team = team_by_key(key=key)
        if team is None:
            errors["team"] = _("No such team.")
    return month, team, errors


@requires(Capability.VIEW_SCORECARD)
def scorecard_page(request: HttpRequest) -> HttpResponse:
    """Marketing's MQLs against the quota and sales' answers against the SLA, with the advice."""
    now = timezone.now()
    months = last_months(now, 12)
    month, team, errors = _filters(request, months)
    active = active_version()
    context: dict[str, Any] = {
        "active": active,
        "has_handoffs": handoffs_exist(),
        "months": months,
        "month": month,
        "is_current_month": month == current_month(now),
        "teams": teams_all(),
        "team": team,
        "errors": errors,
    }
    if active is None or not context["has_handoffs"]:
        return render(request, "web/scorecard.html", context)
    team_id = team.pk if team else None
    labels = [formats.date_format(m, "YEAR_MONTH_FORMAT") for m in months]
    axis = [formats.date_format(m, "M Y") for m in months]
    company = scorecard_months(months=months, now=now)
    monthly = scorecard_months(months=months, now=now, team_id=team_id) if team else company
    agreement = active.agreement
    quota = quota_months(months=months, agreement=agreement)
    by_team = scorecard_groups(month=month, by="team_id", now=now)
    by_rep = scorecard_groups(month=month, by="assignee_id", now=now, team_id=team_id)
    teams = team_names(team_ids={f.group for f in by_team if isinstance(f.group, int)})
    reps = user_names(user_ids={f.group for f in by_rep if isinstance(f.group, int)})
    advice = recalibration_advice(now=now)
    context |= {
        "pace": quota_pace(now=now, agreement=agreement),
        "reasons": reject_reasons(month=month, labels=agreement.reason_labels()),
        "mql_chart": _mql_chart(axis, quota, company, agreement),
        "quality_chart": _quality_chart(axis, company),
        "sales_chart": _rate_chart(axis, monthly),
        "monthly": [(label, _cells(f)) for label, f in zip(labels, monthly, strict=True)][::-1],
        "by_team": [(_named(teams, f, _("No team")), _cells(f)) for f in by_team],
        "by_rep": [(_named(reps, f, _("Manager's queue")), _cells(f)) for f in by_rep],
        "advice": [(a, _advice_text(a, agreement)) for a in advice],
        "causes": next((a.causes for a in advice if a.causes is not None), None),
        "can_draft": user_can(request.user, Capability.DRAFT_AGREEMENT),
    }
    return render(request, "web/scorecard.html", context)


@require_POST
@requires(Capability.DRAFT_AGREEMENT)
def scorecard_draft(request: HttpRequest) -> HttpResponse:
    """Turn an advice into a draft agreement version, then show the draft."""
    try:
        version = recalibration_draft_create(
            actor=request.user,  # type: ignore[arg-type]
            key=request.POST.get("key", ""),
        )
    except PermissionDeniedError as exc:
        raise PermissionDenied(exc.message) from exc
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("scorecard")
    messages.success(
        request,
        _("Draft v%(number)s makes this change; both teams approve it before it applies.")
        % {"number": version.number},
    )
    return redirect("agreement_detail", number=version.number)
