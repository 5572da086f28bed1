"""Recalibration advice: raise a commitment a side beat N months running; explain a missed one.

A manager turns a "raise" advice into a draft agreement version (``scorecard.drafts``); the
draft is approved and activated like any other.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime
from statistics import median

from django.db.models.functions import TruncMonth
from django.utils import timezone

from smarketing.agreement.document import Agreement
from smarketing.agreement.edit import Step, steps_path
from smarketing.agreement.selectors import active_version, agreements_of
from smarketing.handoff.models import Handoff
from smarketing.scorecard.causes import Causes, recalibration_causes
from smarketing.scorecard.figures import scorecard_months, scorecard_terms
from smarketing.scorecard.months import current_month, month_add, month_bounds
from smarketing.scorecard.quotas import delivered_for, delivered_per_persona, quota_lines

MARKETING, SALES = "marketing", "sales"
RAISE, BELOW = "raise", "below"
# target → (the SLA term's hours it judges, the figure's rate)
SALES_MEASURES = {
    "accepted_in_time_percent": ("accept_hours", "accepted_in_time_rate"),
    "first_touch_in_time_percent": ("first_touch_hours", "first_touch_in_time_rate"),
}
QUOTA_STEP = 5
HOURS_FACTOR = 0.75
HOURS_STEP = 0.25


@dataclass(frozen=True)
class Advice:
    """A commitment beaten N months running (``raise``) or missed last month (``below``).

    ``measure`` is ``mqls`` (a quota line; ``scope`` its persona, empty for all MQLs) or the
    target's name (``accepted_in_time_percent``…; ``scope`` the SLA term, empty for all leads).
    ``figures`` are the months compared, oldest first, with the side's result in each.
    """

    key: str
    side: str
    kind: str
    measure: str
    scope: str
    target: float
    figures: tuple[tuple[date, float | None], ...]
    current: float | None = None
    proposed: float | None = None
    steps: tuple[Step, ...] = ()
    causes: Causes | None = None


# same(holds, term=None): whether every hand-off of the months compared (of the SLA term) was made
# under an agreement for which ``holds`` is true
Same = Callable[..., bool]


def _term_value(agreement: Agreement, key: str, field: str) -> float | None:
    """The value of ``field`` (``accept_hours``…) of the SLA term ``key``, if the term exists."""
    term = agreement.sla.term(key)
    return getattr(term, field) if term is not None else None


def _versions_per_month(months: list[date]) -> dict[date, set[tuple[int, str]]]:
    """The (agreement version, SLA term) pairs of each month's hand-offs."""
    start, _ = month_bounds(months[0])
    _, end = month_bounds(months[-1])
    rows = (
        Handoff.objects.filter(created_at__gte=start, created_at__lt=end)
        .annotate(month=TruncMonth("created_at", tzinfo=timezone.get_default_timezone()))
        .values_list("month", "version_id", "sla_term")
        .distinct()
    )
    found: dict[date, set[tuple[int, str]]] = {}
    for month, version_id, term in rows:
        local = timezone.localtime(month, timezone.get_default_timezone()).date()
        found.setdefault(local, set()).add((version_id, term))
    return found


def _lower(hours: float) -> float:
    return max(HOURS_STEP, math.floor(hours * HOURS_FACTOR / HOURS_STEP) * HOURS_STEP)


def _marketing(
    agreement: Agreement,
    months: list[date],
    same: Same,
    causes: Callable[[], Causes],
) -> list[Advice]:
    counts = delivered_per_persona(months=months)
    advice = []
    for line in quota_lines(agreement):
        delivered = [delivered_for(counts, month, line) for month in months]
        figures = tuple(zip(months, [float(d) for d in delivered], strict=True))
        steps: tuple[Step, ...] = ("quotas", line.index, "mqls_per_month")
        common = Advice(
            key=steps_path(steps),
            side=MARKETING,
            kind=BELOW,
            measure="mqls",
            scope=line.persona,
            target=line.mqls_per_month,
            figures=figures,
            current=line.mqls_per_month,
            steps=steps,
        )
        if all(d > line.mqls_per_month for d in delivered) and same(
            lambda other, line=line: other.quota_for(line.persona) == line.mqls_per_month
        ):
            proposed = math.floor(median(delivered)) // QUOTA_STEP * QUOTA_STEP
            if proposed > line.mqls_per_month:
                advice.append(replace(common, kind=RAISE, proposed=proposed))
        elif delivered[-1] < line.mqls_per_month:
            advice.append(replace(common, causes=causes()))
    return advice


def _sales(
    agreement: Agreement,
    months: list[date],
    now: datetime,
    same: Same,
    causes: Callable[[], Causes],
) -> list[Advice]:
    targets = agreement.sla.targets
    per_term = scorecard_terms(months=months, now=now)
    advice = []
    for term in agreement.sla.terms:
        key = term.key
        for target_name, (field, rate) in SALES_MEASURES.items():
            target = getattr(targets, target_name)
            found = [per_term.get((month, key)) for month in months]
            rates = [getattr(f, rate) if f is not None else None for f in found]
            beaten = all(r is not None and r > target for r in rates)
            value = getattr(term, field)
            if not beaten or not same(
                lambda other, key=key, field=field, value=value: (
                    _term_value(other, key, field) == value
                ),
                key,
            ):
                continue
            proposed = _lower(value)
            if proposed < value:
                steps: tuple[Step, ...] = ("sla", "terms", ("key", key), field)
                advice.append(
                    Advice(
                        key=steps_path(steps),
                        side=SALES,
                        kind=RAISE,
                        measure=target_name,
                        scope=key,
                        target=target,
                        figures=tuple(zip(months, rates, strict=True)),
                        current=value,
                        proposed=proposed,
                        steps=steps,
                    )
                )
    last = scorecard_months(months=months[-1:], now=now)[0]
    for target_name, (_, rate) in SALES_MEASURES.items():
        value = getattr(last, rate)
        target = getattr(targets, target_name)
        if value is not None and value < target:
            steps = ("sla", "targets", target_name)
            advice.append(
                Advice(
                    key=steps_path(steps),
                    side=SALES,
                    kind=BELOW,
                    measure=target_name,
                    scope="",
                    target=target,
                    figures=((months[-1], value),),
                    current=target,
                    steps=steps,
                    causes=causes(),
                )
            )
    return advice


def recalibration_advice(*, now: datetime | None = None) -> list[Advice]:
    """The advice on the active agreement, judged on the last N complete months.

    A commitment is beaten when the side did better than it in each of the N months (N is the
    agreement's ``recalibration.months``, 3 by default) and every hand-off of those months was
    made under the same value; it is missed when the side did worse last month.
    """
    active = active_version()
    if active is None:
        return []
    when = now or timezone.now()
    agreement = active.agreement
    count = agreement.recalibration_months
    this = current_month(when)
    months = [month_add(this, -back) for back in range(count, 0, -1)]
    per_month = _versions_per_month(months)
    agreements = agreements_of(v for pairs in per_month.values() for v, _ in pairs)

    def same(holds: Callable[[Agreement], bool], term: str | None = None) -> bool:
        """Each month had hand-offs (of the term) and all were made under the current value."""
        for month in months:
            versions = {v for v, t in per_month.get(month, set()) if term is None or t == term}
            if not versions or not all(holds(agreements[v]) for v in versions):
                return False
        return True

    found: list[Causes] = []

    def causes() -> Causes:
        if not found:
            found.append(recalibration_causes(month=months[-1], agreement=agreement))
        return found[0]

    return _marketing(agreement, months, same, causes) + _sales(
        agreement, months, when, same, causes
    )
