"""Engagement: points from events, halved every ``half_life_days``, capped per rule and period.

The state of a contact is small and folded one event at a time in O(1), in any order:

- ``value`` is the score at ``at`` (seconds since the epoch); reading it later multiplies by
  2^(−Δt / half-life). An event after ``at`` decays the value to the event's time and adds its
  points; a late event (before ``at``) adds its points decayed to ``at``. Both give the same sum.
- Caps count, per rule, fixed windows of ``per_days`` days (window = day number // per_days).
  The events that count are the **earliest** ``count`` of the window, whatever their arrival
  order: the state keeps those timestamps, and a late earlier event takes the place of the
  latest counted one (its contribution is removed, decayed, and the new one added).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

DAY = 86400.0


@dataclass
class EngagementState:
    """A contact's engagement, foldable event by event."""

    value: float = 0.0
    at: float = 0.0
    counted: dict[str, dict[str, list[float]]] = field(default_factory=dict)
    hits: dict[str, int] = field(default_factory=dict)
    capped: dict[str, int] = field(default_factory=dict)


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


_BY_TYPE: dict[int, tuple[list[dict[str, Any]], dict[str, list[dict[str, Any]]]]] = {}


def _rules_of_type(rules: list[dict[str, Any]], event_type: str) -> list[dict[str, Any]]:
    """The rules for ``event_type``, in order (indexed once per rule list)."""
    entry = _BY_TYPE.get(id(rules))
    if entry is None or entry[0] is not rules:
        index: dict[str, list[dict[str, Any]]] = {}
        for rule in rules:
            index.setdefault(rule["event"], []).append(rule)
        if len(_BY_TYPE) > 64:
            _BY_TYPE.clear()
        entry = _BY_TYPE[id(rules)] = (rules, index)
    return entry[1].get(event_type, [])


def rule_for(
    event_type: str, properties: dict[str, Any], rules: list[dict[str, Any]]
) -> dict[str, Any] | None:
    """The first rule matching the event's type and every ``where`` property."""
    for rule in _rules_of_type(rules, event_type):
        where = rule.get("where")
        if not where or all(properties.get(k) == v for k, v in where.items()):
            return rule
    return None


def engagement_fold(
    state: EngagementState,
    *,
    event_type: str,
    properties: dict[str, Any],
    when: float,
    engagement: dict[str, Any],
) -> str:
    """Fold one event into ``state``; return the key of the rule it scored under ('' if none)."""
    half_life = float(engagement["half_life_days"])
    rule = rule_for(event_type, properties, engagement["rules"])
    if rule is None:
        return ""
    key, points = rule["key"], float(rule["points"])
    state.hits[key] = state.hits.get(key, 0) + 1
    cap = rule.get("cap")
    if cap is None:
        _add(state, points, when, half_life)
        return key
    window = str(int(when // (cap["per_days"] * DAY)))
    counted = state.counted.setdefault(key, {}).setdefault(window, [])
    if len(counted) < cap["count"]:
        counted.append(when)
        counted.sort()
        _add(state, points, when, half_life)
        return key
    state.capped[key] = state.capped.get(key, 0) + 1
    latest = counted[-1]
    if when < latest:  # a late, earlier event takes the place of the latest counted one
        _add(state, -points, latest, half_life)
        counted[-1] = when
        counted.sort()
        _add(state, points, when, half_life)
    return key


def engagement_breakdown(state: EngagementState, engagement: dict[str, Any], now: float) -> str:
    """A readable line, e.g. ``engagement 37.5: +15 pricing ×4 (capped), +30 demo ×1``."""
    parts = []
    for rule in engagement["rules"]:
        hits = state.hits.get(rule["key"], 0)
        if hits:
            sign = "+" if rule["points"] >= 0 else "−"
            capped = " (capped)" if state.capped.get(rule["key"]) else ""
            parts.append(f"{sign}{abs(rule['points']):g} {rule['key']} ×{hits}{capped}")
    total = value_at(state, now, float(engagement["half_life_days"]))
    return f"engagement {total:.1f}: " + (", ".join(parts) if parts else "no scored activity")
