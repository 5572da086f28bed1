"""The agreement as a document people read, and the changes between two versions, in words.

:func:`agreement_readable` turns a typed :class:`~smarketing.agreement.document.Agreement` into
sections of entries, each entry a title and its facts (what → value), written in the active
language: labels instead of codes, event types and dispositions by their names, numbers in the
locale's format. :func:`agreement_changes` compares two agreements entry by entry and fact by
fact, so a change reads "SLA term “Hot lead”: Answer within: 4 h → 2 h". Both are pure
functions of the typed agreement: the page only shows what they return.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from smarketing.agreement.choices import FitField
from smarketing.agreement.document import (
    Agreement,
    Criterion,
    EngagementRule,
    RoutingRule,
    SlaTerm,
)
from smarketing.tracking.choices import EventType


@dataclass(frozen=True)
class Entry:
    """One thing the agreement sets: a persona, a rule, a term… ``key`` identifies it across
    versions and is never shown; ``facts`` are (what, value) pairs, in the document's order;
    ``kind`` names it in a change ("SLA term"), none for the section's own settings."""

    key: str
    title: str
    facts: tuple[tuple[str, str], ...]
    kind: str = ""

    @property
    def subject(self) -> str:
        """How a change names it: "SLA term “Hot lead”", or "Decay"."""
        return _("%(kind)s “%(title)s”") % vars(self) if self.kind else self.title


@dataclass(frozen=True)
class Section:
    """A part of the agreement, its entries in the document's order."""

    key: str
    title: str
    intro: str
    entries: tuple[Entry, ...]


@dataclass(frozen=True)
class Change:
    """One change between two versions, as a sentence; ``how`` is added, removed or changed."""

    how: str
    text: str


@dataclass(frozen=True)
class SectionChanges:
    """The changes of one section, in the order of the document."""

    key: str
    title: str
    changes: tuple[Change, ...]


def number(value: float) -> str:
    """A number in the active locale's format, without a useless ``.0`` (2 → "2", 2.5 → "2.5",
    "2,5" in French), thousands grouped."""
    shown: float | int = int(value) if float(value).is_integer() else value
    return formats.number_format(shown, use_l10n=True, force_grouping=True)


def _words(values: Iterable[object]) -> str:
    return ", ".join(str(v) for v in values)


def _grade(grade: str) -> str:
    return grade if grade == "D" else _("%(grade)s or better") % {"grade": grade}


def _points(value: float) -> str:
    return _("%(points)s points") % {"points": number(value)}


def _unique(facts: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """The facts, a second fact of the same name numbered ("Job title (2)")."""
    seen: dict[str, int] = {}
    out = []
    for what, value in facts:
        seen[what] = seen.get(what, 0) + 1
        out.append((what if seen[what] == 1 else f"{what} ({seen[what]})", value))
    return tuple(out)


def _criterion(criterion: Criterion) -> tuple[str, str]:
    what = str(FitField(criterion.field).label)
    if criterion.contains_any is not None:
        words = _words(_("“%(label)s”") % {"label": word} for word in criterion.contains_any)
        test = _("contains %(words)s") % {"words": words}
    elif criterion.values is not None:
        test = _("is one of %(values)s") % {"values": _words(criterion.values)}
    elif criterion.min is not None and criterion.max is not None:
        test = _("from %(low)s to %(high)s") % {
            "low": number(criterion.min),
            "high": number(criterion.max),
        }
    elif criterion.min is not None:
        test = _("at least %(low)s") % {"low": number(criterion.min)}
    else:
        test = _("at most %(high)s") % {"high": number(criterion.max or 0)}
    return what, f"{test} → {_points(criterion.weight)}"


def _fit(agreement: Agreement) -> Section:
    grades = agreement.fit.grades
    thresholds = [(g, _("from %(points)s") % {"points": _points(t)}) for g, t in grades.pairs()]
    thresholds.append(("D", _("below %(points)s") % {"points": _points(grades.c)}))
    kind = pgettext("agreement", "Persona")
    personas = tuple(
        Entry(p.key, agreement.label("persona", p.key), _unique(map(_criterion, p.criteria)), kind)
        for p in agreement.fit.personas
    )
    return Section(
        "fit",
        _("Personas and fit"),
        _(
            "A contact earns the points of every criterion it meets; its best persona gives "
            "its fit grade."
        ),
        (Entry("grades", _("Fit grades"), tuple(thresholds)), *personas),
    )


def _event(event: str) -> str:
    return str(EventType(event).label) if event in EventType.values else event


def _rule(rule: EngagementRule) -> Entry:
    names = {"path": _("page")}  # the event property rules name most, in words
    where = _words(f"{names.get(k, k)} = {value}" for k, value in rule.where.items())
    title = f"{_event(rule.event)} ({where})" if where else _event(rule.event)
    facts = [(_("Points"), number(rule.points))]
    if rule.cap is not None:
        count, days = number(rule.cap.count), number(rule.cap.per_days)
        cap = _("%(count)s times every %(days)s days") % {"count": count, "days": days}
        facts.append((_("Counted at most"), cap))
    return Entry(rule.key, title, tuple(facts), pgettext("agreement", "Engagement rule"))


def _engagement(agreement: Agreement) -> Section:
    days = _("%(days)s days") % {"days": number(agreement.engagement.half_life_days)}
    decay = Entry("decay", _("Decay"), ((_("Half-life (points lose half their value)"), days),))
    return Section(
        "engagement",
        _("Engagement"),
        _("Points earned from what a contact does; the first rule that matches an event counts."),
        (decay, *map(_rule, agreement.engagement.rules)),
    )


def _mql(agreement: Agreement) -> Section:
    mql = agreement.mql
    facts = [
        (_("Minimum fit"), _grade(mql.min_fit)),
        (_("Minimum engagement"), _points(mql.min_engagement)),
    ]
    facts += [
        (
            _("Fast track: %(event)s") % {"event": _event(fast.event)},
            _("MQL at once with fit %(grade)s") % {"grade": _grade(fast.min_fit)},
        )
        for fast in mql.fast_track
    ]
    return Section(
        "mql",
        _("When a lead becomes an MQL"),
        _("A lead meeting both minimums, or a fast track, is handed over to sales."),
        (Entry("rule", _("The MQL rule"), tuple(facts)),),
    )


def _exclusions(agreement: Agreement) -> Section:
    rules = agreement.exclusions
    lists = (
        (_("Competitors' domains"), rules.competitor_domains),
        (_("Free e-mail domains"), rules.free_mail_domains),
        (_("Students' job titles"), rules.student_titles),
        (_("Countries out of target"), rules.countries_out_of_target),
    )
    facts = [(what, _words(values)) for what, values in lists if values]
    facts.append(
        (_("Contacts who opted out"), _("excluded") if rules.opted_out else _("not excluded"))
    )
    return Section(
        "exclusions",
        _("Exclusions"),
        _("Out of target whatever their points."),
        (Entry("exclusions", _("Out of target"), tuple(facts)),),
    )


def _routing_rule(agreement: Agreement, order: int, rule: RoutingRule) -> Entry:
    facts = [(_("Order"), number(order)), (_("Who gets the lead"), str(rule.kind.label))]
    if rule.team:
        facts.append((_("Team"), rule.team))
    for what, values in (
        (_("Countries"), rule.countries),
        (_("Sectors"), rule.sectors),
        (_("Sizes"), rule.size_bands),
    ):
        if values:
            facts.append((what, _words(values)))
    title = agreement.label("routing_rule", rule.key)
    return Entry(rule.key, title, tuple(facts), pgettext("agreement", "Routing rule"))


def _routing(agreement: Agreement) -> Section:
    routing = agreement.routing
    rules = routing.rules if routing else ()
    limit = routing.max_open_mqls if routing else None
    most = _("at most %(count)s") % {"count": number(limit)} if limit else _("no limit")
    capacity = Entry("capacity", _("Capacity"), ((_("Open MQLs per salesperson"), most),))
    return Section(
        "routing",
        _("Routing"),
        _("Who gets an MQL: the first rule that applies."),
        (*(_routing_rule(agreement, n, r) for n, r in enumerate(rules, start=1)), capacity),
    )


def _hours(value: float) -> str:
    return _("%(hours)s h") % {"hours": number(value)}


def _term(agreement: Agreement, term: SlaTerm) -> Entry:
    applies = [_("fit %(grade)s") % {"grade": _grade(term.min_fit)}] if term.min_fit else []
    if term.persona:
        applies.append(agreement.label("persona", term.persona))
    follow_ups = {"count": number(term.follow_ups), "days": number(term.follow_up_days)}
    facts = (
        (_("Applies to"), ", ".join(applies) or _("every lead")),
        (_("Answer within"), _hours(term.accept_hours)),
        (_("First touch within"), _hours(term.first_touch_hours)),
        (_("Follow-ups"), _("%(count)s within %(days)s days") % follow_ups),
    )
    title = agreement.label("sla_term", term.key)
    return Entry(term.key, title, facts, pgettext("agreement", "SLA term"))


def _sla(agreement: Agreement) -> Section:
    sla = agreement.sla
    clocks = [(_("At risk from"), f"{number(sla.at_risk_percent)} %")]
    clocks += [
        (
            _("At %(percent)s %% of the answer time") % {"percent": number(step.at_percent)},
            str(step.action.label),
        )
        for step in sla.escalation
    ]
    targets = (
        (_("Leads answered in time"), f"{number(sla.targets.accepted_in_time_percent)} %"),
        (_("Leads touched in time"), f"{number(sla.targets.first_touch_in_time_percent)} %"),
    )
    return Section(
        "sla",
        _("Sales' commitments (SLA)"),
        _("Per lead, the first term that applies; hours are working hours of the team."),
        (
            *(_term(agreement, t) for t in sla.terms),
            Entry("clocks", _("Clocks and escalation"), tuple(clocks)),
            Entry("targets", _("Targets"), targets),
        ),
    )


def _quotas(agreement: Agreement) -> Section:
    entries = tuple(
        Entry(
            f"quota:{q.persona}",
            agreement.label("persona", q.persona) if q.persona else _("All MQLs"),
            ((_("MQLs per month"), number(q.mqls_per_month)),),
            pgettext("agreement", "Quota"),
        )
        for q in agreement.quotas
    )
    return Section(
        "quotas",
        _("Marketing's commitments (quotas)"),
        _("The MQLs marketing hands over each month."),
        entries,
    )


def _reasons(agreement: Agreement) -> Section:
    entries = tuple(
        Entry(
            r.code,
            agreement.label("reason", r.code),
            ((_("Where the lead goes"), str(r.disposition.label)),),
            pgettext("agreement", "Reason"),
        )
        for r in agreement.reasons
    )
    return Section(
        "reasons",
        _("Reasons to reject a lead"),
        _("Sales gives one when rejecting an MQL; it decides where the lead goes next."),
        entries,
    )


def _recalibration(agreement: Agreement) -> Section:
    months = _("%(months)s months running") % {"months": number(agreement.recalibration_months)}
    fact = (_("Propose a higher commitment once beaten"), months)
    return Section(
        "recalibration",
        _("Recalibration"),
        _("When the scorecard proposes to revise a commitment."),
        (Entry("recalibration", _("Review"), (fact,)),),
    )


SECTIONS: tuple[Callable[[Agreement], Section], ...] = (
    _fit,
    _engagement,
    _mql,
    _exclusions,
    _routing,
    _sla,
    _quotas,
    _reasons,
    _recalibration,
)


def agreement_readable(agreement: Agreement) -> list[Section]:
    """The agreement as sections a person reads, in the active language."""
    return [build(agreement) for build in SECTIONS]


def _entry_changes(before: Entry, after: Entry) -> list[Change]:
    changes = []
    if before.title != after.title:
        text = _("%(before)s renamed “%(after)s”")
        changes.append(Change("changed", text % {"before": before.subject, "after": after.title}))
    old, new = dict(before.facts), dict(after.facts)
    for what in [w for w, _v in after.facts] + [w for w, _v in before.facts if w not in new]:
        values = {"subject": after.subject, "what": what}
        if what not in old:
            text = _("%(subject)s: %(what)s: %(after)s (new)")
            changes.append(Change("added", text % (values | {"after": new[what]})))
        elif what not in new:
            text = _("%(subject)s: %(what)s: %(before)s (removed)")
            changes.append(Change("removed", text % (values | {"before": old[what]})))
        elif old[what] != new[what]:
            text = _("%(subject)s: %(what)s: %(before)s → %(after)s")
            values |= {"before": old[what], "after": new[what]}
            changes.append(Change("changed", text % values))
    return changes


def _section_changes(before: Section, after: Section) -> list[Change]:
    # an entry is known by its kind and key: a persona keyed "grades" is not the grades
    old = {(e.kind, e.key): e for e in before.entries}
    new = {(e.kind, e.key): e for e in after.entries}
    changes = []
    for entry in after.entries:
        if (entry.kind, entry.key) not in old:
            changes.append(Change("added", _("%(subject)s added") % {"subject": entry.subject}))
        else:
            changes += _entry_changes(old[entry.kind, entry.key], entry)
    for entry in before.entries:
        if (entry.kind, entry.key) not in new:
            text = _("%(subject)s removed") % {"subject": entry.subject}
            changes.append(Change("removed", text))
    return changes


def agreement_changes(before: Agreement, after: Agreement) -> list[SectionChanges]:
    """What changed from ``before`` to ``after``, section by section (only the sections that
    changed), in the active language; the name first when it changed."""
    found = []
    if before.name != after.name:
        text = _("Name: %(before)s → %(after)s") % {"before": before.name, "after": after.name}
        found.append(SectionChanges("name", _("Name"), (Change("changed", text),)))
    for old, new in zip(agreement_readable(before), agreement_readable(after), strict=True):
        changes = _section_changes(old, new)
        if changes:
            found.append(SectionChanges(new.key, new.title, tuple(changes)))
    return found
