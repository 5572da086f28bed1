"""An agreement document prepared once for scoring many contacts (the event consumer's hot path).

Rules are indexed by event type, fit matches are remembered per field value and per
combination, exclusion sets are built once. The results are those of ``engagement_fold``,
``fit_evaluate`` and ``mql_evaluate``: the same code decides, only less often.
"""

from __future__ import annotations

from typing import Any

import orjson

from smarketing.contacts.choices import ConsentState
from smarketing.scoring.batch import Who
from smarketing.scoring.engagement import EngagementRules
from smarketing.scoring.fit import Fit, FitMemo
from smarketing.scoring.qualification import MqlRule

MEMO_LIMIT = 100_000


class Scorer:
    """One agreement document's rules, ready to score contact after contact."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.rules = EngagementRules(document["engagement"])
        self.fit = FitMemo(document["fit"])
        self.mql = MqlRule(document)
        self._excluded: dict[tuple[str, str, str], str] = {}

    def judge(self, who: Who) -> tuple[Fit, str]:
        """The contact's fit and why it is out of target ('' when it is not).

        The fit is remembered per field value (:class:`FitMemo`); the exclusions other than
        by domain per (job title, country, consent), which many contacts share.
        """
        country = who.country or ""
        fit = self.fit.evaluate(
            (who.job_title, who.sector or "", who.size_band or "", country, who.revenue)
        )
        exclusions = self.mql.exclusions
        by_domain = exclusions.domain_reason(who.email, who.domain or "")
        if by_domain:
            return fit, by_domain
        key = (who.job_title, country, who.consent)
        excluded = self._excluded.get(key)
        if excluded is None:
            if len(self._excluded) >= MEMO_LIMIT:
                self._excluded.clear()
            excluded = self._excluded[key] = exclusions.reason_of(
                email="",
                job_title=who.job_title,
                account_domain="",
                country=country,
                opted_out=who.consent == ConsentState.WITHDRAWN,
            )
        return fit, excluded


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
