"""Folding events into a score's state row (``ScoreState``) and deciding the MQL verdict.

This is the event consumer's hot path (ADR 0012): it reads the state row, the contact's fit
grade and verdict stored in it, and the events; nothing else. The fit itself is judged when
the profile changes (``scores_refresh``), not at each event.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

import orjson

from smarketing.scoring.batch import HOT_FIELDS, EventRow, Hot, HotValues
from smarketing.scoring.engagement import (
    EngagementState,
    state_prune,
    terms_fold,
    terms_foldable,
    value_at,
)
from smarketing.scoring.prepared import Scorer

__all__ = ["HOT_FIELDS", "Folded", "explained", "history_fold", "hot_values", "state_fold"]


class Folded(NamedTuple):
    """A contact's engagement after a fold, and the MQL verdict at the fold's moment."""

    state: EngagementState
    fast: int  # fast-track bits seen (``MqlRule.fast_types``)
    engagement: float  # at the fold's moment
    verdict: int  # ``scoring.qualification`` codes


def state_of(hot: Hot | None) -> EngagementState:
    """The foldable engagement of a state row (empty for none)."""
    if hot is None:
        return EngagementState()
    counted = orjson.loads(hot.caps) if hot.caps else {}
    return EngagementState(hot.value, hot.at, counted, {}, {}, hot.since)


def state_fold(
    hot: Hot | None,
    events: Iterable[EventRow],
    scorer: Scorer,
    moment: float,
    *,
    grade: str,
    excluded: bool,
) -> Folded | None:
    """Fold ``events`` into the state row ``hot`` (None: from nothing) and decide the MQL rule
    at ``moment`` (seconds since the epoch) for a contact of fit ``grade``.

    None when an event falls in a cap window the row no longer keeps: the caller folds the
    contact's whole history instead (from nothing, which never returns None).
    """
    state = state_of(hot)
    fast = hot.fast if hot is not None else 0
    rules, mql = scorer.rules, scorer.mql
    half_life, terms_for, bits = rules.half_life, rules.terms_for, mql.bits
    for event in events:
        terms = terms_for(event.type, event.properties)
        if terms is not None:
            if terms.cap is not None and not terms_foldable(state, terms, event.when):
                return None
            terms_fold(state, terms, event.when, half_life)
            fast |= bits.get(event.type, 0)
    state_prune(state, rules, rules.horizon(moment))
    engagement = value_at(state, moment, half_life)
    verdict = mql.verdict(grade=grade, engagement=engagement, seen=fast, excluded=excluded)
    return Folded(state, fast, engagement, verdict)


def history_fold(
    history: Iterable[EventRow], scorer: Scorer, moment: float, *, grade: str, excluded: bool
) -> Folded:
    """:func:`state_fold` of a contact's whole history."""
    folded = state_fold(None, history, scorer, moment, grade=grade, excluded=excluded)
    if folded is None:  # an empty state keeps every window: it folds any event
        raise AssertionError("a fold from no state needed the history")
    return folded


def hot_values(folded: Folded, grade: str) -> HotValues:
    """The written columns of the state row of ``folded`` (``HOT_FIELDS``)."""
    state = folded.state
    caps = orjson.dumps(state.counted).decode() if state.counted else ""
    return HotValues(state.value, state.at, state.since, caps, folded.fast, grade, folded.verdict)


def explained(events: Iterable[EventRow], scorer: Scorer) -> EngagementState:
    """The state of ``events`` with the hit and capped counts per rule, for the breakdown (the
    state rows do not keep them)."""
    state = EngagementState()
    rules = scorer.rules
    for event in events:
        terms = rules.terms_for(event.type, event.properties)
        if terms is not None:
            terms_fold(state, terms, event.when, rules.half_life)
    return state
