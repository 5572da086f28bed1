"""Recommendations derived from a month's figures, each with its figures and the action it
proposes (the rules are written for people in ``docs/review.md``).

- the scorecard's recalibration advice (``scorecard.advice``): "raise" → a draft agreement
  version with the proposed value, "below" → find the cause;
- a reject reason over :data:`REASON_SHARE` % of the month's rejections → review its criteria;
- a salesperson whose first touch in time is under the agreement's target → a lower capacity,
  in proportion (capacity × rate ÷ target, rounded down, at least 1);
- the most voted open content request → produce it.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from smarketing.agreement.document import Agreement
from smarketing.handoff.capacity import team_loads
from smarketing.review.choices import RecommendationKind as Kind
from smarketing.scorecard.advice import RAISE, Advice, recalibration_advice

REASON_SHARE = 30.0
MEASURES = {
    "mqls": gettext_lazy("MQLs delivered"),
    "accepted_in_time_percent": gettext_lazy("% answered in time"),
    "first_touch_in_time_percent": gettext_lazy("Share of first touches in time"),
}


def _number(value: float | None) -> str:
    return "—" if value is None else f"{value:g}"


def _raise_title(advice: Advice, agreement: Agreement) -> str:
    values = {
        "count": len(advice.figures),
        "current": _number(advice.current),
        "proposed": _number(advice.proposed),
    }
    if advice.measure == "mqls":
        if advice.scope:
            return _(
                "Marketing beat the MQL quota of %(persona)s %(count)s months running: raise it "
                "from %(current)s to %(proposed)s"
            ) % {**values, "persona": agreement.label("persona", advice.scope)}
        return (
            _(
                "Marketing beat the MQL quota %(count)s months running: raise it from "
                "%(current)s to %(proposed)s"
            )
            % values
        )
    term = agreement.label("sla_term", advice.scope)
    if advice.measure == "accepted_in_time_percent":
        return _(
            "Sales answered in time %(count)s months running (SLA term %(term)s): shorten the "
            "answer time from %(current)s h to %(proposed)s h"
        ) % {**values, "term": term}
    return _(
        "Sales touched leads in time %(count)s months running (SLA term %(term)s): shorten the "
        "first-touch time from %(current)s h to %(proposed)s h"
    ) % {**values, "term": term}


def _advice(advice: Advice, agreement: Agreement) -> dict[str, Any]:
    measure = str(MEASURES.get(advice.measure, advice.measure))
    figures = [[f"{month:%Y-%m}", _number(value)] for month, value in advice.figures]
    common = {
        "key": f"{advice.kind}:{advice.key}",
        "advice_key": advice.key,
        "side": advice.side,
        "measure": advice.measure,
        "persona": advice.scope if advice.measure == "mqls" else "",
        "current": advice.current,
        "proposed": advice.proposed,
        "figures": [[measure, ""], *figures, [_("commitment"), _number(advice.target)]],
    }
    if advice.kind == RAISE:
        return {
            **common,
            "kind": Kind.RAISE.value,
            "title": _raise_title(advice, agreement),
            "action": _("A draft agreement version with the new value, and its backtest."),
        }
    return {
        **common,
        "kind": Kind.BELOW.value,
        "title": _(
            "%(measure)s: %(value)s in %(month)s against a commitment of %(target)s: find the cause"
        )
        % {
            "measure": measure,
            "value": _number(advice.figures[-1][1]),
            "month": f"{advice.figures[-1][0]:%Y-%m}",
            "target": _number(advice.target),
        },
        "action": _("Look into the causes: reject reasons, reps at capacity, absences."),
    }


def _reasons(mqls: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    total = sum(reason["count"] for reason in mqls["reasons"])
    for reason in mqls["reasons"]:
        if reason["percent"] is None or reason["percent"] <= REASON_SHARE:
            continue
        found.append(
            {
                "key": f"criteria:{reason['code']}",
                "kind": Kind.CRITERIA.value,
                "reason_code": reason["code"],
                "percent": reason["percent"],
                "title": _("%(percent)s %% of rejections are “%(reason)s”: review its criteria")
                % {"percent": f"{reason['percent']:g}", "reason": reason["label"]},
                "figures": [[_("rejections"), str(total)], [reason["label"], str(reason["count"])]],
                "action": _("Review the criteria of %(reason)s in the agreement.")
                % {"reason": reason["label"]},
            }
        )
    return found


def _capacity(sales: dict[str, Any], target: float | None, now: datetime) -> list[dict[str, Any]]:
    if target is None:
        return []
    late = [
        rep
        for rep in sales["reps"]
        if isinstance(rep["user_id"], int)
        and rep["first_touch_in_time"] is not None
        and rep["first_touch_in_time"] < target
    ]
    if not late:
        return []
    capacities = {r.user_id: r.capacity for load in team_loads(now=now) for r in load.reps}
    found = []
    for rep in late:
        capacity = capacities.get(rep["user_id"])
        if capacity is None:
            continue
        proposed = max(1, math.floor(capacity * rep["first_touch_in_time"] / target))
        if proposed >= capacity:
            continue
        found.append(
            {
                "key": f"capacity:{rep['user_id']}",
                "kind": Kind.CAPACITY.value,
                "user_id": rep["user_id"],
                "current": capacity,
                "proposed": proposed,
                "rate": rep["first_touch_in_time"],
                "title": _(
                    "%(name)s misses first touch in %(missed)s %% of cases: capacity "
                    "%(current)s → %(proposed)s?"
                )
                % {
                    "name": rep["name"],
                    "missed": f"{100 - rep['first_touch_in_time']:g}",
                    "current": capacity,
                    "proposed": proposed,
                },
                "figures": [
                    [_("Share of first touches in time"), f"{rep['first_touch_in_time']:g}"],
                    [_("target"), f"{target:g}"],
                    [_("open MQLs allowed"), str(capacity)],
                ],
                "action": _("Lower %(name)s's capacity to %(proposed)s open MQLs.")
                % {"name": rep["name"], "proposed": proposed},
            }
        )
    return found


def _content(content: dict[str, Any]) -> list[dict[str, Any]]:
    voted = [r for r in content["requests"] if r["votes"]]
    if not voted:
        return []
    top = voted[0]
    return [
        {
            "key": f"content:{top['request_id']}",
            "kind": Kind.CONTENT.value,
            "request_id": top["request_id"],
            "title": _("The most requested content (%(votes)s votes): “%(title)s”")
            % {"votes": top["votes"], "title": top["title"]},
            "figures": [[_("votes"), str(top["votes"])], [_("status"), top["status"]]],
            "action": _("Plan this content request and give it an owner."),
        }
    ]


def recommendations_derive(
    *,
    agreement: Agreement | None,
    as_of: datetime,
    sections: dict[str, Any],
) -> list[dict[str, Any]]:
    """The month's recommendations, each with a key unique within its pack."""
    found: list[dict[str, Any]] = []
    if agreement is not None:
        found += [_advice(advice, agreement) for advice in recalibration_advice(now=as_of)]
    found += _reasons(sections["mqls"])
    target = agreement.sla.targets.first_touch_in_time_percent if agreement is not None else None
    found += _capacity(sections["sales"], target, as_of)
    found += _content(sections["content"])
    return found
