"""Revenue and new customers against the sales targets (docs/kpis.md, "Targets"): the company's
monthly targets (``SalesTarget`` without a team) whose month starts in the period, as the costs
are counted."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

from smarketing.contacts.choices import DealStatus, DealType
from smarketing.contacts.models import Deal
from smarketing.kpis.figures import Figure, count, money, percent
from smarketing.kpis.scope import Scope
from smarketing.marketing.models import SalesTarget

NO_TARGET = "no company target for a month of the period"


def target_figures(deals: Iterable[Deal], won_revenue: Figure, scope: Scope) -> dict[str, Figure]:
    """The period's revenue and new-customer targets, and the share of each reached."""
    period = scope.period
    won_new = sum(
        1
        for d in deals
        if d.status == DealStatus.WON
        and d.deal_type == DealType.NEW
        and d.closed_at is not None
        and period.holds(d.closed_at)
    )
    return target_figures_from(won_new, won_revenue, scope)


def target_figures_from(won_new: int, won_revenue: Figure, scope: Scope) -> dict[str, Figure]:
    """The target figures from the count of new-business deals won in the period."""
    period = scope.period
    targets = list(
        SalesTarget.objects.filter(
            team_key="", month__gte=period.first, month__lte=period.last
        ).values_list("revenue", "currency", "new_customers")
    )
    if not targets:
        return {
            "revenue target": Figure(None, scope.currency, NO_TARGET),
            "won revenue ÷ target": Figure(None, "%", NO_TARGET),
            "new customers target": Figure(None, "", NO_TARGET),
            "new customers ÷ target": Figure(None, "%", NO_TARGET),
        }
    target = money(((r, c) for r, c, _n in targets), currency=scope.currency, rates=scope.rates)
    wanted = sum(n for _r, _c, n in targets)
    return {
        "revenue target": target,
        "won revenue ÷ target": _share(won_revenue, target),
        "new customers target": count(wanted),
        "new customers ÷ target": percent(won_new, wanted, of="new-customer target"),
    }


def _share(part: Figure, whole: Figure) -> Figure:
    for figure in (part, whole):
        if figure.value is None:
            return Figure(None, "%", figure.reason)
    if not whole.value:
        return Figure(None, "%", "the revenue target is 0")
    value = Decimal(str(part.value)) * 100 / Decimal(str(whole.value))
    return Figure(value.quantize(Decimal("0.1"), ROUND_HALF_UP), "%")


def group_target_figures() -> dict[str, Figure]:
    """A group's target figures: targets are the company's, not a group's."""
    why = "targets are set for the whole company"
    return {
        "revenue target": Figure(None, "", why),
        "won revenue ÷ target": Figure(None, "%", why),
        "new customers target": Figure(None, "", why),
        "new customers ÷ target": Figure(None, "%", why),
    }
