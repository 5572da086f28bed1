"""The agreement as typed, frozen objects: what every other part of the product reads.

:func:`~smarketing.agreement.loading.agreement_from_document` builds an :class:`Agreement`
from a document that :func:`~smarketing.agreement.validation.agreement_parse` checked. The YAML
format is the one
``schema.py`` describes; versions stored before these objects existed load unchanged. What the
document leaves out takes the defaults written here (the SLA's at-risk share and escalation
ladder, the targets of the scorecard, the recalibration's months), so no reader has to know
them. Outside ``smarketing.agreement`` no code reads the raw document: it asks
``agreement.selectors`` for a version and reads ``version.agreement``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from django.utils.translation import get_language

from smarketing.agreement.choices import GRADES, Disposition, EscalationAction, RoutingKind

EMPTY: Mapping[str, Any] = MappingProxyType({})
LABEL_KINDS = ("reason", "persona", "sla_term", "routing_rule")


def humanised(code: str) -> str:
    """A code as words, for a code without a label (``"wrong_size"`` → "Wrong size")."""
    words = " ".join(code.replace("_", " ").replace("-", " ").split())
    return words[:1].upper() + words[1:]


def label_in(labels: Mapping[str, str], language: str, default: str) -> str:
    """The label in ``language`` (``fr-ca`` also tries ``fr``), else English, else the first,
    else ``default``."""
    wanted = language.lower().replace("_", "-")
    for key in (wanted, wanted.split("-")[0], "en"):
        if key in labels:
            return labels[key]
    return next(iter(labels.values()), default)


def grade_at_least(grade: str, minimum: str) -> bool:
    """Whether ``grade`` is ``minimum`` or better (A is best)."""
    return GRADES.index(grade) <= GRADES.index(minimum)


def grades_from(minimum: str) -> str:
    """The grades at least ``minimum``, best first (``"B"`` → ``"AB"``)."""
    return "".join(GRADES[: GRADES.index(minimum) + 1])


@dataclass(frozen=True)
class Criterion:
    """One test of a persona: words in a text field, one of some values, or a number range."""

    field: str
    weight: int
    contains_any: tuple[str, ...] | None = None
    values: tuple[Any, ...] | None = None  # the YAML's ``in``
    min: float | None = None
    max: float | None = None


@dataclass(frozen=True)
class Persona:
    """A buyer persona and the criteria of its fit points."""

    key: str
    name: str  # in English, else the first language written (``labels`` has them all)
    criteria: tuple[Criterion, ...]
    labels: Mapping[str, str] = field(default_factory=lambda: EMPTY)  # language → name


@dataclass(frozen=True)
class GradeThresholds:
    """The fit points a contact needs for A, B and C (below C: D)."""

    a: float
    b: float
    c: float

    def grade_for(self, points: float) -> str:
        """A, B or C when ``points`` reach that threshold, else D."""
        for grade, threshold in self.pairs():
            if points >= threshold:
                return grade
        return "D"

    def pairs(self) -> tuple[tuple[str, float], ...]:
        """``(("A", a), ("B", b), ("C", c))``."""
        return (("A", self.a), ("B", self.b), ("C", self.c))


@dataclass(frozen=True)
class FitRules:
    """The agreement's ``fit``: grade thresholds and personas (the best match counts)."""

    grades: GradeThresholds
    personas: tuple[Persona, ...]

    def persona(self, key: str) -> Persona | None:
        """The persona with this key, if any."""
        return next((p for p in self.personas if p.key == key), None)

    def names(self) -> dict[str, str]:
        """Persona key → name."""
        return {p.key: p.name for p in self.personas}


@dataclass(frozen=True)
class Cap:
    """At most ``count`` scored events of a rule per window of ``per_days`` days."""

    count: int
    per_days: int


@dataclass(frozen=True)
class EngagementRule:
    """Points for an event type, when its properties match ``where``, capped if asked."""

    key: str
    event: str
    points: float
    where: Mapping[str, Any] = field(default_factory=lambda: EMPTY)
    cap: Cap | None = None


@dataclass(frozen=True)
class Engagement:
    """The agreement's ``engagement``: the half-life and the rules, first match wins."""

    half_life_days: float
    rules: tuple[EngagementRule, ...]


@dataclass(frozen=True)
class FastTrack:
    """An event that makes a contact an MQL at once, given a minimum fit."""

    event: str
    min_fit: str


@dataclass(frozen=True)
class MqlThreshold:
    """The agreement's ``mql``: minimum fit and engagement, and the fast tracks."""

    min_fit: str
    min_engagement: float
    fast_track: tuple[FastTrack, ...] = ()


@dataclass(frozen=True)
class ExclusionRules:
    """Who is out of target whatever their points."""

    competitor_domains: tuple[str, ...] = ()
    free_mail_domains: tuple[str, ...] = ()
    student_titles: tuple[str, ...] = ()
    countries_out_of_target: tuple[str, ...] = ()
    opted_out: bool = False


@dataclass(frozen=True)
class RoutingRule:
    """One routing rule. A filter left out (``None``) lets every value through."""

    key: str
    kind: RoutingKind
    team: str | None = None
    countries: tuple[str, ...] | None = None
    sectors: tuple[str, ...] | None = None
    size_bands: tuple[str, ...] | None = None
    label: str = ""  # in English, else the first language written; "" when the YAML has none
    labels: Mapping[str, str] = field(default_factory=lambda: EMPTY)  # language → label

    @property
    def has_filters(self) -> bool:
        """Whether the rule names countries, sectors or size bands."""
        return bool(self.countries or self.sectors or self.size_bands)


@dataclass(frozen=True)
class Routing:
    """The agreement's ``routing``: rules in order and the open MQLs a salesperson may hold."""

    rules: tuple[RoutingRule, ...] = ()
    max_open_mqls: int | None = None


@dataclass(frozen=True)
class SlaTerm:
    """Sales' commitment on a kind of lead: answer, first touch and follow-ups."""

    key: str
    accept_hours: float
    first_touch_hours: float
    follow_ups: int
    follow_up_days: int
    min_fit: str | None = None
    persona: str | None = None
    label: str = ""  # in English, else the first language written; "" when the YAML has none
    labels: Mapping[str, str] = field(default_factory=lambda: EMPTY)  # language → label

    def applies_to(self, grade: str, persona: str) -> bool:
        """Whether a lead of this grade and persona falls under this term."""
        if self.min_fit and not grade_at_least(grade, self.min_fit):
            return False
        return not self.persona or self.persona == persona


@dataclass(frozen=True)
class EscalationStep:
    """A step of the ladder, taken when ``at_percent`` of the answer time is used."""

    at_percent: int
    action: EscalationAction

    @property
    def share(self) -> float:
        """``at_percent`` as a share of the allowed time."""
        return self.at_percent / 100


DEFAULT_LADDER = (
    EscalationStep(75, EscalationAction.REMIND),
    EscalationStep(100, EscalationAction.NOTIFY_MANAGER),
    EscalationStep(150, EscalationAction.REASSIGN),
)


@dataclass(frozen=True)
class SlaTargets:
    """The shares of leads sales commits to answer and to touch in time, in %."""

    accepted_in_time_percent: float = 90
    first_touch_in_time_percent: float = 80


@dataclass(frozen=True)
class Sla:
    """The agreement's ``sla``: the terms (the first that applies wins) and how clocks run."""

    terms: tuple[SlaTerm, ...] = ()
    at_risk_percent: float = 75
    escalation: tuple[EscalationStep, ...] = DEFAULT_LADDER
    targets: SlaTargets = field(default_factory=SlaTargets)

    def term_for(self, grade: str, persona: str) -> SlaTerm | None:
        """The first term that applies to a lead of this grade and persona."""
        return next((t for t in self.terms if t.applies_to(grade, persona)), None)

    def term(self, key: str) -> SlaTerm | None:
        """The term with this key, if any."""
        return next((t for t in self.terms if t.key == key), None)


@dataclass(frozen=True)
class Quota:
    """Marketing's commitment: MQLs a month, of one persona or (``persona`` "") of all."""

    persona: str
    mqls_per_month: int


@dataclass(frozen=True)
class Reason:
    """A reason code sales gives when rejecting a lead, and where the lead goes."""

    code: str
    label: str  # in English, else the first language written (``labels`` has them all)
    disposition: Disposition
    labels: Mapping[str, str] = field(default_factory=lambda: EMPTY)  # language → label


@dataclass(frozen=True)
class Agreement:
    """One version's agreement, typed. ``fingerprint`` identifies its content."""

    name: str
    fit: FitRules
    engagement: Engagement
    mql: MqlThreshold
    exclusions: ExclusionRules = field(default_factory=ExclusionRules)
    routing: Routing | None = None
    sla: Sla = field(default_factory=Sla)
    quotas: tuple[Quota, ...] = ()
    reasons: tuple[Reason, ...] = ()
    recalibration_months: int = 3
    extensions: Mapping[str, Any] = field(default_factory=lambda: EMPTY)
    fingerprint: str = field(default="", compare=False)

    def reason(self, code: str) -> Reason | None:
        """The reason with this code, if any."""
        return next((r for r in self.reasons if r.code == code), None)

    def reason_labels(self, language: str | None = None) -> dict[str, str]:
        """Reason code → label in ``language`` (default: the active language)."""
        return {r.code: self.label("reason", r.code, language) for r in self.reasons}

    def label(self, kind: str, code: str, language: str | None = None) -> str:
        """The words for a code of the agreement: ``kind`` is "reason", "persona", "sla_term"
        or "routing_rule". In ``language`` (default: the active Django language), else English, else
        the first language written, else the code humanised ("wrong_size" → "Wrong size")."""
        if kind not in LABEL_KINDS:
            raise ValueError(f"kind must be one of {', '.join(LABEL_KINDS)}, not {kind!r}")
        found: tuple[str, Mapping[str, str]] | None = None
        if kind == "reason" and (reason := self.reason(code)) is not None:
            found = reason.label, reason.labels
        elif kind == "persona" and (persona := self.fit.persona(code)) is not None:
            found = persona.name, persona.labels
        elif kind == "sla_term" and (term := self.sla.term(code)) is not None:
            found = term.label, term.labels
        elif kind == "routing_rule" and self.routing is not None:
            rule = next((r for r in self.routing.rules if r.key == code), None)
            found = (rule.label, rule.labels) if rule is not None else None
        if found is None or not (found[0] or found[1]):
            return humanised(code)
        return label_in(found[1], language or get_language() or "en", found[0])

    def quota_for(self, persona: str) -> int | None:
        """The monthly MQL quota of ``persona`` ("" for all MQLs), if the agreement sets one."""
        return next((q.mqls_per_month for q in self.quotas if q.persona == persona), None)
