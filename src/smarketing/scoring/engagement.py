"""Engagement: points from events, halved every ``half_life_days``, capped per rule and period.

The state of a contact is small and folded one event at a time in O(1), in any order:

- ``value`` is the score at ``at`` (seconds since the epoch); reading it later multiplies by
  2^(−Δt / half-life). An event after ``at`` decays the value to the event's time and adds its
  points; a late event (before ``at``) adds its points decayed to ``at``. Both give the same sum.
- Caps count, per rule, fixed windows of ``per_days`` days (window = day number // per_days).
  The events that count are the **earliest** ``count`` of the window, whatever their arrival
  order: the state keeps those timestamps, and a late earlier event takes the place of the
  latest counted one (its contribution is removed, decayed, and the new one added).
- Only the windows that can still receive events are kept: those that end after ``since``, the
  start of the current window a day ago (:meth:`EngagementRules.horizon`). An event in an
  older window, which only a late import brings, is folded by refolding the contact's whole
  history (:func:`terms_foldable` tells). Kept small, the state is read and written fast.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import orjson

from smarketing.agreement.document import Engagement, EngagementRule

DAY = 86400.0
SLACK = DAY  # events up to a day late are folded without the contact's history
MEMO_LIMIT = 100_000  # property texts whose rule is remembered per set of rules
MISSING = object()


@dataclass
class EngagementState:
    """A contact's engagement, foldable event by event."""

    value: float = 0.0
    at: float = 0.0
    counted: dict[str, dict[str, list[float]]] = field(default_factory=dict)
    hits: dict[str, int] = field(default_factory=dict)
    capped: dict[str, int] = field(default_factory=dict)
    since: float = 0.0  # ``counted`` holds every cap window that ends after this time


def decay(points: float, seconds: float, half_life_days: float) -> float:
    """``points`` after ``seconds`` of decay (negative seconds grow them back)."""
    return points * math.pow(2.0, -seconds / (half_life_days * DAY))


def value_at(state: EngagementState, when: float, half_life_days: float) -> float:
    """The engagement at ``when``."""
    return decay(state.value, when - state.at, half_life_days)


def _add(state: EngagementState, points: float, when: float, half_life_days: float) -> None:
    if when >= state.at:
        state.value = decay(state.value, when - state.at, half_life_days) + points
        state.at = when
    else:
        state.value += decay(points, state.at - when, half_life_days)


class Terms(NamedTuple):
    """A rule as the fold reads it."""

    key: str
    points: float
    cap: int | None  # events counted per window (None: every event counts)
    window: float  # seconds per cap window


def terms_of(rule: EngagementRule) -> Terms:
    """The fold's terms of an engagement rule."""
    cap = rule.cap
    if cap is None:
        return Terms(rule.key, rule.points, None, 0.0)
    return Terms(rule.key, rule.points, cap.count, cap.per_days * DAY)


class EngagementRules:
    """An agreement's engagement rules indexed by event type, for folding many events."""

    def __init__(self, engagement: Engagement) -> None:
        self.half_life = engagement.half_life_days
        self.by_type: dict[str, list[EngagementRule]] = {}
        self.terms: dict[int, Terms] = {}
        for rule in engagement.rules:
            self.by_type.setdefault(rule.event, []).append(rule)
            self.terms[id(rule)] = terms_of(rule)
        # types whose first rule has no ``where``: that rule, whatever the properties
        self.plain = {kind: rules[0] for kind, rules in self.by_type.items() if not rules[0].where}
        self.plain_terms = {kind: self.terms[id(rule)] for kind, rule in self.plain.items()}
        self.widths = {t.key: t.window for t in self.terms.values() if t.cap is not None}
        self._horizon = (math.nan, 0.0)
        self._memo: dict[tuple[str, str], Terms | None] = {}

    def horizon(self, now: float) -> float:
        """Where a state folded at ``now`` starts keeping cap windows: the start of the
        earliest capped rule's window holding ``now − SLACK`` (0 without caps)."""
        if now != self._horizon[0]:  # a batch asks for the same moment for every contact
            start = min((((now - SLACK) // w) * w for w in self.widths.values()), default=0.0)
            self._horizon = (now, start)
        return self._horizon[1]

    def terms_for(self, event_type: str, properties: Any) -> Terms | None:
        """The terms of :meth:`rule_for`. For a type whose rules test properties, the answer
        is remembered per JSON text of the properties (events often share them: the same page,
        the same campaign), so each distinct text is decoded once."""
        terms = self.plain_terms.get(event_type)
        if terms is not None:
            return terms
        if event_type not in self.by_type:
            return None
        if not isinstance(properties, str):
            rule = self.rule_for(event_type, properties)
            return None if rule is None else self.terms[id(rule)]
        key = (event_type, properties)
        found = self._memo.get(key, MISSING)
        if found is MISSING:
            if len(self._memo) >= MEMO_LIMIT:
                self._memo.clear()
            rule = self.rule_for(event_type, properties)
            found = self._memo[key] = None if rule is None else self.terms[id(rule)]
        return found  # type: ignore[return-value]

    def rule_for(self, event_type: str, properties: Any) -> EngagementRule | None:
        """The first rule matching the event's type and every ``where`` property.

        ``properties`` is a dict, or its JSON text: decoded only when a ``where`` is tested
        (most rules have none).
        """
        rule = self.plain.get(event_type)
        if rule is not None:
            return rule
        for rule in self.by_type.get(event_type, ()):
            where = rule.where
            if not where:
                return rule
            if not isinstance(properties, dict):
                properties = orjson.loads(properties) if properties else {}
            if all(properties.get(k) == v for k, v in where.items()):
                return rule
        return None


_RULES: dict[int, tuple[tuple[EngagementRule, ...], EngagementRules]] = {}


def _rules_of(engagement: Engagement) -> EngagementRules:
    """The indexed rules of ``engagement`` (remembered per rule list)."""
    rules = engagement.rules
    entry = _RULES.get(id(rules))
    if entry is None or entry[0] is not rules:
        if len(_RULES) > 64:
            _RULES.clear()
        entry = _RULES[id(rules)] = (rules, EngagementRules(engagement))
    return entry[1]


def engagement_fold(
    state: EngagementState,
    *,
    event_type: str,
    properties: dict[str, Any],
    when: float,
    engagement: Engagement,
) -> str:
    """Fold one event into ``state``; return the key of the rule it scored under ('' if none)."""
    rule = _rules_of(engagement).rule_for(event_type, properties)
    if rule is None:
        return ""
    return rule_fold(state, rule, when, engagement.half_life_days)


def rule_fold(state: EngagementState, rule: EngagementRule, when: float, half_life: float) -> str:
    """Fold one event that matched ``rule`` into ``state``; return the rule's key."""
    return terms_fold(state, terms_of(rule), when, half_life)


def terms_foldable(state: EngagementState, terms: Terms, when: float) -> bool:
    """Whether ``state`` holds what folding an event at ``when`` needs: always without a cap;
    with one, when the event's window ends after ``state.since``."""
    return terms.cap is None or (when // terms.window + 1) * terms.window > state.since


def state_prune(state: EngagementState, rules: EngagementRules, since: float) -> None:
    """Drop the cap windows that end at or before ``since`` (it only moves forward)."""
    if since <= state.since:
        return
    state.since = since
    for key in list(state.counted):
        width = rules.widths.get(key)
        if width is None:
            continue
        windows = state.counted[key]
        for window in [w for w in windows if (int(w) + 1) * width <= since]:
            del windows[window]
        if not windows:
            del state.counted[key]


def terms_fold(state: EngagementState, terms: Terms, when: float, half_life: float) -> str:
    """Fold one event that matched the rule of ``terms`` into ``state``; return its key."""
    key, points = terms.key, terms.points
    hits = state.hits
    hits[key] = hits.get(key, 0) + 1
    if terms.cap is None:
        _add(state, points, when, half_life)
        return key
    window = str(int(when // terms.window))
    counted = state.counted.setdefault(key, {}).setdefault(window, [])
    if len(counted) < terms.cap:
        if counted and when < counted[-1]:
            counted.append(when)
            counted.sort()
        else:
            counted.append(when)
        _add(state, points, when, half_life)
        return key
    state.capped[key] = state.capped.get(key, 0) + 1
    counted.sort()  # a stored state may keep a window's times in any order
    latest = counted[-1]
    if when < latest:  # a late, earlier event takes the place of the latest counted one
        _add(state, -points, latest, half_life)
        counted[-1] = when
        counted.sort()
        _add(state, points, when, half_life)
    return key


def engagement_breakdown(state: EngagementState, engagement: Engagement, now: float) -> str:
    """A readable line, e.g. ``engagement 37.5: +15 pricing ×4 (capped), +30 demo ×1``."""
    parts = []
    for rule in engagement.rules:
        hits = state.hits.get(rule.key, 0)
        if hits:
            sign = "+" if rule.points >= 0 else "−"
            capped = " (capped)" if state.capped.get(rule.key) else ""
            parts.append(f"{sign}{abs(rule.points):g} {rule.key} ×{hits}{capped}")
    total = value_at(state, now, engagement.half_life_days)
    return f"engagement {total:.1f}: " + (", ".join(parts) if parts else "no scored activity")
