"""An agreement document prepared once for scoring many contacts (the event consumer's hot path).

Rules are indexed by event type, fit matches are remembered per field value and per
combination, exclusion sets are built once. The results are those of ``engagement_fold``,
``fit_evaluate`` and ``mql_evaluate``: the same code decides, only less often.
"""

from __future__ import annotations

from typing import Any

import orjson

from smarketing.scoring.engagement import EngagementRules
from smarketing.scoring.fit import FitMemo
from smarketing.scoring.qualification import MqlRule


class Scorer:
    """One agreement document's rules, ready to score contact after contact."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.rules = EngagementRules(document["engagement"])
        self.fit = FitMemo(document["fit"])
        self.mql = MqlRule(document)


_SCORERS: dict[bytes, Scorer] = {}


def scorer_for(document: dict[str, Any]) -> Scorer:
    """The prepared form of ``document``, kept across batches (keyed by its content, so an
    edited draft or another version never reuses another document's memo)."""
    key = orjson.dumps(document, option=orjson.OPT_SORT_KEYS)
    scorer = _SCORERS.get(key)
    if scorer is None:
        if len(_SCORERS) >= 8:
            _SCORERS.clear()
        scorer = _SCORERS[key] = Scorer(document)
    return scorer
