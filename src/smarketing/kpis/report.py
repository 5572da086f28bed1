"""The KPIs of a scope, overall and per group: what the command, the API and the pages show."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from smarketing.contacts.models import Deal
from smarketing.kpis.deals import deal_figures, deals_in
from smarketing.kpis.figures import Figure
from smarketing.kpis.funnel import cohort_figures, cohorts, funnel_figures
from smarketing.kpis.journeys import Journey, journeys
from smarketing.kpis.labels import contact_labels, deal_labels
from smarketing.kpis.rollup_report import rollup_figures
from smarketing.kpis.scope import Scope
from smarketing.kpis.services import rollups_ready
from smarketing.kpis.targets import group_target_figures, target_figures
from smarketing.kpis.velocity import velocity_figures

ALL = "all"


@dataclass
class KpiReport:
    """The figures of each group (``all`` first), and the MQL cohorts of the period."""

    scope: Scope
    groups: dict[str, dict[str, Figure]] = field(default_factory=dict)
    cohorts: list[tuple[date, dict[str, Figure]]] = field(default_factory=list)

    def names(self) -> list[str]:
        """Every figure's name, in the order they are computed."""
        return list(next(iter(self.groups.values()), {}))


def kpis_compute(scope: Scope, *, rollups: bool | None = None) -> KpiReport:
    """Every figure of ``scope`` (docs/kpis.md): from the rollups when they answer it (the
    company's figures, no grouping or filter, rollups built: ADR 0018), else from the stage
    history and the deals. ``rollups`` False forces the base tables, True the rollups."""
    if rollups is None:
        rollups = not scope.by and not scope.where and rollups_ready()
    if rollups:
        report = KpiReport(scope)
        report.groups[ALL], report.cohorts = rollup_figures(scope)
        return report
    period = scope.period
    kept_contacts = _kept(scope, contact_labels)
    stories = [
        j for j in journeys(period) if kept_contacts is None or j.contact_id in kept_contacts
    ]
    deals = deals_in(period)
    kept_deals = _kept_deals(scope, deals)
    deals = [d for d in deals if kept_deals is None or d.pk in kept_deals]
    report = KpiReport(scope)
    groups: dict[str, tuple[list[Journey], list[Deal]]] = {ALL: (stories, deals)}
    if scope.by:
        contact_group = contact_labels(scope.by, {j.contact_id for j in stories})
        deal_group = deal_labels(scope.by, deals)
        buckets: dict[str, tuple[list[Journey], list[Deal]]] = {}
        for journey in stories:  # one pass each, whatever the number of groups
            label = contact_group.get(journey.contact_id)
            if label is not None:
                buckets.setdefault(label, ([], []))[0].append(journey)
        for deal in deals:
            if (label := deal_group.get(deal.pk)) is not None:
                buckets.setdefault(label, ([], []))[1].append(deal)
        groups.update(sorted(buckets.items()))
    for name, (group_stories, group_deals) in groups.items():
        figures = funnel_figures(group_stories, period)
        figures.update(velocity_figures(group_stories, period))
        figures.update(deal_figures(group_deals, scope))
        if name == ALL:
            figures.update(target_figures(group_deals, figures["won revenue"], scope))
        else:
            figures.update(group_target_figures())
        report.groups[name] = figures
    report.cohorts = [
        (month, cohort_figures(size, reached)) for month, size, reached in cohorts(stories, period)
    ]
    return report


def _kept(scope: Scope, labels) -> set[int] | None:  # type: ignore[no-untyped-def]
    """The contacts every filter of ``scope`` keeps (None: no filter)."""
    kept: set[int] | None = None
    for dimension, value in scope.where.items():
        matching = {pk for pk, label in labels(dimension).items() if label == value}
        kept = matching if kept is None else kept & matching
    return kept


def _kept_deals(scope: Scope, deals: list[Deal]) -> set[int] | None:
    kept: set[int] | None = None
    for dimension, value in scope.where.items():
        matching = {pk for pk, label in deal_labels(dimension, deals).items() if label == value}
        kept = matching if kept is None else kept & matching
    return kept


def report_json(report: KpiReport, *, cohorts: bool = False) -> dict[str, object]:
    """The report as JSON data: the command's ``--format json`` and the API's answer."""
    period = report.scope.period
    data: dict[str, object] = {
        "from": period.first.isoformat(),
        "to": period.last.isoformat(),
        "by": report.scope.by,
        "where": report.scope.where,
        "currency": report.scope.currency,
    }
    if cohorts:
        data["cohorts"] = [
            {"month": month.strftime("%Y-%m"), "figures": _figures_json(figures)}
            for month, figures in report.cohorts
        ]
    else:
        data["groups"] = {group: _figures_json(figures) for group, figures in report.groups.items()}
    return data


def _figures_json(figures: dict[str, Figure]) -> dict[str, dict[str, object]]:
    return {name: figure.as_json() for name, figure in figures.items()}
