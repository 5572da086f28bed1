"""Reads of stored scores and of rescore runs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from smarketing.agreement.models import AgreementVersion, VersionStatus
from smarketing.scoring.breakdown import score_breakdown, score_engagement, score_hot
from smarketing.scoring.models import ContactScore, RescoreRun


@dataclass(frozen=True)
class ScoreView:
    """A contact's current score as people read it: decayed to now, with its explanation."""

    score: ContactScore
    engagement: float
    breakdown: list[str]


def contact_score(*, contact_id: int, now: datetime | None = None) -> ScoreView | None:
    """The contact's score under the active version, or None if not scored yet."""
    score = (
        ContactScore.objects.select_related("version")
        .filter(contact_id=contact_id, version__status=VersionStatus.ACTIVE)
        .first()
    )
    if score is None:
        return None
    when = now or timezone.now()
    hot = score_hot(score)  # read once for both
    return ScoreView(score, score_engagement(score, when, hot), score_breakdown(score, when, hot))


def score_under(*, contact_id: int, version_id: int) -> ContactScore | None:
    """The contact's stored score under one version (with the version), if any."""
    return (
        ContactScore.objects.select_related("version")
        .filter(version_id=version_id, contact_id=contact_id)
        .first()
    )


def rescore_last(*, version: AgreementVersion) -> RescoreRun | None:
    """The newest rescore run of ``version`` (running, done or failed)."""
    return RescoreRun.objects.filter(version=version).first()


def scores_under(*, version_id: int, contact_ids: list[int]) -> dict[int, ContactScore]:
    """The stored scores of these contacts under one version, by contact."""
    rows = ContactScore.objects.filter(version_id=version_id, contact_id__in=contact_ids)
    return {score.contact_id: score for score in rows}


def score_explained(score: ContactScore) -> list[str]:
    """The explanation stored with ``score``, without reading or folding events: the fit line
    (persona, points, criteria met), the engagement when the MQL verdict was decided, and the
    verdict — for a message sent in a transaction (``score_breakdown`` refolds the events)."""
    from smarketing.scoring.fit import fit_line  # appended here: the module's head is left as is

    agreement = score.version.agreement
    return [
        fit_line(agreement.fit, score.persona, score.fit_points, score.fit_marks),
        f"engagement {score.engagement:.1f} at the verdict",
        f"MQL rule v{score.version.number}: {score.reason}",
    ]
