"""An agreement prepared once for scoring many contacts (the event consumer's hot path).

Rules are indexed by event type, fit matches are remembered per field value and per
combination, exclusion sets are built once. The results are those of ``engagement_fold``,
``fit_evaluate`` and ``mql_evaluate``: the same code decides, only less often.
"""

from __future__ import annotations

from smarketing.agreement.document import Agreement
from smarketing.contacts.choices import ConsentState
from smarketing.scoring.batch import Who
from smarketing.scoring.engagement import EngagementRules
from smarketing.scoring.fit import Fit, FitMemo
from smarketing.scoring.qualification import MqlRule

MEMO_LIMIT = 100_000


class Scorer:
    """One agreement's rules, ready to score contact after contact."""

    def __init__(self, agreement: Agreement) -> None:
        self.agreement = agreement
        self.rules = EngagementRules(agreement.engagement)
        self.fit = FitMemo(agreement.fit)
        self.mql = MqlRule(agreement)
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


_SCORERS: dict[str, Scorer] = {}


def scorer_for(agreement: Agreement) -> Scorer:
    """The prepared form of ``agreement``, kept across batches (keyed by its content, so an
    edited draft or another version never reuses another agreement's memo)."""
    key = agreement.fingerprint
    scorer = _SCORERS.get(key) if key else None
    if scorer is None:
        if len(_SCORERS) >= 8:
            _SCORERS.clear()
        scorer = Scorer(agreement)
        if key:
            _SCORERS[key] = scorer
    return scorer
