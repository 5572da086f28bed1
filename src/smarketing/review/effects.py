"""The decisions of the previous pack and their measured effect since, which open the next
pack: for a quota raise, the months at or above the new quota since and whether its draft was
activated; for a reject reason, its share now; for a capacity change, the rep's first touch in
time now and their capacity; for a content request, where it stands."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.utils.translation import gettext as _

from smarketing.agreement.models import VersionStatus
from smarketing.handoff.capacity import team_loads
from smarketing.marketing.content_report import content_request_get
from smarketing.review.choices import RecommendationKind as Kind
from smarketing.review.models import Decision, ReviewPack
from smarketing.scorecard.figures import scorecard_months
from smarketing.scorecard.months import month_add
from smarketing.scorecard.quotas import QuotaLine, delivered_for, delivered_per_persona
from smarketing.scorecard.rejections import reject_reasons

ACTIVATED = (VersionStatus.ACTIVE, VersionStatus.RETIRED)


def months_between(after: date, until: date) -> list[date]:
    """The months after ``after`` up to ``until`` included, oldest first."""
    months, month = [], month_add(after, 1)
    while month <= until:
        months.append(month)
        month = month_add(month, 1)
    return months


def _draft(decision: Decision) -> str:
    draft = decision.draft
    if draft is None:
        return ""
    if draft.status in ACTIVATED:
        return _("draft v%(number)s activated") % {"number": draft.number}
    return _("draft v%(number)s not activated yet (%(status)s)") % {
        "number": draft.number,
        "status": draft.get_status_display(),
    }


def _raise(recommendation: dict[str, Any], since: list[date]) -> str:
    if recommendation.get("measure") != "mqls" or recommendation.get("proposed") is None:
        return ""
    quota = int(recommendation["proposed"])
    line = QuotaLine(0, recommendation.get("persona", ""), quota)
    counts = delivered_per_persona(months=since)
    above = sum(delivered_for(counts, month, line) >= quota for month in since)
    return _("%(above)s of %(months)s months at or above the new quota of %(quota)s since") % {
        "above": above,
        "months": len(since),
        "quota": quota,
    }


def _criteria(recommendation: dict[str, Any], month: date) -> str:
    code = recommendation["reason_code"]
    now = next((r.percent for r in reject_reasons(month=month, labels={}) if r.code == code), 0.0)
    return _("%(then)s %% of rejections then, %(now)s %% in %(month)s") % {
        "then": f"{recommendation['percent']:g}",
        "now": f"{round(now, 1):g}",
        "month": f"{month:%Y-%m}",
    }


def _capacity(recommendation: dict[str, Any], month: date, as_of: datetime) -> str:
    user_id = recommendation["user_id"]
    figures = scorecard_months(months=[month], now=as_of, assignee_id=user_id)[0]
    rate = figures.first_touch_in_time_rate
    capacities = {r.user_id: r.capacity for load in team_loads(now=as_of) for r in load.reps}
    return _("first touch in time %(then)s %% then, %(now)s in %(month)s; capacity now %(cap)s") % {
        "then": f"{recommendation['rate']:g}",
        "now": "—" if rate is None else f"{round(rate, 1):g} %",
        "month": f"{month:%Y-%m}",
        "cap": capacities.get(user_id) or "—",
    }


def _content(recommendation: dict[str, Any]) -> str:
    request = content_request_get(request_id=recommendation["request_id"])
    if request is None:
        return _("the request was deleted")
    return _("the request is now %(status)s") % {"status": request.get_status_display()}


def _effect(decision: Decision, previous: ReviewPack, month: date, as_of: datetime) -> str:
    recommendation = previous.recommendation(decision.recommendation_key)
    if recommendation is None:
        return ""
    kind = recommendation["kind"]
    if kind == Kind.RAISE:
        return _raise(recommendation, months_between(previous.month, month))
    if kind == Kind.CRITERIA:
        return _criteria(recommendation, month)
    if kind == Kind.CAPACITY:
        return _capacity(recommendation, month, as_of)
    if kind == Kind.CONTENT:
        return _content(recommendation)
    return ""


def decisions_followed(*, month: date, as_of: datetime) -> dict[str, Any] | None:
    """The decisions of the previous month's pack with their effect up to ``month`` (None when
    there is no previous pack)."""
    previous = ReviewPack.objects.filter(month=month_add(month, -1)).first()
    if previous is None:
        return None
    decisions = previous.decisions.select_related("owner", "decided_by", "draft")
    return {
        "month": f"{previous.month:%Y-%m}",
        "decisions": [
            {
                "kind": decision.kind,
                "kind_label": decision.get_kind_display(),
                "text": decision.text,
                "owner": str(decision.owner) if decision.owner else "",
                "due_on": decision.due_on.isoformat() if decision.due_on else "",
                "note": decision.note,
                "draft": _draft(decision),
                "draft_number": decision.draft.number if decision.draft else None,
                "effect": _effect(decision, previous, month, as_of),
            }
            for decision in decisions
        ],
    }
